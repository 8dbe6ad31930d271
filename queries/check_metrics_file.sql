-- The first unusable row of one metrics file (`$rows`, a view of files/metric_rows_macro.sql),
-- numbered as its data rows.
SELECT row_number, problem FROM (
    SELECT row_number() OVER () AS row_number, problem FROM query_table($rows)
)
WHERE problem IS NOT NULL
LIMIT 1
