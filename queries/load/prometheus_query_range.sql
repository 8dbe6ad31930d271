-- Metric points from staged Prometheus query_range responses, in one statement.
-- Each staged line is {"model", "metric", "version", "body": <the raw response>}; "version"
-- is set when the template named {version}, else each series' version label ($label) gives it
-- (NULL when the series has none). NaN ("no value", e.g. 0/0) is not stored.
INSERT INTO metrics (model, version, metric, ts, value, source)
WITH series AS (
    SELECT model, metric, version, unnest(body.data.result) AS r
    FROM read_json($files, format = 'newline_delimited', columns = {
        model: 'VARCHAR', metric: 'VARCHAR', version: 'VARCHAR',
        body: 'STRUCT(data STRUCT(result STRUCT(metric MAP(VARCHAR, VARCHAR), "values" DOUBLE[][])[]))'
    })
),
points AS (
    SELECT model, metric, version, r, unnest(r."values") AS v FROM series
)
SELECT
    model,
    coalesce(version, r.metric[$label]),
    metric,
    make_timestamp((v[1] * 1000000)::BIGINT),  -- the cast rounds to the microsecond
    v[2],
    $source
FROM points
WHERE NOT isnan(v[2])
