-- The newest metric sample of one model at or before $now (how fresh its data is).
SELECT max(ts)
FROM metrics
WHERE model = $model AND ts <= $now
