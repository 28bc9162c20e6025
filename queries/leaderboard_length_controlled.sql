-- name: leaderboard_length_controlled
-- The leaderboard at equal answer length: Bradley–Terry with the answers' length difference as
-- a covariate (FastChat's style control, length only). length_coefficient above 0 means longer
-- answers win more; compare the ratings with those of `leaderboard`.
-- param: source text = 'selected_model_id': the preference annotation key the comparisons come from
-- param: project text = '': only this project ('' for every project)
-- param: rounds int = 1000: bootstrap rounds
-- param: seed int = 0: bootstrap seed
SELECT r.rank AS rank,
       r.model AS model,
       round(r.rating, 1) AS rating,
       round(r.lower, 1) AS lower,
       round(r.upper, 1) AS upper,
       r.battles AS battles,
       round(r.length_coefficient, 4) AS length_coefficient,
       r.note AS note
FROM (SELECT unnest(bradley_terry_length(comparison_unit, model_a, model_b, outcome,
                                         text_length_a, text_length_b, $rounds, $seed)) AS r
      FROM comparisons
      WHERE source = $source AND ($project = '' OR project_id = $project))
ORDER BY rank, rating DESC, model
