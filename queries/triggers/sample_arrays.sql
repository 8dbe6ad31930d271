-- The samples of mrp_sample for last_steps, which orders them itself (by series, time and
-- value: faster in NumPy than an ORDER BY here).
SELECT sid, period, ts, value
FROM mrp_sample
