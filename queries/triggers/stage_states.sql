-- The evaluated states (mrp_result) as trigger_states rows. When two policies name a
-- trigger of one model alike, the first (the lower tid) wins.
CREATE OR REPLACE TEMP TABLE mrp_new_state AS
WITH first AS (
    SELECT model, trigger, min(tid) AS tid FROM mrp_result GROUP BY model, trigger
)
SELECT r.model, r.policy, r.trigger, r.state, make_timestamp(r.since_us) AS since, r.value,
    r.threshold, make_timestamp(r.at_us) AS evaluated_at, r.rule_digest, r.version,
    r.period_from_us, r.baseline, r.missing, r.since_exact
FROM mrp_result AS r
JOIN first USING (model, trigger, tid)
