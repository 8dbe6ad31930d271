INSERT OR REPLACE INTO watermarks
SELECT source, model, metric, max(ts) AS last_ts
FROM metrics
WHERE source = ?
GROUP BY source, model, metric
