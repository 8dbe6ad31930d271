-- The runs that decide every state: each kept row, the gap before it, the gap after a
-- period's last row, and whole periods without data. new_run marks where the outcome changes
-- (or a serving period starts: a version switch restarts the for clock); run_start is the
-- first step of the run a segment belongs to.
CREATE OR REPLACE TEMP TABLE mrp_segment AS
WITH segs AS (
    SELECT pid, period, gap_from AS first, first - step_us AS last, NULL::DOUBLE AS value,
        gapcond AS cond, true AS no_sample,
        prev_last IS NULL OR prev_cond IS DISTINCT FROM gapcond AS new_run
    FROM mrp_edge
    WHERE first > gap_from
    UNION ALL
    SELECT pid, period, first, last, value, cond, no_sample,
        CASE WHEN first > gap_from THEN gapcond IS DISTINCT FROM cond
             ELSE prev_last IS NULL OR prev_cond IS DISTINCT FROM cond END
    FROM mrp_edge
    UNION ALL
    SELECT pid, period, last + step_us, g_last, NULL, gapcond, true,
        gapcond IS DISTINCT FROM cond
    FROM mrp_edge
    WHERE is_tail AND last < g_last
    UNION ALL
    SELECT r.pid, r.period, r.g_first, r.g_last, NULL, r.gapcond, true, true
    FROM mrp_rule AS r
    ANTI JOIN mrp_edge AS e ON e.pid = r.pid AND e.period = r.period
)
SELECT s.*, r.hold_us, r.step_us,
    last_value(CASE WHEN s.new_run THEN s.first END IGNORE NULLS) OVER (
        PARTITION BY s.pid ORDER BY s.first ROWS UNBOUNDED PRECEDING
    ) AS run_start
FROM segs AS s
JOIN mrp_rule AS r USING (pid, period)
