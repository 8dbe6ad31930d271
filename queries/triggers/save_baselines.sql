-- Cache the previous_version baselines just computed (rules) whose switch is at or before
-- $settled: older ones can no longer change as data arrives.
INSERT OR REPLACE INTO source_state (source, key, value)
SELECT DISTINCT 'mrp-triggers', base_key, coalesce(CAST(baseline AS VARCHAR), 'none')
FROM mrp_rule
WHERE fresh AND switched_us <= $settled
