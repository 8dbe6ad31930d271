-- A files source's CSV metric files: a time with a zone or offset is converted to UTC, one
-- without is UTC; empty and NaN values are no sample; a row repeated with the same value is
-- stored once.
INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT DISTINCT model, version, metric, utc, number, $source
FROM (
    SELECT
        model, version, metric,
        CASE typeof(ts)
            WHEN 'TIMESTAMP' THEN CAST(ts AS TIMESTAMP)
            WHEN 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', CAST(ts AS TIMESTAMPTZ))
            ELSE CASE
                WHEN regexp_matches(trim(ts::VARCHAR), '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                    THEN timezone('UTC', CAST(regexp_replace(trim(ts::VARCHAR), '[zZ]$', '+00:00') AS TIMESTAMPTZ))
                ELSE CAST(trim(ts::VARCHAR) AS TIMESTAMP)
            END
        END AS utc,
        TRY_CAST(value AS DOUBLE) AS number
    FROM read_csv($files, header = true, all_varchar = true)
    WHERE value IS NOT NULL AND value <> ''
)
WHERE NOT isnan(number)
ORDER BY utc
