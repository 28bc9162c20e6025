-- name: leaderboard
-- Bradley–Terry leaderboard of the models on the Elo scale (average 1000), with 95% bootstrap
-- intervals over whole judgements and the rank they allow (1 + the models surely above). A model
-- with no finite rating, or a side of its interval the data leave open, says why in `note`.
-- param: source text = 'selected_model_id': the preference annotation key the comparisons come from
-- param: project text = '': only this project ('' for every project)
-- param: since date = 1970-01-01: only tasks completed on or after this day (UTC)
-- param: rounds int = 1000: bootstrap rounds
-- param: seed int = 0: bootstrap seed
SELECT r.rank AS rank,
       r.model AS model,
       round(r.rating, 1) AS rating,
       round(r.lower, 1) AS lower,
       round(r.upper, 1) AS upper,
       r.battles AS battles,
       r.wins AS wins,
       r.losses AS losses,
       r.ties AS ties,
       r.same_model AS same_model,
       r.note AS note
FROM (SELECT unnest(bradley_terry(comparison_unit, model_a, model_b, outcome, $rounds, $seed)) AS r
      FROM comparisons
      WHERE source = $source
        AND ($project = '' OR project_id = $project)
        AND (completed_at >= $since OR completed_at IS NULL AND $since <= TIMESTAMP '1970-01-01T00:00:00Z'))
ORDER BY rank, rating DESC, model
