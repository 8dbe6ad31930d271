-- Every change of the version behind $alias for one model, up to $now, oldest first.
SELECT model, version, previous_version, switched_at, actor, observed
FROM deployment_events
WHERE model = $model AND alias = $alias AND switched_at <= $now
ORDER BY switched_at
