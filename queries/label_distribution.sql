-- name: label_distribution
-- Label distribution: how often each value was given for each annotation key.
SELECT key, value, count(*) AS n
FROM annotations
GROUP BY key, value
ORDER BY key, n DESC, value
