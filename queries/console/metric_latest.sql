-- One model's newest sample of each metric in ($start, $end]: the value a chart's title
-- calls "last" (its series is averaged into buckets; a trigger reads the samples).
SELECT metric, arg_max(value, ts) AS value
FROM metrics
WHERE model = $model AND ts > $start AND ts <= $end
GROUP BY metric
