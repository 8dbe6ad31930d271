-- Remember what the states just stored were computed from (mrp_inputs, from rule_inputs).
INSERT OR REPLACE INTO trigger_rule_inputs (alias, fingerprint)
SELECT $alias, fingerprint FROM mrp_inputs
