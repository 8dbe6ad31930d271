-- States of triggers not stored before.
INSERT INTO trigger_states (model, policy, trigger, state, since, value, threshold,
    evaluated_at, rule_digest, version, period_from_us, baseline, missing, since_exact)
SELECT n.model, n.policy, n.trigger, n.state, n.since, n.value, n.threshold, n.evaluated_at,
    n.rule_digest, n.version, n.period_from_us, n.baseline, n.missing, n.since_exact
FROM mrp_new_state AS n
ANTI JOIN trigger_states AS t ON t.model = n.model AND t.trigger = n.trigger
