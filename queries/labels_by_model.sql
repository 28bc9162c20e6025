-- name: labels_by_model
-- The label distribution of each annotation key on model answers, split by the answering
-- model: how often each model's answers were given each label.
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only tasks completed on or after this day (UTC)
SELECT a.key, a.value, a.model, count(*) AS n
FROM annotations a
JOIN tasks t ON t.task_id = a.task_id
WHERE a.model IS NOT NULL
  AND ($project = '' OR a.project_id = $project)
  AND (t.completed_at >= $since OR t.completed_at IS NULL AND $since <= TIMESTAMP '1970-01-01T00:00:00Z')
GROUP BY a.key, a.value, a.model
ORDER BY a.key, a.value, a.model
