-- name: drift
-- Drift of each key's labels, slice by slice against a baseline slice: the population stability
-- index (under 0.1 stable, 0.1-0.25 moderate, above 0.25 major) and the chi-square test of the
-- slice against the baseline. Slices are weeks of completion (Mondays, UTC) or batches; keys
-- with more than 50 distinct values (free text) are left out.
-- param: by text = 'week': slice by 'week' or 'batch'
-- param: baseline text = '': the baseline slice ('' for the first)
-- param: key text = '': only this annotation key ('' for every key)
WITH labels AS (
  SELECT a.key, a.value,
         CASE WHEN $by = 'batch' THEN a.batch_id
              ELSE CAST(CAST(date_trunc('week', t.completed_at) AS DATE) AS VARCHAR) END AS slice
  FROM annotations a JOIN tasks t ON t.task_id = a.task_id
  WHERE a.value IS NOT NULL AND t.completed_at IS NOT NULL AND ($key = '' OR a.key = $key)
),
keys AS (SELECT key FROM labels GROUP BY key HAVING count(DISTINCT value) <= 50),
base AS (SELECT CASE WHEN $baseline = '' THEN min(slice) ELSE $baseline END AS slice FROM labels),
counts AS (
  SELECT l.key, l.slice, l.value, count(*) AS n
  FROM labels l JOIN keys k ON k.key = l.key
  GROUP BY 1, 2, 3
),
slices AS (SELECT DISTINCT key, slice FROM counts WHERE slice <> (SELECT slice FROM base)),
bins AS (
  SELECT s.key, s.slice, v.value
  FROM slices s JOIN (SELECT DISTINCT key, value FROM counts) v ON v.key = s.key
),
binned AS (
  SELECT b.key, b.slice, coalesce(x.n, 0) AS actual, coalesce(e.n, 0) AS expected
  FROM bins b
  LEFT JOIN counts x ON x.key = b.key AND x.slice = b.slice AND x.value = b.value
  LEFT JOIN counts e ON e.key = b.key AND e.slice = (SELECT slice FROM base) AND e.value = b.value
),
tested AS (
  SELECT s.key, s.slice, chi2_test(CASE WHEN l.slice = s.slice THEN 'slice' ELSE 'baseline' END, l.value) AS t
  FROM slices s
  JOIN labels l ON l.key = s.key AND (l.slice = s.slice OR l.slice = (SELECT slice FROM base))
  GROUP BY s.key, s.slice
)
SELECT p.key,
       (SELECT slice FROM base) AS baseline,
       p.slice,
       p.labels,
       round(p.psi, 4) AS psi,
       round(t.t.statistic, 4) AS chi2,
       t.t.dof AS dof,
       round(t.t.p_value, 6) AS p_value
FROM (SELECT key, slice, sum(actual) AS labels, psi(expected, actual) AS psi
      FROM binned GROUP BY key, slice) p
JOIN tested t ON t.key = p.key AND t.slice = p.slice
ORDER BY p.key, p.slice
