-- When the version behind the alias changed, per model (for backtest summaries).
SELECT DISTINCT model, version, switched_at
FROM deployment_events
WHERE alias = ? AND switched_at >= ? AND switched_at <= ?
ORDER BY model, switched_at
