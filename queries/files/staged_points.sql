-- The staged points to store, by time (written to a Parquet file for the write phase).
SELECT model, version, metric, ts, value FROM points WHERE value IS NOT NULL ORDER BY ts
