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
-- The baseline is a one-row table joined where needed: written as a scalar subquery inside a
-- join's OR, every label matched it on DataFusion 55.2 (tests/interop/check_analytics.py).
base AS (SELECT CASE WHEN $baseline = '' THEN min(slice) ELSE $baseline END AS baseline FROM labels),
counts AS (
  SELECT l.key, l.slice, l.value, count(*) AS n
  FROM labels l JOIN keys k ON k.key = l.key
  GROUP BY 1, 2, 3
),
slices AS (
  SELECT DISTINCT c.key, c.slice, b.baseline
  FROM counts c CROSS JOIN base b
  WHERE c.slice <> b.baseline
),
bins AS (
  SELECT s.key, s.slice, s.baseline, v.value
  FROM slices s JOIN (SELECT DISTINCT key, value FROM counts) v ON v.key = s.key
),
binned AS (
  SELECT b.key, b.slice, coalesce(x.n, 0) AS actual, coalesce(e.n, 0) AS expected
  FROM bins b
  LEFT JOIN counts x ON x.key = b.key AND x.slice = b.slice AND x.value = b.value
  LEFT JOIN counts e ON e.key = b.key AND e.slice = b.baseline AND e.value = b.value
),
sides AS (
  SELECT s.key, s.slice, s.baseline, 'slice' AS side, l.value
  FROM slices s JOIN labels l ON l.key = s.key AND l.slice = s.slice
  UNION ALL
  SELECT s.key, s.slice, s.baseline, 'baseline', l.value
  FROM slices s JOIN labels l ON l.key = s.key AND l.slice = s.baseline
),
tested AS (
  SELECT key, slice, baseline, chi2_test(side, value) AS t FROM sides GROUP BY key, slice, baseline
)
SELECT p.key,
       t.baseline,
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
