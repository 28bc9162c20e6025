-- name: completed_per_day
-- Tasks completed per day (UTC) per project, with the median hours from creation to completion.
SELECT project_id,
       CAST(completed_at AS DATE) AS day,
       count(*) AS tasks,
       round(median(date_part('epoch', completed_at) - date_part('epoch', created_at)) / 3600.0, 2) AS median_hours
FROM tasks
WHERE completed_at IS NOT NULL
GROUP BY project_id, CAST(completed_at AS DATE)
ORDER BY project_id, day
