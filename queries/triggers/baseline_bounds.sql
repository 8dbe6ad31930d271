-- The span of history previous_version baselines read: from the earliest switch minus the
-- longest baseline span, to the latest switch (NULLs when no trigger needs one).
SELECT min(pp.switched_us - p.base_us), max(pp.switched_us)
FROM mrp_pp AS pp
JOIN mrp_pair AS p USING (pid)
WHERE p.baseline = 'previous_version' AND pp.previous_version IS NOT NULL
