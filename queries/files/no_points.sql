-- No staged points (a files source with no metric files), as files/stage_points.sql makes them.
CREATE TEMP TABLE points (
    model VARCHAR, version VARCHAR, metric VARCHAR, ts TIMESTAMP, value DOUBLE, other DOUBLE
)
