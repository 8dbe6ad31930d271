-- Every registered version of one model with its status and tags, oldest first.
SELECT version, status, created_at, CAST(tags AS VARCHAR) AS tags, source
FROM versions
WHERE model = $model
ORDER BY created_at NULLS FIRST, version
