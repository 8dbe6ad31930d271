-- Schema 5: the warnings of each sync run (a source answered, but something it brought, or
-- did not, needs the user's eye: a PromQL template that matches no series, points gone from
-- a metric file), so that `mrp status` and the console repeat them after the sync's output
-- has scrolled away. NULL for runs recorded before.
ALTER TABLE sync_runs ADD COLUMN warnings STRUCT(metric VARCHAR, message VARCHAR)[];
