-- Can the current state continue from the stored one without recomputing serving periods
-- and thresholds (stored_rules)? Stages each pair with its stored state and whether it can
-- continue (mrp_stored), then counts the pairs that cannot. A pair can when it has a stored state of the same rule
-- (digest) evaluated at its first step, in a serving period that still holds: the alias
-- ($alias) has not switched to another version since the period began (up to $to), and the
-- period began as stored (a switch to the stored version then; with no alias history, the
-- alias's version since the alias was set, or any version when there is no alias); a
-- registered baseline as stored; a previous_version baseline of a switch that had settled
-- ($settled_us before the stored state: until then the previous version's last samples may
-- still arrive).
CREATE OR REPLACE TEMP TABLE mrp_stored AS
WITH stored AS (
    SELECT p.pid, p.model, p.metric, p.baseline AS baseline_kind, p.digest, p.grid_from,
        s.rule_digest, s.version, s.period_from_us, s.threshold, s.baseline, s.missing,
        epoch_us(s.evaluated_at) AS seed
    FROM mrp_pair AS p
    LEFT JOIN trigger_states AS s
        ON s.model = p.model AND s.policy = p.policy AND s.trigger = p.name
),
periods AS (
    SELECT DISTINCT model, version, period_from_us FROM stored
),
history AS (
    SELECT pr.model, pr.version, pr.period_from_us,
        bool_or(d.version = pr.version
            AND greatest(epoch_us(d.switched_at), 0) = pr.period_from_us) AS began,
        bool_or(d.version <> pr.version
            AND epoch_us(d.switched_at) > pr.period_from_us
            AND epoch_us(d.switched_at) <= $to) AS switched
    FROM periods AS pr
    JOIN deployment_events AS d ON d.model = pr.model AND d.alias = $alias
    GROUP BY ALL
),
holding AS (
    SELECT pr.model, pr.version, pr.period_from_us,
        CASE
            WHEN h.model IS NOT NULL THEN h.began AND NOT h.switched
            WHEN a.model IS NULL THEN pr.version IS NULL AND pr.period_from_us = 0
            ELSE a.version IS NOT DISTINCT FROM pr.version
                AND coalesce(greatest(epoch_us(a.since), 0), 0) = pr.period_from_us
        END AS holds
    FROM periods AS pr
    LEFT JOIN history AS h
        ON h.model = pr.model AND h.version IS NOT DISTINCT FROM pr.version
        AND h.period_from_us = pr.period_from_us
    LEFT JOIN aliases AS a ON a.model = pr.model AND a.alias = $alias
)
SELECT s.pid, s.model, s.version, s.period_from_us, s.threshold, s.baseline, s.missing,
    s.rule_digest IS DISTINCT FROM s.digest
        OR s.seed IS DISTINCT FROM s.grid_from
        OR NOT coalesce(h.holds, false)
        OR (s.baseline_kind = 'registered' AND reg.value IS DISTINCT FROM s.baseline)
        OR (s.baseline_kind = 'previous_version' AND s.period_from_us > s.seed - $settled_us)
        AS blocked
FROM stored AS s
LEFT JOIN holding AS h
    ON h.model = s.model AND h.version IS NOT DISTINCT FROM s.version
    AND h.period_from_us = s.period_from_us
LEFT JOIN baselines AS reg
    ON reg.model = s.model AND reg.version = s.version AND reg.metric = s.metric;

SELECT count(*) FILTER (WHERE blocked) FROM mrp_stored
