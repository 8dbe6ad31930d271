-- Remember what the states just stored were computed from (mrp_inputs, from rule_inputs), in
-- place of what the states they replace were.
DELETE FROM trigger_rule_inputs;

INSERT INTO trigger_rule_inputs (fingerprint) SELECT fingerprint FROM mrp_inputs
