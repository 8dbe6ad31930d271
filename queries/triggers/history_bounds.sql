-- The first and last instant of stored history (metric samples and events) of the models
-- in the JSON list parameter: what a backtest replays by default.
WITH wanted AS (
    SELECT unnest(json_transform(?::JSON, '["VARCHAR"]')) AS model
)
SELECT min(lo), max(hi)
FROM (
    SELECT min(m.ts) AS lo, max(m.ts) AS hi
    FROM metrics AS m SEMI JOIN wanted AS w ON w.model = m.model
    UNION ALL
    SELECT min(e.ts), max(e.ts)
    FROM events AS e SEMI JOIN wanted AS w ON w.model = e.model
)
