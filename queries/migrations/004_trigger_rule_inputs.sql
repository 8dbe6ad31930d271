-- Schema 4: what the stored trigger states' serving periods and thresholds were computed
-- from (queries/triggers/rule_inputs.sql: a fingerprint of the alias evaluated, its
-- deployment history and current version, and the registered baselines), one row. While it
-- is unchanged, the next evaluation continues from the stored rules instead of recomputing
-- them from that history.
CREATE TABLE trigger_rule_inputs (
    fingerprint VARCHAR NOT NULL
);
