-- For event triggers: the steps at which an event holds, merged into intervals. An event
-- holds from the first step at or after it while it is unresolved, its kind matches, its
-- severity is at least the trigger's (a missing or unknown severity matches), it concerns
-- the serving version (or no version), and the serving version has not changed since.
CREATE OR REPLACE TEMP TABLE mrp_event AS
WITH spans AS (
    SELECT pp.pid, pp.period,
        greatest(((epoch_us(e.ts) + p.step_us - 1) // p.step_us) * p.step_us, pp.g_first)
            AS first,
        least(
            ((least(coalesce(epoch_us(e.resolved_at), 4611686018427387904), pp.to_us) - 1)
                // p.step_us) * p.step_us,
            pp.g_last
        ) AS last,
        p.step_us
    FROM mrp_pair AS p
    JOIN mrp_pp AS pp USING (pid)
    JOIN events AS e ON e.model = p.model AND e.kind = p.event
    WHERE p.kind = 'event'
        AND e.ts <= $to
        AND coalesce(CASE lower(e.severity)
                WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2
                WHEN 'high' THEN 3 WHEN 'critical' THEN 4
            END, 99) >= p.min_rank
        AND (e.version IS NULL OR pp.version IS NULL OR e.version = pp.version)
        AND epoch_us(e.ts) >= pp.from_us AND epoch_us(e.ts) < pp.to_us
        AND first <= last
),
marked AS (
    SELECT *,
        coalesce(
            first > max(last) OVER (
                PARTITION BY pid, period ORDER BY first, last
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ) + step_us,
            true
        ) AS starts
    FROM spans
),
islands AS (
    SELECT *, sum(starts::INTEGER) OVER (
        PARTITION BY pid, period ORDER BY first, last ROWS UNBOUNDED PRECEDING
    ) AS island
    FROM marked
)
SELECT pid, period, min(first) AS first, max(last) AS last
FROM islands
GROUP BY pid, period, island
