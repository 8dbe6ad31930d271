-- A files source's stored points before it re-reads its files, to tell what the files added
-- and what they no longer hold (files/metrics_changed.sql; dropped after).
CREATE TEMP TABLE files_stored_metrics AS
SELECT model, version, metric, ts, value FROM metrics WHERE source = $source
