-- What write_states has to do: how many states it stores, how many of them are new, and
-- whether stored rows that no pair evaluated remain (to delete).
SELECT count(*) FILTER (WHERE s.stores),
    count(*) FILTER (WHERE s.stores AND s.srow IS NULL),
    (SELECT count(*) FROM trigger_states) > count(DISTINCT s.srow)
FROM mrp_result AS r
JOIN mrp_stored AS s USING (pid)
