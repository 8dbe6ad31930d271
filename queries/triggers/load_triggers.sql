-- The triggers of the policies being evaluated, staged from one JSON parameter.
-- Times are microseconds since the Unix epoch; window_us = 0 means "no window".
CREATE OR REPLACE TEMP TABLE mrp_trigger AS
SELECT unnest(json_transform(?::JSON, '[{
    "tid": "INTEGER", "pol": "INTEGER", "policy": "VARCHAR", "name": "VARCHAR",
    "kind": "VARCHAR", "metric": "VARCHAR", "mid": "INTEGER",
    "op": "VARCHAR", "threshold": "DOUBLE", "agg": "VARCHAR", "window_us": "BIGINT",
    "baseline": "VARCHAR", "baseline_value": "DOUBLE", "relative": "BOOLEAN",
    "degradation": "DOUBLE", "hold_us": "BIGINT", "step_us": "BIGINT", "stale_us": "BIGINT",
    "event": "VARCHAR", "min_rank": "INTEGER", "no_data": "VARCHAR",
    "grid_from": "BIGINT", "grid_to": "BIGINT", "digest": "VARCHAR"
}]'), recursive := true)
