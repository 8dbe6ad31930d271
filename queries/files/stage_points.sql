-- The points of the affected series in the metric files `$files` (views of
-- files/metric_rows_macro.sql), one per series and time, by time: a row repeated with the same
-- value counts once, `value` and `other` differ where the files give a series two values at
-- one time (in one file or in two), a NaN or empty value is no sample; `unusable` is the first
-- file (by its place) with an unusable row there.
CREATE TEMP TABLE points AS
SELECT a.model, a.version, a.metric, g.ts, g.value, g.other, g.unusable
FROM (
    SELECT
        a.id,
        r.utc AS ts,
        min(r.number) FILTER (WHERE NOT isnan(r.number)) AS value,
        max(r.number) FILTER (WHERE NOT isnan(r.number)) AS other,
        min(r.file) FILTER (WHERE r.problem IS NOT NULL) AS unusable
    FROM query_table($files) AS r
    JOIN affected AS a
        ON r.model IS NOT DISTINCT FROM a.model AND r.version IS NOT DISTINCT FROM a.version
        AND r.metric IS NOT DISTINCT FROM a.metric
    GROUP BY a.id, r.utc
) AS g
JOIN affected AS a ON a.id = g.id
ORDER BY g.ts
