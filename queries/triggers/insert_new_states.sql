-- States of triggers not stored before.
INSERT INTO trigger_states (model, policy, trigger, state, since, value, threshold, evaluated_at)
SELECT n.model, n.policy, n.trigger, n.state, n.since, n.value, n.threshold, n.evaluated_at
FROM mrp_new_state AS n
ANTI JOIN trigger_states AS t ON t.model = n.model AND t.trigger = n.trigger
