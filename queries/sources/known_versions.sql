-- Every version the state database knows, per model, oldest first.
SELECT model, version FROM versions ORDER BY model, created_at NULLS LAST, version
