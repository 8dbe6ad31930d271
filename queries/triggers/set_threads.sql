-- Set DuckDB's thread count: small evaluations are faster on one thread than spread over
-- several (no waiting for each other between operators).
SET threads = $threads
