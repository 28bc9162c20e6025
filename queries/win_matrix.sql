-- name: win_matrix
-- Head-to-head results for every pair of models: battles decided (ties left out, as FastChat's
-- win-fraction matrix does), the row model's wins and its win rate against the column model.
-- Each pair appears both ways round.
-- param: source text = 'selected_model_id': the preference annotation key the comparisons come from
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only tasks completed on or after this day (UTC)
WITH decided AS (
  SELECT model_a, model_b, outcome
  FROM comparisons
  WHERE source = $source AND ($project = '' OR project_id = $project)
    AND (completed_at >= $since OR completed_at IS NULL AND $since <= TIMESTAMP '1970-01-01T00:00:00Z')
    AND NOT same_model AND outcome <> 0.5
),
sides AS (
  SELECT model_a AS model, model_b AS opponent, outcome AS won FROM decided
  UNION ALL
  SELECT model_b, model_a, 1 - outcome FROM decided
)
SELECT model, opponent, count(*) AS battles, CAST(sum(won) AS BIGINT) AS wins,
       round(avg(won), 4) AS win_rate
FROM sides
GROUP BY model, opponent
ORDER BY model, opponent
