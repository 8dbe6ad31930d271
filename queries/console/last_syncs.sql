-- The latest sync run of every source, when it last succeeded, and the warnings of the
-- latest run. arg_max_null: the latest run's error even when it is NULL (arg_max skips
-- NULLs, which kept an earlier failure after a sync that succeeded).
SELECT source,
       arg_max(finished_at, id) AS finished_at,
       arg_max_null(error, id) AS error,
       max(finished_at) FILTER (WHERE error IS NULL) AS last_ok,
       arg_max(coalesce(warnings, []), id) AS warnings
FROM sync_runs
GROUP BY source
ORDER BY source
