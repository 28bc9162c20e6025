-- name: mean_score_by_key_model
-- Mean numeric score per annotation key and model, with how many scores each mean is over.
SELECT key, model, count(*) AS n, round(avg(value_num), 4) AS mean_score
FROM annotations
WHERE value_num IS NOT NULL
GROUP BY key, model
ORDER BY key, model
