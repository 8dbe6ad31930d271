-- Which policy (by index) selects which model, staged from one JSON parameter.
CREATE OR REPLACE TEMP TABLE mrp_model AS
SELECT unnest(json_transform(?::JSON, '[{"model": "VARCHAR", "pol": "INTEGER"}]'), recursive := true)
