-- How many threads DuckDB uses (current-state evaluation runs on one, then restores this).
SELECT current_setting('threads')
