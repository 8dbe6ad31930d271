-- Backtest, triggers on the latest sample, in one pass over the samples ($enabled): the rows
-- edges would keep (see edges), computed from each sample and its neighbours. A sample is in
-- use from the first step at or after it (bucket b) until the next sample of its period
-- arrives, it grows staler than stale_eff, or its period ends; samples that could never be
-- in use are left out first. Arithmetic is in whole steps (index = microseconds / step).
-- (least() and greatest() skip NULLs in DuckDB: a missing neighbour is tested explicitly.)
-- "dirty" marks a sample whose predecessor shares its step: then the sample in use before
-- it is further back, and the engine takes the two-pass way instead (period_samples,
-- used_samples, edges).
CREATE OR REPLACE TEMP TABLE mrp_ledge AS
WITH lp AS (
    SELECT p.pid, p.model, p.metric, pr.version, pr.from_us, pr.to_us, r.period, p.step_us,
        p.stale_eff, (pr.to_us - 1) // p.step_us AS to_idx,
        r.g_first // p.step_us AS gi_first, r.g_last // p.step_us AS gi_last,
        r.gapcond, r.missing, r.op, r.threshold
    FROM mrp_pair AS p
    JOIN mrp_rule AS r USING (pid)
    JOIN mrp_period AS pr ON pr.period = r.period
    WHERE $enabled AND p.kind <> 'event' AND NOT p.windowed
),
matched AS (
    SELECT lp.pid, lp.period, lp.step_us, lp.stale_eff, lp.to_idx, epoch_us(m.ts) AS ts, m.value
    FROM metrics AS m
    JOIN lp ON lp.model = m.model AND lp.metric = m.metric AND lp.version = m.version
    WHERE m.ts >= $from AND m.ts <= $to
        AND epoch_us(m.ts) >= lp.from_us AND epoch_us(m.ts) < lp.to_us
    UNION ALL
    SELECT lp.pid, lp.period, lp.step_us, lp.stale_eff, lp.to_idx, epoch_us(m.ts), m.value
    FROM metrics AS m
    JOIN lp ON lp.model = m.model AND lp.metric = m.metric
    WHERE m.ts >= $from AND m.ts <= $to AND m.version IS NULL AND lp.version IS NOT NULL
        AND epoch_us(m.ts) >= lp.from_us AND epoch_us(m.ts) < lp.to_us
    UNION ALL
    SELECT lp.pid, lp.period, lp.step_us, lp.stale_eff, lp.to_idx, epoch_us(m.ts), m.value
    FROM metrics AS m
    JOIN (SELECT * FROM lp WHERE version IS NULL) AS lp
        ON lp.model = m.model AND lp.metric = m.metric
    WHERE m.ts >= $from AND m.ts <= $to
        AND epoch_us(m.ts) >= lp.from_us AND epoch_us(m.ts) < lp.to_us
),
candidates AS (
    SELECT pid, period, ts, value,
        (ts + step_us - 1) // step_us AS b,
        (ts + stale_eff) // step_us AS si
    FROM matched
    WHERE (ts + step_us - 1) // step_us <= least((ts + stale_eff) // step_us, to_idx)
),
framed AS (
    SELECT *,
        lead(b) OVER w AS next_b,
        lag(b) OVER w AS prev_b,
        lag(si) OVER w AS prev_si,
        lag(value) OVER w AS prev_value
    FROM candidates
    WINDOW w AS (PARTITION BY pid, period ORDER BY ts, value)
),
kept AS (
    SELECT f.pid, f.period, f.value, f.b, f.prev_value, lp.step_us, lp.gi_first, lp.gi_last,
        lp.gapcond, lp.missing, lp.op, lp.threshold,
        least(coalesce(f.next_b - 1, lp.to_idx), f.si, lp.to_idx) AS li,
        CASE WHEN f.prev_si IS NOT NULL AND least(f.b - 1, f.prev_si) >= lp.gi_first
            THEN least(f.b - 1, f.prev_si) END AS prev_li,
        f.next_b IS NULL OR f.next_b > lp.gi_last AS is_tail,
        f.prev_b IS NOT NULL AND f.prev_b = f.b AS dirty
    FROM framed AS f
    JOIN lp USING (pid, period)
),
edged AS (
    SELECT pid, period, greatest(b, gi_first) AS fi, least(li, gi_last) AS la, value, prev_li,
        is_tail, dirty, step_us, gi_first, gi_last, gapcond,
        CASE
            WHEN missing IS NOT NULL THEN NULL
            WHEN op = '<' THEN value < threshold
            WHEN op = '<=' THEN value <= threshold
            WHEN op = '>' THEN value > threshold
            WHEN op = '>=' THEN value >= threshold
        END AS cond,
        CASE
            WHEN missing IS NOT NULL OR prev_value IS NULL THEN NULL
            WHEN op = '<' THEN prev_value < threshold
            WHEN op = '<=' THEN prev_value <= threshold
            WHEN op = '>' THEN prev_value > threshold
            WHEN op = '>=' THEN prev_value >= threshold
        END AS prev_cond
    FROM kept
    WHERE b <= li AND li >= gi_first AND b <= gi_last
)
SELECT pid, period, fi * step_us AS first, la * step_us AS last, value, false AS no_sample,
    cond, gi_first * step_us AS g_first, gi_last * step_us AS g_last, step_us, gapcond,
    prev_li * step_us AS prev_last, prev_cond, is_tail,
    coalesce(prev_li + 1, gi_first) * step_us AS gap_from, dirty
FROM edged
WHERE fi > coalesce(prev_li + 1, gi_first) OR prev_li IS NULL OR cond IS DISTINCT FROM prev_cond
    OR cond OR is_tail OR dirty
