-- Serving periods: which version served behind the alias, from when (inclusive) to when
-- (exclusive), and the version it replaced. A model without alias history serves its alias's
-- version since the alias was set (or always); a model with neither serves "any version"
-- (version NULL) forever. A model whose first recorded switch names the version it replaced
-- (an alias move seen at sync, or a deploy inferred from metrics: the history began with
-- mrp) served that version until then. Re-deploys of the serving version are not switches.
-- Times in microseconds; 0 and 2^62 stand for "always" and "for ever".
CREATE OR REPLACE TEMP TABLE mrp_period AS
WITH wanted AS (
    SELECT DISTINCT model FROM mrp_model
),
raw AS (
    SELECT d.model, d.version, any_value(d.previous_version) AS previous_version,
           greatest(epoch_us(d.switched_at), 0) AS at_us
    FROM deployment_events AS d
    JOIN wanted USING (model)
    WHERE d.alias = $alias
    GROUP BY d.model, d.version, at_us
),
ordered AS (
    SELECT model, version, at_us,
           coalesce(previous_version, lag(version) OVER w) AS previous_version,
           lag(version) OVER w AS before
    FROM raw
    WINDOW w AS (PARTITION BY model ORDER BY at_us, version)
),
switches AS (
    SELECT model, version, previous_version, at_us AS from_us,
           coalesce(lead(at_us) OVER (PARTITION BY model ORDER BY at_us), 4611686018427387904)
               AS to_us,
           at_us AS switched_us
    FROM ordered
    WHERE before IS DISTINCT FROM version
),
before_first AS (
    SELECT model, arg_min_null(previous_version, from_us) AS version, NULL::VARCHAR AS previous_version,
           0::BIGINT AS from_us, min(from_us) AS to_us, NULL::BIGINT AS switched_us
    FROM switches
    GROUP BY model
    HAVING arg_min_null(previous_version, from_us) IS DISTINCT FROM arg_min(version, from_us)
        AND arg_min_null(previous_version, from_us) IS NOT NULL AND min(from_us) > 0
),
fallback AS (
    SELECT w.model, a.version, NULL::VARCHAR AS previous_version,
           coalesce(greatest(epoch_us(a.since), 0), 0) AS from_us,
           4611686018427387904 AS to_us, NULL::BIGINT AS switched_us
    FROM wanted AS w
    LEFT JOIN aliases AS a ON a.model = w.model AND a.alias = $alias
    WHERE w.model NOT IN (SELECT model FROM switches)
)
SELECT row_number() OVER ()::INTEGER AS period, *
FROM (
    SELECT * FROM switches UNION ALL SELECT * FROM before_first UNION ALL SELECT * FROM fallback
)
