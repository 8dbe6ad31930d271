-- How many pairs cannot continue from their stored state (mrp_stored) without recomputing
-- serving periods and thresholds (stored_rules)? None can when what those were computed from
-- changed since (the fingerprint in mrp_inputs, from rule_inputs, differs from the one stored
-- with them). Otherwise a pair can when it has a stored state of its own policy and the
-- same rule (digest), evaluated at its first step; with a previous_version baseline, of a
-- switch that had settled ($settled_us before the stored state: until then the previous
-- version's last samples may still arrive). None can when the alias ($alias) switched after
-- the earliest stored step (up to $to): the stored periods end there.
SELECT count(*) FILTER (
    WHERE NOT coalesce(s.own, false)
        OR s.rule_digest IS DISTINCT FROM p.digest
        OR s.seed IS DISTINCT FROM p.grid_from
        OR (p.baseline = 'previous_version' AND s.period_from_us > s.seed - $settled_us)
) + (
    SELECT count(*) = 0 FROM trigger_rule_inputs JOIN mrp_inputs USING (fingerprint)
)::INTEGER * count(*) + (
    SELECT count(*) FROM deployment_events
    WHERE alias = $alias AND epoch_us(switched_at) <= $to
        AND epoch_us(switched_at) > (SELECT min(seed) FROM mrp_stored)
)
FROM mrp_stored AS s
JOIN mrp_pair AS p USING (pid)
