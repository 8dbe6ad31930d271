-- Each pair's evaluation steps, per serving period: multiples of the step since the epoch,
-- inside the pair's grid and inside the period. A period without steps is left out.
CREATE OR REPLACE TEMP TABLE mrp_pp AS
SELECT
    p.pid, pr.period, pr.version, pr.previous_version, pr.from_us, pr.to_us, pr.switched_us,
    greatest(p.grid_from, ((pr.from_us + p.step_us - 1) // p.step_us) * p.step_us) AS g_first,
    least(p.grid_to, ((pr.to_us - 1) // p.step_us) * p.step_us) AS g_last
FROM mrp_pair AS p
JOIN mrp_period AS pr USING (model)
WHERE g_first <= g_last
