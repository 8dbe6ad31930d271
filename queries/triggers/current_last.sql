-- Current state, few steps per pair (at most $steps): the outcome at every step, then each
-- pair's last step, its outcome and value, and where the run of that outcome (in that serving
-- period) began; run_start is NULL when the run reaches back to the first step looked at.
-- At a step, the latest sample is the latest within the staleness; a window aggregate is
-- over (t - window, t]; an event trigger holds while a matching event does: the rules of
-- the backtest pipeline (used_samples, window_values, event_intervals). Among samples with
-- the same timestamp the largest value wins.
CREATE OR REPLACE TEMP TABLE mrp_last AS
WITH steps AS (
    SELECT r.pid, r.period, r.g_first + k.range * r.step_us AS t
    FROM mrp_rule AS r
    JOIN range(0, $steps) AS k ON k.range <= (r.g_last - r.g_first) // r.step_us
),
info AS (
    SELECT pid, model, kind, windowed, agg, window_us, stale_us, stale_eff, event, min_rank,
           sid
    FROM mrp_pair
),
latest_steps AS (
    SELECT st.pid, st.period, st.t, i.sid, i.stale_eff
    FROM steps AS st JOIN info AS i USING (pid)
    WHERE i.kind <> 'event' AND NOT i.windowed
),
latest AS (
    SELECT st.pid, st.period, st.t,
           arg_max(s.value, struct_pack(t := s.ts, v := s.value)) AS value, max(s.ts) AS ts
    FROM latest_steps AS st
    LEFT JOIN mrp_sample AS s
        ON s.sid = st.sid AND s.period = st.period AND s.ts <= st.t
        AND s.ts >= st.t - st.stale_eff
    GROUP BY st.pid, st.period, st.t
),
window_steps AS (
    SELECT st.pid, st.period, st.t, i.sid, i.agg, i.window_us, i.stale_us
    FROM steps AS st JOIN info AS i USING (pid)
    WHERE i.windowed
),
windowed AS (
    SELECT pid, period, t,
        CASE WHEN ts >= t - stale_us THEN
            CASE agg
                WHEN 'avg' THEN w_avg
                WHEN 'min' THEN w_min
                WHEN 'max' THEN w_max
                WHEN 'p50' THEN list_aggregate(vals, 'quantile_cont', 0.5)
                WHEN 'p95' THEN list_aggregate(vals, 'quantile_cont', 0.95)
                WHEN 'p99' THEN list_aggregate(vals, 'quantile_cont', 0.99)
            END
        END AS value, ts
    FROM (
        SELECT st.pid, st.period, st.t, any_value(st.agg) AS agg,
            any_value(st.stale_us) AS stale_us, max(s.ts) AS ts, avg(s.value) AS w_avg,
            min(s.value) AS w_min, max(s.value) AS w_max,
            list(s.value) FILTER (WHERE st.agg IN ('p50', 'p95', 'p99')) AS vals
        FROM window_steps AS st
        LEFT JOIN mrp_sample AS s
            ON s.sid = st.sid AND s.period = st.period AND s.ts <= st.t
            AND s.ts > st.t - st.window_us
        GROUP BY st.pid, st.period, st.t
    )
),
held_events AS (
    SELECT DISTINCT st.pid, st.t
    FROM steps AS st
    JOIN info AS i USING (pid)
    JOIN mrp_rule AS r USING (pid, period)
    JOIN events AS e ON e.model = i.model AND e.kind = i.event
    WHERE i.kind = 'event'
        AND coalesce(CASE lower(e.severity)
                WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2
                WHEN 'high' THEN 3 WHEN 'critical' THEN 4
            END, 99) >= i.min_rank
        AND (e.version IS NULL OR r.version IS NULL OR e.version = r.version)
        AND epoch_us(e.ts) >= r.from_us AND epoch_us(e.ts) <= st.t
        AND (e.resolved_at IS NULL OR st.t < epoch_us(e.resolved_at))
),
observed AS (
    SELECT pid, period, t, value, ts, false AS event FROM latest
    UNION ALL
    SELECT pid, period, t, value, ts, false FROM windowed
    UNION ALL
    SELECT st.pid, st.period, st.t, NULL, NULL, h.pid IS NOT NULL
    FROM steps AS st
    JOIN info AS i USING (pid)
    LEFT JOIN held_events AS h USING (pid, t)
    WHERE i.kind = 'event'
),
outcomes AS (
    SELECT o.pid, o.period, o.t, o.value, o.ts, r.step_us,
        r.kind <> 'event' AND o.value IS NULL AS no_sample,
        CASE
            WHEN r.kind = 'event' THEN o.event
            WHEN r.missing IS NOT NULL THEN NULL
            WHEN o.value IS NULL THEN r.gapcond
            WHEN r.op = '<' THEN o.value < r.threshold
            WHEN r.op = '<=' THEN o.value <= r.threshold
            WHEN r.op = '>' THEN o.value > r.threshold
            WHEN r.op = '>=' THEN o.value >= r.threshold
        END AS cond
    FROM observed AS o
    JOIN mrp_rule AS r USING (pid, period)
),
last_step AS (
    SELECT pid, max(t) AS t, arg_max(period, t) AS period, arg_max_null(cond, t) AS cond,
           arg_max_null(value, t) AS value, arg_max(no_sample, t) AS no_sample,
           arg_max_null(ts, t) AS value_ts,
           min(t) AS first, arg_min_null(cond, t) AS first_cond, any_value(step_us) AS step_us
    FROM outcomes
    GROUP BY pid
)
SELECT l.pid, l.t, l.period, l.cond, l.value, l.no_sample, l.value_ts, l.first, l.first_cond,
    max(s.t) FILTER (WHERE s.cond IS DISTINCT FROM l.cond OR s.period <> l.period)
        + any_value(l.step_us) AS run_start
FROM last_step AS l
JOIN outcomes AS s USING (pid)
GROUP BY l.pid, l.t, l.period, l.cond, l.value, l.no_sample, l.value_ts, l.first, l.first_cond
