-- Each pair's state at its last step, with when that state began (since), how long the
-- condition has held, the value and threshold seen, and the latest sample of the serving
-- version. since_exact is false when the state already held at the first step looked at.
WITH last_segment AS (
    SELECT *
    FROM mrp_segment
    QUALIFY row_number() OVER (PARTITION BY pid ORDER BY first DESC) = 1
),
latest_sample AS (
    SELECT sid, period, max(ts) AS ts
    FROM mrp_sample
    GROUP BY sid, period
)
SELECT
    p.model, p.tid, g.last AS at_us,
    CASE WHEN g.cond THEN
             CASE WHEN g.last - g.run_start >= g.hold_us THEN 'firing' ELSE 'pending' END
         WHEN NOT g.cond THEN 'ok' ELSE 'no_data' END AS state,
    CASE WHEN g.cond AND g.last - g.run_start >= g.hold_us THEN g.run_start + g.hold_us
         ELSE g.run_start END AS since_us,
    g.run_start > p.grid_from AS since_exact,
    CASE WHEN g.cond THEN g.last - g.run_start END AS held_us,
    g.value, r.threshold, r.baseline, r.missing, r.version, g.no_sample,
    ls.ts AS last_sample_us
FROM last_segment AS g
JOIN mrp_pair AS p USING (pid)
JOIN mrp_rule AS r USING (pid, period)
LEFT JOIN mrp_series AS s ON s.model = p.model AND s.metric = p.metric
LEFT JOIN latest_sample AS ls ON ls.sid = s.sid AND ls.period = g.period
ORDER BY p.model, p.tid
