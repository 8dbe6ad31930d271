-- Per (model, version, metric): the last stored sample of one source's versioned series,
-- for Prometheus templates that name {version} (one query per version).
SELECT model, version, metric, max(ts) AS last_ts
FROM metrics
WHERE source = $source AND version IS NOT NULL
GROUP BY model, version, metric
