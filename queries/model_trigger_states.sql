-- The stored trigger states (refresh_states); since_exact false: the state began at or before since.
SELECT model, policy, trigger, state, since, value, threshold, evaluated_at, since_exact
FROM trigger_states
ORDER BY model, trigger
