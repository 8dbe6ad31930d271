-- A series time a checked metrics relation (view `metric_rows`) gives two different values:
-- the first row with each, in file order. Rows repeated with the same value are not a
-- conflict (they are stored once).
WITH numbered AS (
    SELECT
        row_number() OVER () AS row_number,
        model,
        version,
        metric,
        CASE typeof(ts)
            WHEN 'TIMESTAMP' THEN TRY_CAST(ts AS TIMESTAMP)
            WHEN 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', TRY_CAST(ts AS TIMESTAMPTZ))
            ELSE CASE
                WHEN regexp_matches(trim(ts::VARCHAR), '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                    THEN timezone('UTC', TRY_CAST(regexp_replace(trim(ts::VARCHAR), '[zZ]$', '+00:00') AS TIMESTAMPTZ))
                ELSE TRY_CAST(trim(ts::VARCHAR) AS TIMESTAMP)
            END
        END AS utc,
        TRY_CAST(value AS DOUBLE) AS number
    FROM metric_rows
),
valued AS (
    SELECT * FROM numbered WHERE number IS NOT NULL AND NOT isnan(number)
),
clash AS (
    SELECT model, version, metric, utc
    FROM valued
    GROUP BY ALL
    HAVING min(number) <> max(number)
    LIMIT 1
)
SELECT
    max(row_number) FILTER (WHERE number <> first_number) AS row_number,
    min(row_number) AS first_row,
    any_value(model),
    any_value(version),
    any_value(metric),
    strftime(any_value(utc), '%Y-%m-%dT%H:%M:%SZ'),
    min(number) FILTER (WHERE number <> first_number) AS number,
    any_value(first_number) AS first_number
FROM (
    SELECT valued.*, first_value(number) OVER (ORDER BY row_number) AS first_number
    FROM valued SEMI JOIN clash USING (model, version, metric, utc)
)
HAVING count(*) > 0
