-- Whether the stored states of alias $alias were computed from what is there now (the
-- fingerprint in mrp_inputs, from rule_inputs).
SELECT count(*) FROM trigger_rule_inputs JOIN mrp_inputs USING (fingerprint) WHERE alias = $alias
