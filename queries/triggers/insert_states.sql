-- Store trigger states, staged from one JSON parameter.
INSERT INTO trigger_states (model, policy, trigger, state, since, value, threshold, evaluated_at)
SELECT model, policy, trigger, state, since, value, threshold, evaluated_at
FROM (
    SELECT unnest(json_transform(?::JSON, '[{
        "model": "VARCHAR", "policy": "VARCHAR", "trigger": "VARCHAR", "state": "VARCHAR",
        "since": "TIMESTAMP", "value": "DOUBLE", "threshold": "DOUBLE",
        "evaluated_at": "TIMESTAMP"
    }]'), recursive := true)
)
