-- Every (model, trigger) to evaluate, numbered; a trigger's settings travel with it.
-- sid numbers the metric series (model, metric) the metric triggers read.
-- stale_eff: a sample counts at step t when ts >= t - stale_eff (Prometheus 2.x lookback,
-- inclusive). An aggregate 'last' over a window also needs ts > t - window.
-- base_us: the span before a switch that a previous_version baseline aggregates.
CREATE OR REPLACE TEMP TABLE mrp_pair AS
WITH pairs AS (
    SELECT row_number() OVER ()::INTEGER AS pid, m.model, m.pol, t.tid, t.metric
    FROM mrp_model AS m
    JOIN mrp_trigger AS t USING (pol)
),
series AS (
    SELECT model, metric, row_number() OVER ()::INTEGER AS sid
    FROM (SELECT DISTINCT model, metric FROM pairs WHERE metric IS NOT NULL)
)
SELECT
    p.pid,
    p.model,
    t.*,
    s.sid,
    CASE WHEN t.agg = 'last' AND t.window_us > 0 THEN least(t.stale_us, t.window_us - 1)
         ELSE t.stale_us END AS stale_eff,
    CASE WHEN t.window_us > 0 THEN t.window_us ELSE t.stale_us END AS base_us,
    t.kind <> 'event' AND t.window_us > 0 AND t.agg <> 'last' AS windowed
FROM pairs AS p
JOIN mrp_trigger AS t USING (tid)
LEFT JOIN series AS s ON s.model = p.model AND s.metric = p.metric
