-- Each pair's state at its last step (from mrp_last), with when that state began (since),
-- how long the condition has held, the value and threshold seen, and the latest sample of
-- the serving version (the one seen, else the latest read); with what write_states stores
-- besides (the serving period's start, why a baseline is missing).
-- A run that reaches back to the first step looked at began there or earlier: a state of the
-- pair's own policy stored for exactly that step with the same outcome (mrp_stored, in a
-- seeded evaluation) says when (a pending state's since is when the condition first held, a
-- firing one's that plus for, and whether that is exact); otherwise since_exact is false.
CREATE OR REPLACE TEMP TABLE mrp_result AS
WITH seeds AS (
    SELECT p.pid,
        CASE WHEN st.state = 'firing' THEN epoch_us(st.since) - p.hold_us
             ELSE epoch_us(st.since) END AS run_start,
        coalesce(st.since_exact, true) AS exact
    FROM mrp_pair AS p
    JOIN mrp_last AS l USING (pid)
    JOIN mrp_stored AS st USING (pid)
    WHERE st.own AND l.run_start IS NULL AND st.seed = l.first AND st.since IS NOT NULL
        AND CASE st.state
                WHEN 'ok' THEN l.first_cond = false
                WHEN 'no_data' THEN l.first_cond IS NULL
                ELSE l.first_cond
            END
),
started AS (
    SELECT l.pid, l.t, l.period, l.cond, l.value, l.no_sample, l.value_ts,
        coalesce(l.run_start, d.run_start, l.first) AS run_start,
        CASE WHEN l.run_start IS NOT NULL OR l.first > p.grid_from THEN true
             ELSE coalesce(d.exact, false) END AS exact
    FROM mrp_last AS l
    JOIN mrp_pair AS p USING (pid)
    LEFT JOIN seeds AS d USING (pid)
),
needed AS (
    SELECT p.sid, l.period
    FROM mrp_last AS l
    JOIN mrp_pair AS p USING (pid)
    WHERE l.value_ts IS NULL AND p.sid IS NOT NULL
),
latest_sample AS (
    SELECT s.sid, s.period, max(s.ts) AS ts
    FROM mrp_sample AS s
    SEMI JOIN needed AS n ON n.sid = s.sid AND n.period = s.period
    GROUP BY s.sid, s.period
)
SELECT
    g.pid, r.from_us AS period_from_us, g.t AS at_us,
    CASE WHEN g.cond THEN
             CASE WHEN g.t - g.run_start >= p.hold_us THEN 'firing' ELSE 'pending' END
         WHEN NOT g.cond THEN 'ok' ELSE 'no_data' END AS state,
    CASE WHEN g.cond AND g.t - g.run_start >= p.hold_us THEN g.run_start + p.hold_us
         ELSE g.run_start END AS since_us,
    g.exact AS since_exact,
    CASE WHEN g.cond THEN g.t - g.run_start END AS held_us,
    g.value, r.threshold, r.baseline, r.missing, r.version, g.no_sample,
    coalesce(g.value_ts, ls.ts) AS last_sample_us
FROM started AS g
JOIN mrp_pair AS p USING (pid)
JOIN mrp_rule AS r ON r.pid = g.pid AND r.period = g.period
LEFT JOIN latest_sample AS ls ON ls.sid = p.sid AND ls.period = g.period
