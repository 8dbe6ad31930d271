-- Parquet metric files loaded in one statement, unchecked (benchmarks/bench_triggers.py builds
-- its stores so): ts stored in UTC whatever its type (TIMESTAMP, TIMESTAMP WITH TIME ZONE,
-- text). The files source itself checks and stages its files (console/sources/files_stage.py).
INSERT INTO metrics (model, version, metric, ts, value, source)
SELECT DISTINCT model, version, metric, utc, number, $source
FROM (
    SELECT
        model::VARCHAR AS model, version::VARCHAR AS version, metric::VARCHAR AS metric,
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
    FROM read_parquet($files)
    WHERE value IS NOT NULL
)
WHERE NOT isnan(number)
ORDER BY utc
