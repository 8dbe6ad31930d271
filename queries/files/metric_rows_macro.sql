-- metric_rows(source, file): the rows of one metrics file (the view named `source`; `file` is
-- its place in the sync's list of files) as they are checked and loaded. A time with a zone or
-- offset (Z, +02:00; a TIMESTAMP WITH TIME ZONE) is converted to UTC, one without (a
-- TIMESTAMP) is UTC; an empty value is no sample; `problem` says what makes the row unusable
-- (NULL when nothing does).
CREATE OR REPLACE TEMP MACRO metric_rows(source, file) AS TABLE
SELECT
    file AS file,
    model,
    version,
    metric,
    utc,
    number,
    CASE
        WHEN model IS NULL OR model = '' THEN 'model is empty'
        WHEN metric IS NULL OR metric = '' THEN 'metric is empty'
        WHEN utc IS NULL OR NOT isfinite(utc)
            THEN 'ts ''' || coalesce(ts::VARCHAR, '') || ''' is not a time (RFC 3339, e.g. 2026-11-02T00:05:00Z)'
        WHEN value_text <> '' THEN 'value ''' || value_text || ''' is not a number'
    END AS problem
FROM (
    SELECT
        model::VARCHAR AS model,
        version::VARCHAR AS version,
        metric::VARCHAR AS metric,
        ts,
        CASE typeof(ts)
            WHEN 'TIMESTAMP' THEN TRY_CAST(ts AS TIMESTAMP)
            WHEN 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', TRY_CAST(ts AS TIMESTAMPTZ))
            ELSE CASE
                WHEN regexp_matches(trim(ts::VARCHAR), '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                    THEN timezone('UTC', TRY_CAST(regexp_replace(trim(ts::VARCHAR), '[zZ]$', '+00:00') AS TIMESTAMPTZ))
                ELSE TRY_CAST(trim(ts::VARCHAR) AS TIMESTAMP)
            END
        END AS utc,
        TRY_CAST(value AS DOUBLE) AS number,
        CASE WHEN TRY_CAST(value AS DOUBLE) IS NULL THEN value::VARCHAR END AS value_text
    FROM query_table(source)
)
