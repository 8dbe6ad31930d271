-- A metrics file staged as `metric_source`, for the checks in check_metrics_file.sql and
-- files/metrics_conflicting_duplicate.sql: text, but ts as it is typed (a Parquet TIMESTAMP
-- stays one).
CREATE VIEW metric_rows AS
SELECT
    model::VARCHAR AS model,
    version::VARCHAR AS version,
    metric::VARCHAR AS metric,
    ts,
    value::VARCHAR AS value
FROM metric_source
