-- Every (model, trigger) to evaluate; a trigger's settings travel with it. pid numbers the
-- pairs and sid the metric series (model, metric), from the model's index (idx), the
-- trigger's (tid) and its metric's (mid), staged with the plan ($triggers, $metrics: how
-- many of each).
-- stale_eff: a sample counts at step t when ts >= t - stale_eff (Prometheus 2.x lookback,
-- inclusive). An aggregate 'last' over a window also needs ts > t - window.
-- base_us: the span before a switch that a previous_version baseline aggregates.
CREATE OR REPLACE TEMP TABLE mrp_pair AS
SELECT
    (m.idx * $triggers + t.tid)::INTEGER AS pid,
    m.model,
    t.*,
    (m.idx * $metrics + t.mid)::INTEGER AS sid,
    CASE WHEN t.agg = 'last' AND t.window_us > 0 THEN least(t.stale_us, t.window_us - 1)
         ELSE t.stale_us END AS stale_eff,
    CASE WHEN t.window_us > 0 THEN t.window_us ELSE t.stale_us END AS base_us,
    t.kind <> 'event' AND t.window_us > 0 AND t.agg <> 'last' AS windowed
FROM mrp_model AS m
JOIN mrp_trigger AS t USING (pol)
