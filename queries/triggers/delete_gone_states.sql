-- Forget the stored states no pair evaluated any more (policy, trigger or model gone); runs
-- before insert_new_states, while the rowids read by stored_pairs still name every row.
DELETE FROM trigger_states AS t
WHERE NOT EXISTS (
    SELECT 1 FROM mrp_result AS r JOIN mrp_stored AS s USING (pid) WHERE s.srow = t.rowid
)
