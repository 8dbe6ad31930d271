-- Whether latest_edges met samples sharing a step (then the two-pass way is needed).
SELECT count(*) FROM mrp_ledge WHERE dirty
