-- Which policy (by index) selects which model (idx: the model's index), staged from one JSON
-- parameter.
CREATE OR REPLACE TEMP TABLE mrp_model AS
SELECT unnest(
    json_transform(?::JSON, '[{"model": "VARCHAR", "idx": "INTEGER", "pol": "INTEGER"}]'),
    recursive := true
)
