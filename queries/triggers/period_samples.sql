-- The samples of [$from, $to] that count: each belongs to the serving period it was recorded
-- in, and only if it is of that period's version (a sample without version, or a period of
-- "any version", matches). A window never mixes versions because it never leaves a period.
-- $windowed_only: only the series of window-aggregate triggers. Each series is read from
-- the earliest instant one of its triggers needs.
CREATE OR REPLACE TEMP TABLE mrp_sample AS
WITH wanted AS (
    SELECT sid, any_value(model) AS model, any_value(metric) AS metric,
           min(grid_from - greatest(window_us, stale_us)) AS need_from
    FROM mrp_pair
    WHERE sid IS NOT NULL AND (windowed OR NOT $windowed_only)
    GROUP BY sid
)
SELECT s.sid, pr.period, epoch_us(m.ts) AS ts, m.value
FROM metrics AS m
JOIN wanted AS s ON s.model = m.model AND s.metric = m.metric
JOIN mrp_period AS pr ON pr.model = m.model
WHERE m.ts >= $from AND m.ts <= $to AND epoch_us(m.ts) >= s.need_from
    AND epoch_us(m.ts) >= pr.from_us AND epoch_us(m.ts) < pr.to_us
    AND (pr.version = m.version OR m.version IS NULL OR pr.version IS NULL)
