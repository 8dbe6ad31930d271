-- Every model's events up to $now, newest first (the history screen).
SELECT model, ts, version, kind, severity, summary
FROM events
WHERE ts <= $now
ORDER BY ts DESC
LIMIT 5000
