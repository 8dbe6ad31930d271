-- Trigger states to store, staged from one JSON parameter.
CREATE OR REPLACE TEMP TABLE mrp_new_state AS
SELECT unnest(json_transform(?::JSON, '[{
    "model": "VARCHAR", "policy": "VARCHAR", "trigger": "VARCHAR", "state": "VARCHAR",
    "since": "TIMESTAMP", "value": "DOUBLE", "threshold": "DOUBLE", "evaluated_at": "TIMESTAMP"
}]'), recursive := true)
