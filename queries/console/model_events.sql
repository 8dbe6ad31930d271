-- One model's events (deploy notes, security findings, ...) up to $now, newest first.
SELECT ts, version, kind, severity, summary
FROM events
WHERE model = $model AND ts <= $now
ORDER BY ts DESC
LIMIT 200
