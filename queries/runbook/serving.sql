-- The version behind one alias of one model, since when, and which source reported it.
SELECT version, since, source
FROM aliases
WHERE model = $model AND alias = $alias
