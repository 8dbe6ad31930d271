-- The last deploy of each model whose serving alias ($alias) has no history at all (no
-- deployment event, no "since": MLflow keeps none, and mrp records switches only from its
-- first sync on), read from the version labels of its stored metrics: when the version
-- serving now first reported after another version had, it took over from the other
-- version that reported most recently, at its first sample. Recorded as an observed event
-- whose actor says it was inferred. Nothing is inferred where the serving version reported
-- first (a canary or shadow of a newer version beside it, or a rollback to an older one:
-- the metrics cannot tell which served), nor for a model with samples of one version only.
-- $inferred: the actor string.
INSERT INTO deployment_events (model, alias, version, previous_version, switched_at, actor,
                               observed, source)
WITH serving AS (
    SELECT a.model, a.alias, a.version, a.source
    FROM aliases AS a
    WHERE a.alias = $alias AND a.since IS NULL
        AND NOT EXISTS (
            SELECT 1 FROM deployment_events AS d WHERE d.model = a.model AND d.alias = a.alias
        )
),
spans AS (
    SELECT m.model, m.version, min(m.ts) AS first_ts, max(m.ts) AS last_ts
    FROM metrics AS m
    SEMI JOIN serving AS s ON s.model = m.model
    WHERE m.version IS NOT NULL
    GROUP BY m.model, m.version
),
replaced AS (
    SELECT sp.model, arg_max(sp.version, sp.last_ts) AS previous_version,
           max(sp.first_ts) AS others_first
    FROM spans AS sp
    JOIN serving AS s ON s.model = sp.model AND sp.version <> s.version
    GROUP BY sp.model
),
took_over AS (
    SELECT s.model, s.alias, s.version, r.previous_version, s.source,
           sp.first_ts AS switched_at
    FROM serving AS s
    JOIN replaced AS r USING (model)
    JOIN spans AS sp ON sp.model = s.model AND sp.version = s.version
    WHERE sp.first_ts > r.others_first
)
SELECT model, alias, version, previous_version, switched_at, $inferred, true, source
FROM took_over
RETURNING model, version, previous_version, switched_at
