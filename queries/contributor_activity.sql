-- name: contributor_activity
-- Each contributor's work: tasks and threads submitted, the labels on those threads (a thread's
-- labels count for the contributor of its last submission), and the first and last submission.
-- param: project text = '': only this project ('' for every project)
WITH subs AS (
  SELECT s.task_id, s.thread_idx, s.submission_idx, s.contributor_id, s.submitted_at
  FROM submissions s JOIN tasks t ON t.task_id = s.task_id
  WHERE s.contributor_id IS NOT NULL AND ($project = '' OR t.project_id = $project)
),
last AS (
  SELECT task_id, thread_idx, contributor_id FROM (
    SELECT task_id, thread_idx, contributor_id,
           row_number() OVER (PARTITION BY task_id, thread_idx ORDER BY submission_idx DESC) AS k
    FROM subs)
  WHERE k = 1
),
labels AS (
  SELECT l.contributor_id, count(*) AS labels
  FROM annotations a JOIN last l ON l.task_id = a.task_id AND l.thread_idx = a.thread_idx
  GROUP BY l.contributor_id
)
SELECT s.contributor_id,
       count(DISTINCT s.task_id) AS tasks,
       count(*) AS submissions,
       coalesce(max(l.labels), 0) AS labels,
       min(s.submitted_at) AS first_submitted,
       max(s.submitted_at) AS last_submitted
FROM subs s LEFT JOIN labels l ON l.contributor_id = s.contributor_id
GROUP BY s.contributor_id
ORDER BY labels DESC, s.contributor_id
