-- Every change of state, in time order. A trigger's state before its first step is ok,
-- except that a first step without data is no change (nothing was known before either).
-- At a run's start: ok (false), no_data (NULL), or pending (true; firing when for is 0);
-- pending turns firing at run_start + hold (for rounded up to whole steps).
WITH states AS (
    SELECT *,
        CASE WHEN cond THEN
                 CASE WHEN first - run_start >= hold_us THEN 'firing' ELSE 'pending' END
             WHEN NOT cond THEN 'ok' ELSE 'no_data' END AS first_state,
        CASE WHEN cond THEN
                 CASE WHEN last - run_start >= hold_us THEN 'firing' ELSE 'pending' END
             WHEN NOT cond THEN 'ok' ELSE 'no_data' END AS last_state
    FROM mrp_segment
),
changes AS (
    SELECT pid, first AS at_us,
        coalesce(
            lag(last_state) OVER (PARTITION BY pid ORDER BY first),
            CASE WHEN first_state = 'no_data' THEN 'no_data' ELSE 'ok' END
        ) AS from_state,
        first_state AS to_state, value, new_run
    FROM states
    UNION ALL
    SELECT pid, run_start + hold_us, 'pending', 'firing', value, true
    FROM states
    WHERE cond AND hold_us > 0 AND run_start + hold_us > first AND run_start + hold_us <= last
)
SELECT p.model, p.tid, c.at_us, c.from_state, c.to_state, c.value
FROM changes AS c
JOIN mrp_pair AS p USING (pid)
WHERE c.from_state <> c.to_state
ORDER BY c.at_us, p.model, p.tid
