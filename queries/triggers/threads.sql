-- DuckDB's thread count for this database (see engine.use_threads).
SELECT current_setting('threads')
