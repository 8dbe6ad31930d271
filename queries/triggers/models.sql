-- Every known model with what policy selectors match on.
SELECT name, team, risk_tier, tags FROM models ORDER BY name
