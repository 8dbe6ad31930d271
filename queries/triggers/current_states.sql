-- Each pair's state at its last step (from mrp_last), with when that state began (since),
-- how long the condition has held, the value and threshold seen, and the latest sample of
-- the serving version (the one seen, else the latest read); with what write_states stores
-- besides (the rule's digest, the serving period's start, why a baseline is missing).
-- A run that reaches back to the first step looked at began there or earlier: with $seeded,
-- a state stored in trigger_states for exactly that step with the same outcome says when (a
-- pending state's since is when the condition first held, a firing one's that plus for, and
-- whether that is exact); otherwise since_exact is false.
CREATE OR REPLACE TEMP TABLE mrp_result AS
WITH seeds AS (
    SELECT p.pid,
        CASE WHEN ts.state = 'firing' THEN epoch_us(ts.since) - p.hold_us
             ELSE epoch_us(ts.since) END AS run_start,
        coalesce(ts.since_exact, true) AS exact
    FROM mrp_pair AS p
    JOIN mrp_last AS l USING (pid)
    JOIN trigger_states AS ts
        ON ts.model = p.model AND ts.policy = p.policy AND ts.trigger = p.name
    WHERE $seeded AND l.run_start IS NULL AND epoch_us(ts.evaluated_at) = l.first
        AND ts.since IS NOT NULL
        AND CASE ts.state
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
    SELECT DISTINCT p.sid, l.period
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
    p.model, p.tid, p.policy, p.name AS trigger, p.digest AS rule_digest,
    r.from_us AS period_from_us, g.t AS at_us,
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
