-- A fingerprint of what serving periods and thresholds are computed from: the alias $alias,
-- its deployment history, its current version and the registered baselines (row counts and
-- sums of row hashes: order does not matter, any changed row changes it).
CREATE OR REPLACE TEMP TABLE mrp_inputs AS
SELECT concat_ws(' ', $alias,
    (SELECT count(*) || ':' || coalesce(sum(hash(model, version, previous_version, switched_at)), 0)
     FROM deployment_events WHERE alias = $alias),
    (SELECT count(*) || ':' || coalesce(sum(hash(model, version, since)), 0)
     FROM aliases WHERE alias = $alias),
    (SELECT count(*) || ':' || coalesce(sum(hash(model, version, metric, value)), 0)
     FROM baselines)) AS fingerprint
