-- mrp_last from the arrays last_steps computed (mrp_last_arrays): outcomes 1, 0, -1 as
-- true, false, NULL; $null marks an instant that is NULL.
CREATE OR REPLACE TEMP TABLE mrp_last AS
SELECT pid::INTEGER AS pid, t, period::INTEGER AS period,
    CASE WHEN cond >= 0 THEN cond = 1 END AS cond,
    CASE WHEN has_value THEN value END AS value,
    no_sample,
    nullif(value_ts, $null) AS value_ts,
    first,
    CASE WHEN first_cond >= 0 THEN first_cond = 1 END AS first_cond,
    nullif(run_start, $null) AS run_start
FROM mrp_last_arrays
