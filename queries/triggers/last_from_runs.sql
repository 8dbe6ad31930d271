-- Current state, many steps per pair (after segments): what last_steps computes step by step, read
-- from the runs of the backtest pipeline.
CREATE OR REPLACE TEMP TABLE mrp_last AS
WITH bounds AS (
    SELECT pid, min(first) AS first, arg_min_null(cond, first) AS first_cond
    FROM mrp_segment
    GROUP BY pid
),
last_segment AS (
    SELECT *
    FROM mrp_segment
    QUALIFY row_number() OVER (PARTITION BY pid ORDER BY first DESC) = 1
)
SELECT g.pid, g.last AS t, g.period, g.cond, g.value, g.no_sample, NULL::BIGINT AS value_ts,
    b.first, b.first_cond,
    CASE WHEN g.run_start > b.first THEN g.run_start END AS run_start
FROM last_segment AS g
JOIN bounds AS b USING (pid)
