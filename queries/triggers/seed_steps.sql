-- Where each (policy, trigger) was last evaluated: an incremental evaluation starts there.
SELECT policy, trigger, min(evaluated_at), max(evaluated_at)
FROM trigger_states
GROUP BY policy, trigger
