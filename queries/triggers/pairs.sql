-- Every (model, trigger) to evaluate. pid numbers the pairs and sid the metric series
-- (model, metric), from the model's index (idx), the trigger's (tid) and its metric's (mid),
-- staged with the plan ($triggers, $metrics: how many of each). The pairs are stored narrow
-- (mrp_pair_key); the view mrp_pair (pair_settings) adds each trigger's settings.
CREATE OR REPLACE TEMP TABLE mrp_pair_key AS
SELECT
    (m.idx * $triggers + t.tid)::INTEGER AS pid,
    m.model,
    t.tid,
    (m.idx * $metrics + t.mid)::INTEGER AS sid
FROM mrp_model AS m
JOIN mrp_trigger AS t USING (pol)
