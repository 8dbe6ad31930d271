-- mrp_last (from last_from_runs) as LastSteps reads it into arrays: outcomes as 1, 0 or -1
-- (no data), NULL numbers as flags, NULL instants as $null.
SELECT pid, t, period, coalesce(cond::TINYINT, -1)::TINYINT AS cond,
    coalesce(value, 0) AS value, value IS NOT NULL AS has_value,
    coalesce(value_ts, $null) AS value_ts, first,
    coalesce(first_cond::TINYINT, -1)::TINYINT AS first_cond,
    coalesce(run_start, $null) AS run_start
FROM mrp_last
