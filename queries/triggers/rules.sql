-- Per pair and serving period: the steps, the comparison and its threshold, and what a step
-- without data counts as (gapcond): false for event triggers; NULL (no_data) when the
-- baseline is missing, whatever on_no_data says; else on_no_data (no_data -> NULL, ok ->
-- false, firing -> true).
-- A baseline trigger's baseline is the previous version's aggregate over [switch - span,
-- switch) (span = the trigger's window, or its staleness for the latest sample), the
-- registered value of the serving version, or a number; relative degradation scales it,
-- absolute degradation shifts it, always in the direction that is worse. Previous-version
-- baselines come from the cache (source_state, source 'mrp-triggers'; 'none' = no samples)
-- or are computed from [$lo, $hi) (fresh: to be cached by save_baselines).
-- missing: why there is no baseline (no_previous_version, no_previous_samples, no_registered).
CREATE OR REPLACE TEMP TABLE mrp_rule AS
WITH wanted AS (
    SELECT pp.pid, pp.period, pp.base_key, pp.switched_us, pp.previous_version, c.value AS cached
    FROM mrp_pp AS pp
    LEFT JOIN source_state AS c ON c.source = 'mrp-triggers' AND c.key = pp.base_key
    WHERE pp.base_key IS NOT NULL
),
computed AS (
    SELECT w.pid, w.period,
           CASE any_value(p.agg)
               WHEN 'avg' THEN avg(m.value)
               WHEN 'min' THEN min(m.value)
               WHEN 'max' THEN max(m.value)
               WHEN 'p50' THEN quantile_cont(m.value, 0.5)
               WHEN 'p95' THEN quantile_cont(m.value, 0.95)
               WHEN 'p99' THEN quantile_cont(m.value, 0.99)
               ELSE arg_max(m.value, struct_pack(t := m.ts, v := m.value))
           END AS baseline
    FROM wanted AS w
    JOIN mrp_pair AS p USING (pid)
    JOIN metrics AS m
        ON m.model = p.model AND m.metric = p.metric AND m.version = w.previous_version
        AND epoch_us(m.ts) >= w.switched_us - p.base_us AND epoch_us(m.ts) < w.switched_us
    WHERE w.cached IS NULL AND m.ts >= $lo AND m.ts < $hi
    GROUP BY w.pid, w.period
),
prev AS MATERIALIZED (
    SELECT w.pid, w.period, w.base_key, w.switched_us, w.cached IS NULL AS fresh,
        CASE WHEN w.cached IS NULL THEN c.baseline
             WHEN w.cached <> 'none' THEN CAST(w.cached AS DOUBLE) END AS baseline
    FROM wanted AS w
    LEFT JOIN computed AS c USING (pid, period)
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
        ON reg.model = p.model AND reg.version = pp.version AND reg.metric = p.metric
    WHERE p.kind <> 'event'
),
thresholds AS (
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
)
SELECT pp.pid, pp.period, pp.version, pp.from_us, pp.g_first, pp.g_last, p.step_us, p.hold_us,
    p.op, p.kind, th.threshold, th.baseline, th.missing, prev.base_key, prev.fresh,
    prev.switched_us,
    CASE
        WHEN p.kind = 'event' THEN false
        WHEN th.missing IS NOT NULL THEN NULL
        WHEN p.no_data = 'ok' THEN false
        WHEN p.no_data = 'firing' THEN true
    END AS gapcond
FROM mrp_pp AS pp
JOIN mrp_pair AS p USING (pid)
LEFT JOIN thresholds AS th USING (pid, period)
LEFT JOIN prev USING (pid, period)
