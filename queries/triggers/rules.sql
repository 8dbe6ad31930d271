-- Per pair and serving period: the steps, the comparison and its threshold, and what a step
-- without data counts as (gap): false for event triggers; NULL (no_data) when the baseline is
-- missing, whatever on_no_data says; else on_no_data (no_data -> NULL, ok -> false,
-- firing -> true).
CREATE OR REPLACE TEMP TABLE mrp_rule AS
SELECT pp.pid, pp.period, pp.version, pp.g_first, pp.g_last, p.step_us, p.hold_us, p.op,
    p.kind, th.threshold, th.baseline, th.missing,
    CASE
        WHEN p.kind = 'event' THEN false
        WHEN th.missing IS NOT NULL THEN NULL
        WHEN p.no_data = 'ok' THEN false
        WHEN p.no_data = 'firing' THEN true
    END AS gapcond
FROM mrp_pp AS pp
JOIN mrp_pair AS p USING (pid)
LEFT JOIN mrp_threshold AS th USING (pid, period)
