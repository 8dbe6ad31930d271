-- DuckDB's default thread count (one per core): backtests and long look-backs.
RESET threads
