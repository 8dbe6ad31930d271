-- A files source's staged points (`staged_points`, by time) where it has stored none.
INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT model, version, metric, ts, value, $source FROM staged_points
