-- name: score_by_model
-- Mean score of each model's answers with its 95% t-interval, per key (numeric annotations on
-- messages; chunk and rubric scores are their own keys).
-- param: project text = '': only this project ('' for every project)
SELECT key,
       model,
       s.n AS n,
       round(s.mean, 4) AS mean,
       round(s.lower, 4) AS lower,
       round(s.upper, 4) AS upper
FROM (SELECT key, model, mean_ci(value_num) AS s
      FROM message_scores
      WHERE $project = '' OR project_id = $project
      GROUP BY key, model)
ORDER BY key, mean DESC, model
