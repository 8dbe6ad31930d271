-- The samples of [$from, $to] that count: each belongs to the serving period it was recorded
-- in, and only if it is of that period's version (a sample without version, or a period of
-- "any version", matches). A window never mixes versions because it never leaves a period.
-- $windowed_only: only the series of window-aggregate triggers.
CREATE OR REPLACE TEMP TABLE mrp_sample AS
WITH m AS (
    SELECT s.sid, m.model, m.version, epoch_us(m.ts) AS ts, m.value
    FROM metrics AS m
    JOIN (
        SELECT DISTINCT sid, model, metric
        FROM mrp_pair
        WHERE sid IS NOT NULL AND (windowed OR NOT $windowed_only)
    ) AS s
        ON s.model = m.model AND s.metric = m.metric
    WHERE m.ts >= $from AND m.ts <= $to
),
anyversion AS (
    SELECT * FROM mrp_period WHERE version IS NULL
)
SELECT m.sid, pr.period, m.ts, m.value
FROM m
JOIN mrp_period AS pr ON pr.model = m.model AND pr.version = m.version
WHERE m.ts >= pr.from_us AND m.ts < pr.to_us
UNION ALL
SELECT m.sid, pr.period, m.ts, m.value
FROM m
JOIN mrp_period AS pr ON pr.model = m.model
WHERE m.version IS NULL AND pr.version IS NOT NULL AND m.ts >= pr.from_us AND m.ts < pr.to_us
UNION ALL
SELECT m.sid, pr.period, m.ts, m.value
FROM m
JOIN anyversion AS pr ON pr.model = m.model
WHERE m.ts >= pr.from_us AND m.ts < pr.to_us
