-- Stored states of pairs still evaluated take the new values, in place (by rowid, read by
-- stored_pairs in this transaction).
UPDATE trigger_states AS t
SET policy = p.policy, state = r.state, since = make_timestamp(r.since_us), value = r.value,
    threshold = r.threshold, evaluated_at = make_timestamp(r.at_us), rule_digest = p.digest,
    version = r.version, period_from_us = r.period_from_us, baseline = r.baseline,
    missing = r.missing, since_exact = r.since_exact
FROM mrp_result AS r
JOIN mrp_stored AS s USING (pid)
JOIN mrp_pair AS p USING (pid)
WHERE t.rowid = s.srow AND s.stores
