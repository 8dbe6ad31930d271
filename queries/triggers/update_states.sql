-- Stored states of triggers still evaluated take the new values (keys unchanged).
UPDATE trigger_states AS t
SET policy = n.policy, state = n.state, since = n.since, value = n.value,
    threshold = n.threshold, evaluated_at = n.evaluated_at, rule_digest = n.rule_digest,
    version = n.version, period_from_us = n.period_from_us, baseline = n.baseline,
    missing = n.missing, since_exact = n.since_exact
FROM mrp_new_state AS n
WHERE t.model = n.model AND t.trigger = n.trigger
