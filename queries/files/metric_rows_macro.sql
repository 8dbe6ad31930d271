-- metric_rows(source, file): the rows of one metrics file (the view named `source`; `file` is
-- its place in the sync's list of files) as they are checked and loaded. A time with a zone or
-- offset (Z, +02:00, Europe/Berlin; a TIMESTAMP WITH TIME ZONE) is converted to UTC, one
-- without (a TIMESTAMP) is UTC: text with neither an offset nor a zone name is read as a
-- TIMESTAMP (the common case, and the cheap one), the rest as a TIMESTAMPTZ in the session's
-- zone, UTC. An empty value is no sample; `problem` says what makes the row unusable (NULL
-- when nothing does).
SET TimeZone = 'UTC';
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
        WHEN number IS NULL AND value::VARCHAR <> ''
            THEN 'value ''' || value::VARCHAR || ''' is not a number'
    END AS problem
FROM (
    SELECT
        model::VARCHAR AS model,
        version::VARCHAR AS version,
        metric::VARCHAR AS metric,
        ts,
        value,
        CASE typeof(ts)
            WHEN 'TIMESTAMP' THEN TRY_CAST(ts AS TIMESTAMP)
            WHEN 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', TRY_CAST(ts AS TIMESTAMPTZ))
            ELSE CASE
                WHEN suffix(ts::VARCHAR, 'Z')
                    OR (NOT contains(ts::VARCHAR, '+') AND NOT contains((ts::VARCHAR)[11:], '-')
                        AND (ts::VARCHAR)[-1:] BETWEEN '0' AND '9')
                    THEN TRY_CAST(ts::VARCHAR AS TIMESTAMP)
                ELSE timezone('UTC', TRY_CAST(regexp_replace(trim(ts::VARCHAR), '[zZ]$', '+00:00') AS TIMESTAMPTZ))
            END
        END AS utc,
        TRY_CAST(value AS DOUBLE) AS number
    FROM query_table(source)
)
