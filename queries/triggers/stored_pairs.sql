-- Each pair with the state stored in trigger_states for its model and trigger ($seeded;
-- otherwise none), read once for the whole evaluation:
-- srow: the stored row (write_states updates it in place, by rowid);
-- stores: whether the pair's state is the one stored (when two policies name a trigger of one
--   model alike, the first, the lower tid, is);
-- own: the stored state is of the pair's own policy, so a seeded evaluation can continue from
--   it (its step, state and since; its rule: digest, serving period, threshold, baseline).
CREATE OR REPLACE TEMP TABLE mrp_stored AS
WITH shadowed AS (
    SELECT DISTINCT m.model, t.tid
    FROM mrp_trigger AS t
    JOIN mrp_trigger AS earlier ON earlier.name = t.name AND earlier.tid < t.tid
    JOIN mrp_model AS m ON m.pol = t.pol
    JOIN mrp_model AS me ON me.model = m.model AND me.pol = earlier.pol
),
stored AS (
    SELECT rowid AS srow, * FROM trigger_states WHERE $seeded
)
SELECT p.pid, s.srow, sh.tid IS NULL AS stores, s.policy = p.policy AS own,
    s.state, s.since, s.since_exact, epoch_us(s.evaluated_at) AS seed, s.rule_digest,
    s.version, s.period_from_us, s.threshold, s.baseline, s.missing
FROM mrp_pair AS p
LEFT JOIN stored AS s ON s.model = p.model AND s.trigger = p.name
LEFT JOIN shadowed AS sh ON sh.model = p.model AND sh.tid = p.tid
