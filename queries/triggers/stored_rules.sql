-- The serving periods and rules of the pairs as stored with their states (mrp_stored, when
-- stored_rule_blockers finds no pair that cannot continue): each model's stored serving period,
-- and each pair's stored threshold, baseline and why a baseline is missing; what a step
-- without data counts as follows rules.sql.
CREATE OR REPLACE TEMP TABLE mrp_period AS
SELECT row_number() OVER ()::INTEGER AS period, model, version, NULL::VARCHAR AS previous_version,
    period_from_us AS from_us, 4611686018427387904 AS to_us, NULL::BIGINT AS switched_us
FROM (
    SELECT DISTINCT p.model, s.version, s.period_from_us
    FROM mrp_stored AS s
    JOIN mrp_pair_key AS p USING (pid)
);

CREATE OR REPLACE TEMP TABLE mrp_rule AS
SELECT s.pid, pr.period, s.version, pr.from_us, p.grid_from AS g_first, p.grid_to AS g_last,
    p.step_us, p.hold_us, p.op, p.kind, s.threshold, s.baseline, s.missing,
    NULL::VARCHAR AS base_key, false AS fresh, NULL::BIGINT AS switched_us,
    CASE
        WHEN p.kind = 'event' THEN false
        WHEN s.missing IS NOT NULL THEN NULL
        WHEN p.no_data = 'ok' THEN false
        WHEN p.no_data = 'firing' THEN true
    END AS gapcond
FROM mrp_stored AS s
JOIN mrp_pair AS p USING (pid)
JOIN mrp_period AS pr
    ON pr.model = p.model AND pr.version IS NOT DISTINCT FROM s.version
    AND pr.from_us = s.period_from_us
