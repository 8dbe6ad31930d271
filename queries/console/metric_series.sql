-- One model's metrics over ($start, $end], averaged into buckets of $bucket_seconds so a
-- 7-day chart stays a few hundred points per series.
SELECT metric, time_bucket(to_seconds($bucket_seconds), ts) AS bucket, avg(value) AS value
FROM metrics
WHERE model = $model AND ts > $start AND ts <= $end
GROUP BY metric, bucket
ORDER BY metric, bucket
