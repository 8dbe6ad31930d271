-- Mean of each metric of one version of one model over [$start, $end).
SELECT metric, avg(value) AS mean, count(*) AS samples
FROM metrics
WHERE model = $model AND version = $version AND ts >= $start AND ts < $end
GROUP BY metric
ORDER BY metric
