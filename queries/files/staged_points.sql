-- The staged points to store, streamed to the write phase in the order they were staged (by
-- time).
SELECT model, version, metric, ts, value FROM points WHERE value IS NOT NULL
