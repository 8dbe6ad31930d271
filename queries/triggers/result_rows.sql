-- The evaluated states (mrp_result, from current_states) as TriggerState reads them, in pair
-- order (pid: by model, then trigger).
SELECT pid, at_us, state, since_us, since_exact, held_us, value, threshold, baseline, missing,
    version, no_sample, last_sample_us, period_from_us
FROM mrp_result
ORDER BY pid
