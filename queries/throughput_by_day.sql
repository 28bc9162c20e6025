-- name: throughput_by_day
-- Tasks created and tasks completed per day (UTC), with the median hours from creation to
-- completion of the tasks completed that day: is work keeping up with what comes in?
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only days on or after this one (UTC)
WITH events AS (
  SELECT project_id, CAST(created_at AS DATE) AS day, 1 AS created, 0 AS completed,
         CAST(NULL AS DOUBLE) AS hours
  FROM tasks
  WHERE created_at IS NOT NULL
  UNION ALL
  SELECT project_id, CAST(completed_at AS DATE), 0, 1,
         (date_part('epoch', completed_at) - date_part('epoch', created_at)) / 3600.0
  FROM tasks
  WHERE completed_at IS NOT NULL
)
SELECT day,
       CAST(sum(created) AS BIGINT) AS created,
       CAST(sum(completed) AS BIGINT) AS completed,
       round(median(hours), 2) AS median_hours
FROM events
WHERE day >= CAST($since AS DATE) AND ($project = '' OR project_id = $project)
GROUP BY day
ORDER BY day
