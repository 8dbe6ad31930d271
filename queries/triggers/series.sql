-- The metric series the metric triggers read, numbered.
CREATE OR REPLACE TEMP TABLE mrp_series AS
SELECT row_number() OVER (ORDER BY model, metric)::INTEGER AS sid, model, metric
FROM (SELECT DISTINCT model, metric FROM mrp_pair WHERE kind <> 'event')
