-- Each pair's evaluation steps, per serving period: multiples of the step since the epoch,
-- inside the pair's grid and inside the period. A period without steps is left out.
-- base_key names a previous_version baseline (model, previous version, metric, aggregate,
-- span, switch): it never changes once computed, so it is cached (source_state).
CREATE OR REPLACE TEMP TABLE mrp_pp AS
SELECT
    p.pid, pr.period, pr.version, pr.previous_version, pr.from_us, pr.to_us, pr.switched_us,
    greatest(p.grid_from, ((pr.from_us + p.step_us - 1) // p.step_us) * p.step_us) AS g_first,
    least(p.grid_to, ((pr.to_us - 1) // p.step_us) * p.step_us) AS g_last,
    CASE WHEN p.baseline = 'previous_version' AND pr.previous_version IS NOT NULL
        THEN concat_ws('|', 'baseline', p.model, pr.previous_version, p.metric, p.agg,
                       p.base_us, pr.switched_us)
    END AS base_key
FROM mrp_pair AS p
JOIN mrp_period AS pr USING (model)
WHERE g_first <= g_last
