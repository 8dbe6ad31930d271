-- The threshold of every metric trigger in every serving period. A baseline trigger's
-- baseline is the previous version's same aggregate over [switch - span, switch), the
-- registered value of the serving version, or a number; relative degradation scales it,
-- absolute degradation shifts it, always in the direction that is worse.
-- missing: why there is no baseline (no_previous_version, no_previous_samples, no_registered).
CREATE OR REPLACE TEMP TABLE mrp_threshold AS
WITH prev AS (
    SELECT pp.pid, pp.period, count(*) AS n,
           CASE any_value(p.agg)
               WHEN 'avg' THEN avg(m.value)
               WHEN 'min' THEN min(m.value)
               WHEN 'max' THEN max(m.value)
               WHEN 'p50' THEN quantile_cont(m.value, 0.5)
               WHEN 'p95' THEN quantile_cont(m.value, 0.95)
               WHEN 'p99' THEN quantile_cont(m.value, 0.99)
               ELSE arg_max(m.value, struct_pack(t := m.ts, v := m.value))
           END AS baseline
    FROM mrp_pp AS pp
    JOIN mrp_pair AS p USING (pid)
    JOIN metrics AS m
        ON m.model = p.model AND m.metric = p.metric AND m.version = pp.previous_version
        AND epoch_us(m.ts) >= pp.switched_us - p.base_us AND epoch_us(m.ts) < pp.switched_us
    WHERE p.baseline = 'previous_version'
        AND m.ts >= $lo AND m.ts < $hi
    GROUP BY pp.pid, pp.period
),
base AS (
    SELECT pp.pid, pp.period, p.kind, p.op, p.threshold, p.relative, p.degradation,
        CASE p.baseline
            WHEN 'previous_version' THEN prev.baseline
            WHEN 'registered' THEN reg.value
            WHEN 'number' THEN p.baseline_value
        END AS baseline,
        CASE
            WHEN p.baseline = 'previous_version' AND pp.previous_version IS NULL
                THEN 'no_previous_version'
            WHEN p.baseline = 'previous_version' AND prev.baseline IS NULL
                THEN 'no_previous_samples'
            WHEN p.baseline = 'registered' AND reg.value IS NULL THEN 'no_registered'
        END AS missing
    FROM mrp_pp AS pp
    JOIN mrp_pair AS p USING (pid)
    LEFT JOIN prev USING (pid, period)
    LEFT JOIN baselines AS reg
        ON p.baseline = 'registered' AND reg.model = p.model AND reg.version = pp.version
        AND reg.metric = p.metric
    WHERE p.kind <> 'event'
)
SELECT pid, period, baseline, missing,
    CASE
        WHEN kind = 'threshold' THEN threshold
        WHEN baseline IS NULL THEN NULL
        WHEN relative AND op IN ('>', '>=') THEN baseline * (1 + degradation)
        WHEN relative THEN baseline * (1 - degradation)
        WHEN op IN ('>', '>=') THEN baseline + degradation
        ELSE baseline - degradation
    END AS threshold
FROM base
