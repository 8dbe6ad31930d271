-- Backtest, triggers on the latest sample: each (pair, serving period) numbered (lk), with
-- what latest_samples and latest_edges need, in whole steps (index = microseconds / step).
CREATE OR REPLACE TEMP TABLE mrp_lp AS
SELECT row_number() OVER ()::INTEGER AS lk, p.pid, p.model, p.metric, pr.version,
    make_timestamp(pr.from_us) AS from_ts, make_timestamp(pr.to_us) AS to_ts, r.period,
    p.step_us, p.stale_eff, (pr.to_us - 1) // p.step_us AS to_idx,
    r.g_first // p.step_us AS gi_first, r.g_last // p.step_us AS gi_last,
    r.gapcond, r.missing, r.op, r.threshold
FROM mrp_pair AS p
JOIN mrp_rule AS r USING (pid)
JOIN mrp_period AS pr ON pr.period = r.period
WHERE p.kind <> 'event' AND NOT p.windowed
