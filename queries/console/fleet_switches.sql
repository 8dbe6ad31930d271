-- Every alias switch of every model up to $now, newest first (the history screen).
SELECT model, version, previous_version, switched_at, actor, observed
FROM deployment_events
WHERE switched_at <= $now
ORDER BY switched_at DESC
