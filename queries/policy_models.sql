SELECT name, team, risk_tier, tags FROM models ORDER BY name
