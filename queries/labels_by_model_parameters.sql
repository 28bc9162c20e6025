-- name: labels_by_model_parameters
-- The label distribution of the annotations on model answers, by model and sampling parameters:
-- temperature and top_p in buckets of 0.25 (each named by its lower bound; 1.0 is its own),
-- max_completion_tokens as set.
-- param: key text = '': only this annotation key ('' for every key)
SELECT model,
       floor(temperature * 4) / 4 AS temperature_bucket,
       floor(top_p * 4) / 4 AS top_p_bucket,
       max_completion_tokens,
       key,
       value,
       count(*) AS n
FROM annotations
WHERE model IS NOT NULL AND ($key = '' OR key = $key)
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY model, temperature_bucket, top_p_bucket, max_completion_tokens, key, n DESC, value
