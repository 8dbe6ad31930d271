-- States of pairs with nothing stored before.
INSERT INTO trigger_states (model, policy, trigger, state, since, value, threshold,
    evaluated_at, rule_digest, version, period_from_us, baseline, missing, since_exact)
SELECT p.model, p.policy, p.name, r.state, make_timestamp(r.since_us), r.value, r.threshold,
    make_timestamp(r.at_us), p.digest, r.version, r.period_from_us, r.baseline, r.missing,
    r.since_exact
FROM mrp_result AS r
JOIN mrp_stored AS s USING (pid)
JOIN mrp_pair AS p USING (pid)
WHERE s.srow IS NULL AND s.stores
