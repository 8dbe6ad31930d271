-- Each pair's state at its last step (from mrp_last), with when that state began (since),
-- how long the condition has held, the value and threshold seen, and the latest sample of
-- the serving version (the one seen, else the latest read); with what write_states stores
-- besides (the serving period's start, why a baseline is missing).
-- A run that reaches back to the first step looked at began there or earlier: a state of the
-- pair's own policy stored for exactly that step with the same outcome (mrp_stored, in a
-- seeded evaluation) says when (a pending state's since is when the condition first held, a
-- firing one's that plus for, and whether that is exact); otherwise since_exact is false.
-- Everything is read from mrp_last with one join each of the pair, its rule and its stored state
-- (each further join of the view mrp_pair costs as much as the rest of the statement).
CREATE OR REPLACE TEMP TABLE mrp_result AS
WITH base AS (
    SELECT l.pid, l.t, l.period, l.cond, l.value, l.no_sample, l.value_ts, l.first, l.first_cond,
        l.run_start, p.hold_us, p.grid_from, p.sid,
        r.from_us, r.threshold, r.baseline, r.missing, r.version,
        st.state AS seed_state, st.since AS seed_since, st.since_exact AS seed_exact,
        coalesce(l.run_start IS NULL AND st.own AND st.seed = l.first AND st.since IS NOT NULL
            AND CASE st.state
                    WHEN 'ok' THEN l.first_cond = false
                    WHEN 'no_data' THEN l.first_cond IS NULL
                    ELSE l.first_cond
                END, false) AS seeded
    FROM mrp_last AS l
    JOIN mrp_pair AS p USING (pid)
    JOIN mrp_rule AS r ON r.pid = l.pid AND r.period = l.period
    JOIN mrp_stored AS st ON st.pid = l.pid
),
started AS (
    SELECT *,
        coalesce(run_start,
            CASE WHEN seeded THEN
                CASE WHEN seed_state = 'firing' THEN epoch_us(seed_since) - hold_us
                     ELSE epoch_us(seed_since) END
            END,
            first) AS began,
        CASE WHEN run_start IS NOT NULL OR first > grid_from THEN true
             WHEN seeded THEN coalesce(seed_exact, true) ELSE false END AS exact
    FROM base
),
latest_sample AS (
    SELECT s.sid, s.period, max(s.ts) AS ts
    FROM mrp_sample AS s
    SEMI JOIN base AS n ON n.sid = s.sid AND n.period = s.period AND n.value_ts IS NULL
    GROUP BY s.sid, s.period
)
SELECT
    g.pid, g.from_us AS period_from_us, g.t AS at_us,
    CASE WHEN g.cond THEN
             CASE WHEN g.t - g.began >= g.hold_us THEN 'firing' ELSE 'pending' END
         WHEN NOT g.cond THEN 'ok' ELSE 'no_data' END AS state,
    CASE WHEN g.cond AND g.t - g.began >= g.hold_us THEN g.began + g.hold_us
         ELSE g.began END AS since_us,
    g.exact AS since_exact,
    CASE WHEN g.cond THEN g.t - g.began END AS held_us,
    g.value, g.threshold, g.baseline, g.missing, g.version, g.no_sample,
    coalesce(g.value_ts, ls.ts) AS last_sample_us
FROM started AS g
LEFT JOIN latest_sample AS ls ON ls.sid = g.sid AND ls.period = g.period
