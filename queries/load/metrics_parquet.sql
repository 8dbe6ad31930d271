INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT model::VARCHAR, version::VARCHAR, metric::VARCHAR, ts::TIMESTAMP, value::DOUBLE, $source
FROM read_parquet($files)
WHERE value IS NOT NULL
ORDER BY ts
