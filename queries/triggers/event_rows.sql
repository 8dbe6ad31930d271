-- The events of the kinds event triggers watch ($kinds), recorded up to $to (microseconds).
SELECT model, kind, severity, version, epoch_us(ts) AS ts, epoch_us(resolved_at) AS resolved
FROM events
WHERE list_contains($kinds, kind) AND epoch_us(ts) <= $to
