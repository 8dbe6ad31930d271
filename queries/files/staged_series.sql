-- The series the staged points rewrite, for the write phase.
SELECT model, version, metric FROM affected
