-- One row per model: the serving alias, its version and since when, the version before it,
-- and the newest metric sample (for data age).
WITH serving AS (
    SELECT model, version, since FROM aliases WHERE alias = $alias
),
previous AS (
    SELECT model, arg_max(previous_version, switched_at) AS previous_version,
           max(switched_at) AS last_switch
    FROM deployment_events
    WHERE alias = $alias
    GROUP BY model
),
latest AS (
    SELECT model, max(last_ts) AS last_sample FROM watermarks GROUP BY model
)
SELECT
    m.name, m.team, m.risk_tier, m.source,
    s.version, coalesce(s.since, p.last_switch) AS since,
    p.previous_version,
    l.last_sample
FROM models m
LEFT JOIN serving s ON s.model = m.name
LEFT JOIN previous p ON p.model = m.name
LEFT JOIN latest l ON l.model = m.name
ORDER BY m.name
