-- Each pair's stored state (mrp_stored) as current_result reads it into arrays: the state as
-- its index in ('ok', 'pending', 'firing', 'no_data') (-1: none), since_exact as 1, 0 or -1
-- (NULL), NULL instants as $null.
SELECT pid,
    coalesce(list_position(['ok', 'pending', 'firing', 'no_data'], state) - 1, -1)::TINYINT
        AS state,
    coalesce(epoch_us(since), $null) AS since,
    coalesce(since_exact::TINYINT, -1)::TINYINT AS since_exact,
    coalesce(own, false) AS own,
    coalesce(seed, $null) AS seed
FROM mrp_stored
