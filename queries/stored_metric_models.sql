-- How many models have metrics stored (whether or not any source lists them as models).
SELECT count(DISTINCT model) FROM metrics
