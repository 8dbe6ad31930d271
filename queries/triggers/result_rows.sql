-- The evaluated states (mrp_result, from current_states or step_states) as TriggerState
-- reads them, ordered by model and trigger.
SELECT model, tid, at_us, state, since_us, since_exact, held_us, value, threshold, baseline,
    missing, version, no_sample, last_sample_us
FROM mrp_result
ORDER BY model, tid
