-- One model's registered versions with their registered baselines.
SELECT v.version, v.created_at, v.status,
       coalesce(list(b.metric ORDER BY b.metric) FILTER (WHERE b.metric IS NOT NULL), []) AS metrics,
       coalesce(list(b.value ORDER BY b.metric) FILTER (WHERE b.metric IS NOT NULL), []) AS values
FROM versions v
LEFT JOIN baselines b ON b.model = v.model AND b.version = v.version
WHERE v.model = $model
GROUP BY v.version, v.created_at, v.status
ORDER BY v.created_at NULLS FIRST, v.version
