-- The rows of mrp_rule as last_steps reads them into arrays: a NULL threshold as a flag, the
-- outcome of a step without data (gapcond) as 1, 0 or -1 (no data).
SELECT pid, period, version, from_us, g_first, g_last,
    coalesce(threshold, 0) AS threshold, threshold IS NOT NULL AS has_threshold,
    missing IS NOT NULL AS has_missing,
    coalesce(gapcond::TINYINT, -1)::TINYINT AS gapcond
FROM mrp_rule
