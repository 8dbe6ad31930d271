-- The points of the affected series in all the metric files `$files` (views of
-- files/metric_rows_macro.sql), one per series and time, by time: a row repeated with the same
-- value counts once, `value` and `other` differ where the files give a series two values at
-- one time (in one file or in two), a NaN or empty value is no sample.
CREATE TEMP TABLE points AS
SELECT a.model, a.version, a.metric, g.ts, g.value, g.other
FROM (
    SELECT
        a.id,
        r.utc AS ts,
        min(r.number) FILTER (WHERE NOT isnan(r.number)) AS value,
        max(r.number) FILTER (WHERE NOT isnan(r.number)) AS other
    FROM query_table($files) AS r
    JOIN affected AS a
        ON r.model = a.model AND r.version IS NOT DISTINCT FROM a.version AND r.metric = a.metric
    GROUP BY a.id, r.utc
) AS g
JOIN affected AS a ON a.id = g.id
ORDER BY g.ts
