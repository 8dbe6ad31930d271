-- The series each of the metrics files `$files` (views of files/metric_rows_macro.sql) holds.
-- Only the names are read (their times and values are not converted here).
SELECT file, model, version, metric
FROM query_table($files)
GROUP BY ALL
