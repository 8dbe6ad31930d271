-- Points the files added since the last read, and stored points they no longer hold.
SELECT
    (SELECT count(*) FROM (
        SELECT model, version, metric, ts, value FROM metrics WHERE source = $source
        EXCEPT ALL SELECT * FROM files_stored_metrics)) AS added,
    (SELECT count(*) FROM (
        SELECT * FROM files_stored_metrics
        EXCEPT ALL SELECT model, version, metric, ts, value FROM metrics WHERE source = $source)) AS removed
