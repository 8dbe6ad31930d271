-- Schema 3: what each stored trigger state was evaluated against, so that the next
-- evaluation can continue from it without recomputing serving periods and thresholds
-- (queries/triggers/stored_pairs.sql): the rule's digest, the serving version and when its
-- period began (microseconds since the epoch), the baseline and why it was missing, and
-- whether ``since`` is exact.
ALTER TABLE trigger_states ADD COLUMN rule_digest VARCHAR;
ALTER TABLE trigger_states ADD COLUMN version VARCHAR;
ALTER TABLE trigger_states ADD COLUMN period_from_us BIGINT;
ALTER TABLE trigger_states ADD COLUMN baseline DOUBLE;
ALTER TABLE trigger_states ADD COLUMN missing VARCHAR;
ALTER TABLE trigger_states ADD COLUMN since_exact BOOLEAN;
