-- The newest sample at or before $now of each model in $models (models whose stored history
-- runs past $now, as in a replay), looking back at most two days.
SELECT model, max(ts) AS last_ts
FROM metrics
WHERE ts <= $now AND ts > $now - INTERVAL 2 DAY AND list_contains($models, model)
GROUP BY model
