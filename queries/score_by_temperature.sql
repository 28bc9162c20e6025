-- name: score_by_temperature
-- Mean score with its 95% t-interval per key and temperature, over every model's answers, and
-- per model and temperature: does sampling hotter change the scores?
-- param: key text = 'truthfulness': the annotation key
SELECT model,
       temperature,
       s.n AS n,
       round(s.mean, 4) AS mean,
       round(s.lower, 4) AS lower,
       round(s.upper, 4) AS upper
FROM (SELECT coalesce(model, '(every model)') AS model, temperature, mean_ci(value_num) AS s
      FROM message_scores
      WHERE key = $key AND temperature IS NOT NULL
      GROUP BY GROUPING SETS ((temperature), (model, temperature)))
ORDER BY model, temperature
