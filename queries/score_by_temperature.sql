-- name: score_by_temperature
-- Mean score with its 95% t-interval per numeric key and temperature, over every model's
-- answers, and per model and temperature: does sampling hotter change the scores?
-- param: key text = '': only this annotation key ('' for every numeric key)
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only tasks completed on or after this day (UTC)
SELECT key,
       model,
       temperature,
       s.n AS n,
       round(s.mean, 4) AS mean,
       round(s.lower, 4) AS lower,
       round(s.upper, 4) AS upper
FROM (SELECT key, coalesce(model, '(every model)') AS model, temperature, mean_ci(value_num) AS s
      FROM message_scores
      WHERE ($key = '' OR key = $key) AND temperature IS NOT NULL
        AND ($project = '' OR project_id = $project)
        AND (completed_at >= $since OR completed_at IS NULL AND $since <= TIMESTAMP '1970-01-01T00:00:00Z')
      GROUP BY GROUPING SETS ((key, temperature), (key, model, temperature)))
ORDER BY key, model, temperature
