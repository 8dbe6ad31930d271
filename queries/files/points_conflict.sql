-- A series time the staged points (files/stage_points.sql) have two values for.
SELECT model, version, metric, ts, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS moment
FROM points
WHERE value <> other
ORDER BY ts, model, version, metric
LIMIT 1
