-- The first row of a staged metrics relation (view `metric_rows`) that is not usable. A
-- time with a zone or offset (Z, +02:00; a TIMESTAMP WITH TIME ZONE) is converted to UTC;
-- one without (a TIMESTAMP) is UTC.
SELECT row_number, problem FROM (
    SELECT
        row_number() OVER () AS row_number,
        CASE
            WHEN model IS NULL OR model = '' THEN 'model is empty'
            WHEN metric IS NULL OR metric = '' THEN 'metric is empty'
            WHEN utc IS NULL OR NOT isfinite(utc)
                THEN 'ts ''' || coalesce(ts::VARCHAR, '') || ''' is not a time (RFC 3339, e.g. 2026-11-02T00:05:00Z)'
            WHEN value IS NOT NULL AND value <> '' AND TRY_CAST(value AS DOUBLE) IS NULL
                THEN 'value ''' || value || ''' is not a number'
        END AS problem
    FROM (
        SELECT *,
        CASE typeof(ts)
            WHEN 'TIMESTAMP' THEN TRY_CAST(ts AS TIMESTAMP)
            WHEN 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', TRY_CAST(ts AS TIMESTAMPTZ))
            ELSE CASE
                WHEN regexp_matches(trim(ts::VARCHAR), '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                    THEN timezone('UTC', TRY_CAST(regexp_replace(trim(ts::VARCHAR), '[zZ]$', '+00:00') AS TIMESTAMPTZ))
                ELSE TRY_CAST(trim(ts::VARCHAR) AS TIMESTAMP)
            END
        END AS utc
        FROM metric_rows
    )
)
WHERE problem IS NOT NULL
LIMIT 1
