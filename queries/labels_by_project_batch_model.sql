-- name: labels_by_project_batch_model
-- The label distribution split by project, batch and model (model is set on message annotations).
SELECT project_id, batch_id, model, key, value, count(*) AS n
FROM annotations
GROUP BY project_id, batch_id, model, key, value
ORDER BY project_id, batch_id, model, key, n DESC, value
