-- Backtest, triggers on the latest sample, in one pass over mrp_lsample: the rows edges
-- would keep (see edges), computed from each sample and its neighbours. A sample is in use
-- from the first step at or after it (b) until the next sample of its period arrives, it
-- grows staler than stale_eff, or its period ends. Arithmetic is in whole steps.
-- (least() and greatest() skip NULLs in DuckDB: a missing neighbour is tested explicitly.)
-- "dirty" marks a sample whose predecessor shares its step (or its timestamp): then the
-- sample in use before it is further back, and the engine takes the two-pass way instead
-- (period_samples, used_samples, edges).
CREATE OR REPLACE TEMP TABLE mrp_ledge AS
WITH framed AS (
    SELECT lk, value, b, si, cond,
        lead(b) OVER w AS next_b,
        lag(b) OVER w AS prev_b,
        lag(si) OVER w AS prev_si,
        lag(cond) OVER w AS prev_cond
    FROM mrp_lsample
    WINDOW w AS (PARTITION BY lk ORDER BY ts)
),
kept AS (
    SELECT lp.pid, lp.period, f.value, f.cond, f.prev_cond, lp.step_us, lp.gi_first,
        lp.gi_last, lp.gapcond,
        greatest(f.b, lp.gi_first) AS fi,
        least(coalesce(f.next_b - 1, lp.to_idx), f.si, lp.to_idx, lp.gi_last) AS la,
        CASE WHEN f.prev_b IS NOT NULL AND least(f.b - 1, f.prev_si) >= lp.gi_first
            THEN least(f.b - 1, f.prev_si) END AS prev_li,
        f.next_b IS NULL OR f.next_b > lp.gi_last AS is_tail,
        f.prev_b IS NOT NULL AND f.prev_b = f.b AS dirty
    FROM framed AS f
    JOIN mrp_lp AS lp USING (lk)
    WHERE f.b <= least(coalesce(f.next_b - 1, lp.to_idx), f.si, lp.to_idx)
        AND least(coalesce(f.next_b - 1, lp.to_idx), f.si, lp.to_idx) >= lp.gi_first
        AND f.b <= lp.gi_last
)
SELECT pid, period, fi * step_us AS first, la * step_us AS last, value, false AS no_sample,
    cond, gi_first * step_us AS g_first, gi_last * step_us AS g_last, step_us, gapcond,
    prev_li * step_us AS prev_last, prev_cond, is_tail,
    coalesce(prev_li + 1, gi_first) * step_us AS gap_from, dirty
FROM kept
WHERE fi > coalesce(prev_li + 1, gi_first) OR prev_li IS NULL OR cond IS DISTINCT FROM prev_cond
    OR cond OR is_tail OR dirty
