-- name: agreement
-- Agreement between contributors on each numeric key of the answers: Krippendorff's alpha with
-- a 95% bootstrap interval, and percent agreement. A unit is one answer slot of one prompt
-- (the same prompt sent to several contributors as several tasks); units one contributor rated
-- alone do not count.
-- param: level text = 'ordinal': Krippendorff's level: nominal, ordinal, interval or ratio
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only tasks completed on or after this day (UTC)
-- param: rounds int = 1000: bootstrap rounds
SELECT key,
       a.units AS units,
       a.values AS values,
       round(a.alpha, 4) AS alpha,
       round(a.lower, 4) AS lower,
       round(a.upper, 4) AS upper,
       round(p, 4) AS percent_agreement
FROM (SELECT key,
             krippendorff_alpha(concat(prompt_hash, '/', source_id), contributor_id, value,
                                $level, $rounds) AS a,
             percent_agreement(concat(prompt_hash, '/', source_id), value) AS p
      FROM message_scores
      WHERE scope = 'message' AND contributor_id IS NOT NULL
        AND ($project = '' OR project_id = $project)
        AND (completed_at >= $since OR completed_at IS NULL AND $since <= TIMESTAMP '1970-01-01T00:00:00Z')
      GROUP BY key)
ORDER BY key
