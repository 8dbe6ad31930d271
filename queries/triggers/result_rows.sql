-- The evaluated states (mrp_result, from current_states) as TriggerState reads them, ordered
-- by model and trigger.
SELECT p.model, p.tid, r.at_us, r.state, r.since_us, r.since_exact, r.held_us, r.value,
    r.threshold, r.baseline, r.missing, r.version, r.no_sample, r.last_sample_us
FROM mrp_result AS r
JOIN mrp_pair AS p USING (pid)
ORDER BY p.model, p.tid
