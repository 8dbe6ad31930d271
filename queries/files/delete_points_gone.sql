-- A files source's stored points that its files no longer give (`files_points`), among the
-- series a sync rewrites (`files_series`; every series when `$full`).
DELETE FROM metrics
WHERE rowid IN (
    SELECT m.rowid
    FROM metrics AS m
    ANTI JOIN files_points AS p
        ON p.model = m.model AND p.version IS NOT DISTINCT FROM m.version
        AND p.metric = m.metric AND p.ts = m.ts AND p.value = m.value
    WHERE m.source = $source
        AND ($full OR EXISTS (
            SELECT 1 FROM files_series AS a
            WHERE a.model = m.model AND a.version IS NOT DISTINCT FROM m.version
                AND a.metric = m.metric
        ))
)
