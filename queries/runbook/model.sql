-- One model as the sources describe it: owning team, risk tier, tags and the source it came from.
SELECT name, team, risk_tier, CAST(tags AS VARCHAR) AS tags, source
FROM models
WHERE name = $model
