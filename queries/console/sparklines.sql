-- Bucketed averages of one metric per model over ($now - $span, $now], for sparklines.
-- $models and $metrics are parallel lists: the key metric of each model.
WITH wanted AS (
    SELECT unnest($models) AS model, unnest($metrics) AS metric
)
SELECT m.model, time_bucket(to_seconds($bucket_seconds), m.ts) AS bucket, avg(m.value) AS value
FROM metrics m
JOIN wanted w ON w.model = m.model AND w.metric = m.metric
WHERE m.ts > $now - to_seconds($span_seconds) AND m.ts <= $now
GROUP BY ALL
ORDER BY m.model, bucket
