-- The evaluated states (mrp_result) as trigger_states rows. When two policies name a
-- trigger of one model alike, the first (the lower tid) wins.
CREATE OR REPLACE TEMP TABLE mrp_new_state AS
SELECT model, policy, trigger, state, make_timestamp(since_us) AS since, value, threshold,
    make_timestamp(at_us) AS evaluated_at, rule_digest, version, period_from_us, baseline,
    missing, since_exact
FROM mrp_result
QUALIFY row_number() OVER (PARTITION BY model, trigger ORDER BY tid) = 1
