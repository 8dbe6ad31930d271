-- Forget the states of triggers no longer evaluated (policy or model gone).
DELETE FROM trigger_states AS t
WHERE NOT EXISTS (
    SELECT 1 FROM mrp_new_state AS n WHERE n.model = t.model AND n.trigger = t.trigger
)
