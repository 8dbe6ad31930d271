-- Backtest, triggers on the latest sample ($enabled): the samples of [$from, $to] of each
-- pair's series in each serving period (as period_samples), with the step they are first
-- seen at (b), the last step the staleness allows (si) and the outcome (cond); samples that
-- could never be in use (stale before their first step, or past their period's last step)
-- are left out.
CREATE OR REPLACE TEMP TABLE mrp_lsample AS
WITH lp AS (
    SELECT * FROM mrp_lp WHERE $enabled
),
matched AS (
    SELECT lp.lk, lp.step_us, lp.stale_eff, lp.to_idx, lp.missing, lp.op, lp.threshold, m.ts,
        m.value
    FROM metrics AS m
    JOIN lp ON lp.model = m.model AND lp.metric = m.metric
    WHERE m.ts >= $from AND m.ts <= $to AND m.ts >= lp.from_ts AND m.ts < lp.to_ts
        AND (lp.version = m.version OR m.version IS NULL OR lp.version IS NULL)
),
indexed AS (
    SELECT lk, epoch_us(ts) AS ts, value, step_us, stale_eff, to_idx, missing, op, threshold
    FROM matched
),
stepped AS (
    SELECT *, (ts + step_us - 1) // step_us AS b, (ts + stale_eff) // step_us AS si
    FROM indexed
)
SELECT lk, ts, value, b, si,
    CASE
        WHEN missing IS NOT NULL THEN NULL
        WHEN op = '<' THEN value < threshold
        WHEN op = '<=' THEN value <= threshold
        WHEN op = '>' THEN value > threshold
        WHEN op = '>=' THEN value >= threshold
    END AS cond
FROM stepped
WHERE b <= least(si, to_idx)
