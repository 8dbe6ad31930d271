-- The series each of the metrics files `$files` (views of files/metric_rows_macro.sql) holds,
-- and whether a row of one is unusable.
SELECT file, model, version, metric, bool_or(problem IS NOT NULL) AS unusable
FROM query_table($files)
GROUP BY ALL
