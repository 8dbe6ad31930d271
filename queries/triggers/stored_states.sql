-- The trigger states written by the last refresh.
SELECT model, policy, trigger, state, since, value, threshold, evaluated_at
FROM trigger_states
ORDER BY model, trigger
