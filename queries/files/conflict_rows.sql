-- The rows of one metrics file (`$rows`, a view of files/metric_rows_macro.sql) with a value
-- for one series at one time, numbered as its data rows.
SELECT row_number, number FROM (
    SELECT row_number() OVER () AS row_number, * FROM query_table($rows)
)
WHERE model = $model AND version IS NOT DISTINCT FROM $version AND metric = $metric
    AND utc = $ts AND NOT isnan(number)
ORDER BY row_number
