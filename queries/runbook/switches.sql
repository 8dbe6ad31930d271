-- Every change of the version behind one alias of one model up to $now, oldest first.
SELECT version, previous_version, switched_at, actor
FROM deployment_events
WHERE model = $model AND alias = $alias AND switched_at <= $now
ORDER BY switched_at, version
