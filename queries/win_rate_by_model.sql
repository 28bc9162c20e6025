-- name: win_rate_by_model
-- Win rate per model, head to head. A turn-level selected_model_id says the selected
-- assistant beat every other assistant in its turn: each (winner, loser) pair is one
-- comparison for both models. Pairs of one model with itself are excluded (they say
-- nothing about which model is better), as are pairs with no model recorded.
WITH pairs AS (
  SELECT w.model AS winner, l.model AS loser
  FROM annotations s
  JOIN messages w
    ON w.task_id = s.task_id AND w.thread_idx = s.thread_idx AND w.turn_idx = s.turn_idx
   AND w.role = 'assistant' AND w.source_id = s.value
  JOIN messages l
    ON l.task_id = s.task_id AND l.thread_idx = s.thread_idx AND l.turn_idx = s.turn_idx
   AND l.role = 'assistant' AND l.source_id <> s.value
  WHERE s.scope = 'turn' AND s.key = 'selected_model_id' AND w.model <> l.model
),
results AS (
  -- Each pair once as the winner's win and once as the loser's loss.
  SELECT CASE WHEN side.won = 1 THEN p.winner ELSE p.loser END AS model, side.won
  FROM pairs p CROSS JOIN (VALUES (1), (0)) AS side(won)
)
SELECT model,
       count(*) AS comparisons,
       sum(won) AS wins,
       round(sum(won) * 1.0 / count(*), 4) AS win_rate
FROM results
GROUP BY model
ORDER BY win_rate DESC, model
