-- The metrics each model reports (for choosing the fleet sparkline's key metric).
SELECT model, metric FROM watermarks GROUP BY model, metric ORDER BY model, metric
