INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT model, version, metric, ts::TIMESTAMP, value::DOUBLE, $source
FROM read_csv($files, header = true, all_varchar = true)
WHERE value IS NOT NULL AND value <> ''
ORDER BY ts
