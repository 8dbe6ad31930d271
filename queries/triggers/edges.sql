-- Every step a trigger is evaluated at, as runs of steps [first, last] with one outcome:
-- cond true (the condition holds), false, or NULL (no data), with the value seen. Gaps
-- between them are steps without data. Of these, keep only what can matter: rows where the
-- outcome changes, rows after a gap, rows where the condition holds, and each period's last.
-- Latest-sample triggers come from mrp_used (two passes) or, already kept, from mrp_ledge
-- (one pass); window aggregates from mrp_wvalue, events from mrp_event.
CREATE OR REPLACE TEMP TABLE mrp_edge AS
WITH latest AS (
    SELECT r.pid, r.period, greatest(u.first, r.g_first) AS first,
        least(u.last, r.g_last) AS last, u.value, false AS no_sample,
        CASE r.op
            WHEN '<' THEN u.value < r.threshold
            WHEN '<=' THEN u.value <= r.threshold
            WHEN '>' THEN u.value > r.threshold
            WHEN '>=' THEN u.value >= r.threshold
        END AS cond
    FROM mrp_used AS u
    JOIN mrp_pair AS p
        ON p.sid = u.sid AND p.step_us = u.step_us AND p.stale_eff = u.stale_eff
        AND p.kind <> 'event' AND NOT p.windowed
    JOIN mrp_rule AS r ON r.pid = p.pid AND r.period = u.period
    WHERE u.last >= r.g_first AND u.first <= r.g_last
),
windowed AS (
    SELECT r.pid, r.period, w.t AS first, w.t AS last, w.value, w.value IS NULL AS no_sample,
        CASE
            WHEN r.missing IS NOT NULL THEN NULL
            WHEN w.value IS NULL THEN r.gapcond
            WHEN r.op = '<' THEN w.value < r.threshold
            WHEN r.op = '<=' THEN w.value <= r.threshold
            WHEN r.op = '>' THEN w.value > r.threshold
            WHEN r.op = '>=' THEN w.value >= r.threshold
        END AS cond
    FROM mrp_wvalue AS w
    JOIN mrp_rule AS r USING (pid, period)
),
events AS (
    SELECT pid, period, first, last, NULL::DOUBLE AS value, false AS no_sample, true AS cond
    FROM mrp_event
),
steps AS (
    SELECT * FROM latest
    UNION ALL SELECT * FROM windowed
    UNION ALL SELECT * FROM events
),
framed AS (
    SELECT s.*, r.g_first, r.g_last, r.step_us, r.gapcond,
        lag(s.last) OVER w AS prev_last,
        lag(s.cond) OVER w AS prev_cond,
        lead(s.first) OVER w IS NULL AS is_tail
    FROM steps AS s
    JOIN mrp_rule AS r USING (pid, period)
    WINDOW w AS (PARTITION BY s.pid, s.period ORDER BY s.first)
)
SELECT pid, period, first, last, value, no_sample, cond, g_first, g_last, step_us, gapcond,
    prev_last, prev_cond, is_tail, coalesce(prev_last + step_us, g_first) AS gap_from
FROM framed
WHERE first > gap_from OR prev_last IS NULL OR cond IS DISTINCT FROM prev_cond OR cond
    OR is_tail
UNION ALL
SELECT pid, period, first, last, value, no_sample, cond, g_first, g_last, step_us, gapcond,
    prev_last, prev_cond, is_tail, gap_from
FROM mrp_ledge
