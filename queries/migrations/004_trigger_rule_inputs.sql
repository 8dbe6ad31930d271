-- Schema 4: what the stored trigger states' serving periods and thresholds were computed
-- from (queries/triggers/rule_inputs.sql: a fingerprint of the alias's deployment history,
-- the alias and the registered baselines), one row per alias. While it is unchanged, the
-- next evaluation continues from the stored rules without reading that history again.
CREATE TABLE trigger_rule_inputs (
    alias VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL
);
