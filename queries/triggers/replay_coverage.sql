-- Backtest: how much of the replay each pair (model x trigger) had data for, so a summary
-- can name the triggers that never had any (they have no transition at all). Per pair, in
-- steps: evaluated (0: the model did not serve during the span); without a fresh sample
-- (never for event triggers); without a baseline (the whole serving period); and without
-- data, i.e. with nothing to compare (no sample or no baseline), whatever on_no_data made of
-- those steps.
-- Latest-sample triggers lack a sample exactly in the no_sample segments of mrp_segment (the
-- gap before a row, after a period's last row, or a period without rows: edges always keeps
-- the rows that border them). Window aggregates have a row at every step in mrp_wvalue
-- (value NULL: no data).
WITH periods AS (
    SELECT pid, period, missing IS NOT NULL AS no_baseline,
        (g_last - g_first) // step_us + 1 AS steps
    FROM mrp_rule
),
gaps AS (
    SELECT s.pid, s.period, sum((s.last - s.first) // s.step_us + 1) AS steps
    FROM mrp_segment AS s
    JOIN mrp_pair AS p USING (pid)
    WHERE s.no_sample AND p.kind <> 'event' AND NOT p.windowed
    GROUP BY s.pid, s.period
),
windowed AS (
    SELECT pid, period, count(*) FILTER (WHERE value IS NULL) AS steps
    FROM mrp_wvalue
    GROUP BY pid, period
),
per_period AS (
    SELECT pr.pid, pr.steps, pr.no_baseline,
        coalesce(g.steps, 0) + coalesce(w.steps, 0) AS no_sample
    FROM periods AS pr
    LEFT JOIN gaps AS g USING (pid, period)
    LEFT JOIN windowed AS w USING (pid, period)
)
SELECT k.model, k.tid,
    coalesce(sum(pp.steps), 0)::BIGINT AS steps,
    coalesce(sum(pp.no_sample), 0)::BIGINT AS no_sample,
    coalesce(sum(CASE WHEN pp.no_baseline THEN pp.steps ELSE 0 END), 0)::BIGINT AS no_baseline,
    coalesce(sum(CASE WHEN pp.no_baseline THEN pp.steps ELSE pp.no_sample END), 0)::BIGINT
        AS no_data
FROM mrp_pair_key AS k
LEFT JOIN per_period AS pp USING (pid)
GROUP BY k.model, k.tid
ORDER BY k.tid, k.model
