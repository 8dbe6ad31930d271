-- The span of history the previous_version baselines not yet cached read: from the earliest
-- switch minus the longest baseline span, to the latest switch (NULLs when none is needed).
SELECT min(pp.switched_us - p.base_us), max(pp.switched_us)
FROM mrp_pp AS pp
JOIN mrp_pair AS p USING (pid)
ANTI JOIN source_state AS c ON c.source = 'mrp-triggers' AND c.key = pp.base_key
WHERE pp.base_key IS NOT NULL
