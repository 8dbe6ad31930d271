-- For triggers on a window aggregate (avg, min, max, p50, p95, p99): the value at every step
-- t, over the period's samples in (t - window, t]; NULL (no data) when the window is empty or
-- the latest sample is older than the staleness (ts < t - staleness). Quantiles are taken of
-- each frame's values as a list: quantile_cont's interpolation, as last_steps computes it, in
-- about a third of the time of quantile_cont as a window function (whose per-frame
-- structures cost more than the few samples a frame holds).
CREATE OR REPLACE TEMP TABLE mrp_wvalue AS
WITH wp AS (
    SELECT p.pid, p.sid, p.agg, p.window_us, p.stale_us, p.step_us, pp.period, pp.g_first,
           pp.g_last
    FROM mrp_pair AS p
    JOIN mrp_pp AS pp USING (pid)
    WHERE p.windowed
),
points AS MATERIALIZED (
    SELECT pid, period, agg, window_us, stale_us,
           unnest(range(g_first, g_last + 1, step_us)) AS ts, NULL::DOUBLE AS value,
           true AS is_step
    FROM wp
    UNION ALL
    SELECT wp.pid, wp.period, wp.agg, wp.window_us, wp.stale_us, s.ts, s.value, false
    FROM wp
    JOIN mrp_sample AS s USING (sid, period)
    WHERE s.ts <= wp.g_last AND s.ts > wp.g_first - greatest(wp.window_us, wp.stale_us + 1)
),
framed AS (
    SELECT pid, period, ts, is_step,
        max(CASE WHEN NOT is_step THEN ts END) OVER fresh_avg AS last_ts,
        count(value) OVER win_avg AS n,
        avg(value) OVER win_avg AS value
    FROM points WHERE agg = 'avg'
    WINDOW
        win_avg AS (PARTITION BY pid, period ORDER BY ts
                RANGE BETWEEN window_us - 1 PRECEDING AND CURRENT ROW),
        fresh_avg AS (PARTITION BY pid, period ORDER BY ts
                  RANGE BETWEEN stale_us PRECEDING AND CURRENT ROW)
    UNION ALL
    SELECT pid, period, ts, is_step,
        max(CASE WHEN NOT is_step THEN ts END) OVER fresh_mm,
        count(value) OVER win_mm,
        CASE WHEN agg = 'min' THEN min(value) OVER win_mm ELSE max(value) OVER win_mm END
    FROM points WHERE agg IN ('min', 'max')
    WINDOW
        win_mm AS (PARTITION BY pid, period ORDER BY ts
                RANGE BETWEEN window_us - 1 PRECEDING AND CURRENT ROW),
        fresh_mm AS (PARTITION BY pid, period ORDER BY ts
                  RANGE BETWEEN stale_us PRECEDING AND CURRENT ROW)
    UNION ALL
    SELECT pid, period, ts, is_step, last_ts, n,
        CASE agg
            WHEN 'p50' THEN list_aggregate(vals, 'quantile_cont', 0.5)
            WHEN 'p95' THEN list_aggregate(vals, 'quantile_cont', 0.95)
            ELSE list_aggregate(vals, 'quantile_cont', 0.99)
        END
    FROM (
        SELECT pid, period, ts, is_step, agg,
            max(CASE WHEN NOT is_step THEN ts END) OVER fresh_q AS last_ts,
            count(value) OVER win_q AS n,
            list(value) FILTER (WHERE value IS NOT NULL) OVER win_q AS vals
        FROM points WHERE agg IN ('p50', 'p95', 'p99')
        WINDOW
            win_q AS (PARTITION BY pid, period ORDER BY ts
                    RANGE BETWEEN window_us - 1 PRECEDING AND CURRENT ROW),
            fresh_q AS (PARTITION BY pid, period ORDER BY ts
                      RANGE BETWEEN stale_us PRECEDING AND CURRENT ROW)
    )
)
SELECT pid, period, ts AS t,
    CASE WHEN n > 0 AND last_ts IS NOT NULL THEN value END AS value
FROM framed
WHERE is_step
