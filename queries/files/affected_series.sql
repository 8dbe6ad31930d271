-- The series a sync rewrites, numbered: those the changed files hold now or held before
-- (given as three lists of the same length).
CREATE TEMP TABLE affected AS
SELECT row_number() OVER () AS id, model, version, metric
FROM (
    SELECT
        unnest($models::VARCHAR[]) AS model,
        unnest($versions::VARCHAR[]) AS version,
        unnest($metrics::VARCHAR[]) AS metric
)
