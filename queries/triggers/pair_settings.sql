-- Every pair (mrp_pair_key) with its trigger's settings: a view, so that each query reads
-- only the settings it needs instead of a copy of them all for every pair.
-- stale_eff: a sample counts at step t when ts >= t - stale_eff (Prometheus 2.x lookback,
-- inclusive). An aggregate 'last' over a window also needs ts > t - window.
-- base_us: the span before a switch that a previous_version baseline aggregates.
CREATE OR REPLACE TEMP VIEW mrp_pair AS
SELECT
    k.pid,
    k.model,
    t.*,
    k.sid,
    CASE WHEN t.agg = 'last' AND t.window_us > 0 THEN least(t.stale_us, t.window_us - 1)
         ELSE t.stale_us END AS stale_eff,
    CASE WHEN t.window_us > 0 THEN t.window_us ELSE t.stale_us END AS base_us,
    t.kind <> 'event' AND t.window_us > 0 AND t.agg <> 'last' AS windowed
FROM mrp_pair_key AS k
JOIN mrp_trigger AS t USING (tid)
