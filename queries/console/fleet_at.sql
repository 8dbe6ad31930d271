-- One row per model as of $now: the version serving behind $alias at $now (from the
-- switch history, so a replay shows the version that served then), since when, the version
-- before it, and the newest stored sample (its watermark; see replayed_last_samples.sql for
-- models whose stored history runs past $now). The previous version is the latest switch's,
-- none when that switch does not say (arg_max_null: arg_max would skip it for an older one).
WITH switches AS (
    SELECT model,
           arg_max(version, switched_at) AS version,
           max(switched_at) AS since,
           arg_max_null(previous_version, switched_at) AS previous_version
    FROM deployment_events
    WHERE alias = $alias AND switched_at <= $now
    GROUP BY model
),
marks AS (
    SELECT model, max(last_ts) AS last_ts FROM watermarks GROUP BY model
)
SELECT
    md.name, md.team, md.risk_tier,
    coalesce(s.version, a.version) AS version,
    coalesce(s.since, a.since) AS since,
    s.previous_version,
    mk.last_ts AS last_sample
FROM models md
LEFT JOIN switches s ON s.model = md.name
LEFT JOIN aliases a ON a.model = md.name AND a.alias = $alias AND s.model IS NULL
LEFT JOIN marks mk ON mk.model = md.name
ORDER BY md.name
