-- The staged points (`files_points`, by time) a files source has not stored yet.
INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT p.model, p.version, p.metric, p.ts, p.value, $source
FROM files_points AS p
ANTI JOIN (
    SELECT m.model, m.version, m.metric, m.ts, m.value
    FROM metrics AS m
    SEMI JOIN files_series AS a
        ON a.model = m.model AND a.version IS NOT DISTINCT FROM m.version AND a.metric = m.metric
    WHERE m.source = $source
) AS m
    ON p.model = m.model AND p.version IS NOT DISTINCT FROM m.version
    AND p.metric = m.metric AND p.ts = m.ts AND p.value = m.value
ORDER BY p.ts
