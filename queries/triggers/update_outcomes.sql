-- As update_states, when the serving periods and thresholds were taken from the stored
-- states unchanged (stored_rules): only what the evaluation decided changes.
UPDATE trigger_states AS t
SET state = r.state, since = make_timestamp(r.since_us), value = r.value,
    evaluated_at = make_timestamp(r.at_us), since_exact = r.since_exact
FROM mrp_result AS r
JOIN mrp_stored AS s USING (pid)
WHERE t.rowid = s.srow AND s.stores
