-- Win rate per model: among assistant messages in turns that carry a turn-level
-- selected_model_id, the share whose source_id is the one selected.
SELECT m.model,
       count(*) AS appearances,
       sum(CASE WHEN m.source_id = s.value THEN 1 ELSE 0 END) AS wins,
       round(sum(CASE WHEN m.source_id = s.value THEN 1 ELSE 0 END) * 1.0 / count(*), 4) AS win_rate
FROM messages m
JOIN annotations s
  ON s.task_id = m.task_id AND s.thread_idx = m.thread_idx AND s.turn_idx = m.turn_idx
WHERE s.scope = 'turn' AND s.key = 'selected_model_id' AND m.role = 'assistant'
GROUP BY m.model
ORDER BY win_rate DESC, m.model
