-- The latest sync run of every source, and when it last succeeded.
SELECT source,
       arg_max(finished_at, id) AS finished_at,
       arg_max(error, id) AS error,
       max(finished_at) FILTER (WHERE error IS NULL) AS last_ok
FROM sync_runs
GROUP BY source
ORDER BY source
