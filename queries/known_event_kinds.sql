-- Event kinds the workspace has stored (policy check warns about triggers on any other).
SELECT DISTINCT kind FROM events
