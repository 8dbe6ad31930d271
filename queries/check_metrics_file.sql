-- The first row of a staged metrics relation (view `metric_rows`) that is not usable.
SELECT row_number, problem FROM (
    SELECT
        row_number() OVER () AS row_number,
        CASE
            WHEN model IS NULL OR model = '' THEN 'model is empty'
            WHEN metric IS NULL OR metric = '' THEN 'metric is empty'
            WHEN TRY_CAST(ts AS TIMESTAMP) IS NULL THEN 'ts ''' || coalesce(ts, '') || ''' is not a time'
            WHEN value IS NOT NULL AND value <> '' AND TRY_CAST(value AS DOUBLE) IS NULL
                THEN 'value ''' || value || ''' is not a number'
        END AS problem
    FROM metric_rows
)
WHERE problem IS NOT NULL
LIMIT 1
