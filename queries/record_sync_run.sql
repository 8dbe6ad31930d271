INSERT INTO sync_runs (source, started_at, finished_at, points, models, error, warnings)
VALUES (?, ?, ?, ?, ?, ?, ?::STRUCT(metric VARCHAR, message VARCHAR)[])
