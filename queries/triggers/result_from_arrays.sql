-- mrp_result from the arrays current_result computed (mrp_result_arrays) and each pair's
-- rule in its serving period (threshold, baseline, why one is missing, version): the state
-- from its index in ('ok', 'pending', 'firing', 'no_data'), NULL instants from $null.
CREATE OR REPLACE TEMP TABLE mrp_result AS
SELECT a.pid::INTEGER AS pid, r.from_us AS period_from_us, a.at_us,
    ['ok', 'pending', 'firing', 'no_data'][a.state + 1] AS state,
    nullif(a.since_us, $null) AS since_us,
    a.since_exact,
    nullif(a.held_us, $null) AS held_us,
    CASE WHEN a.has_value THEN a.value END AS value,
    r.threshold, r.baseline, r.missing, r.version,
    a.no_sample,
    nullif(a.last_sample_us, $null) AS last_sample_us
FROM mrp_result_arrays AS a
JOIN mrp_rule AS r ON r.pid = a.pid AND r.period = a.period
