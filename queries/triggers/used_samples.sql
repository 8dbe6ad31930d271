-- For triggers on the latest sample: the steps at which each sample is the one in use,
-- [first, last]. A sample is in use from the first step at or after it until the next sample
-- of its period arrives, it grows staler than stale_eff, or its period ends. Among samples
-- with the same timestamp the largest value wins. Samples never in use are dropped.
-- ($enabled: only when latest_edges could not do it in one pass.)
CREATE OR REPLACE TEMP TABLE mrp_used AS
WITH clocks AS (
    SELECT DISTINCT sid, step_us, stale_eff
    FROM mrp_pair
    WHERE $enabled AND kind <> 'event' AND NOT windowed
),
x AS (
    SELECT s.sid, s.period, c.step_us, c.stale_eff, s.ts, s.value,
           lead(s.ts) OVER (
               PARTITION BY s.sid, s.period, c.step_us, c.stale_eff ORDER BY s.ts, s.value
           ) AS next_ts
    FROM mrp_sample AS s
    JOIN clocks AS c USING (sid)
)
SELECT x.sid, x.period, x.step_us, x.stale_eff, x.ts, x.value,
    ((x.ts + x.step_us - 1) // x.step_us) * x.step_us AS first,
    least(
        (coalesce(x.next_ts, 4611686018427387904) - 1) // x.step_us,
        (x.ts + x.stale_eff) // x.step_us,
        (pr.to_us - 1) // x.step_us
    ) * x.step_us AS last
FROM x
JOIN mrp_period AS pr USING (period)
WHERE first <= last
