-- When each version of each model was registered (to tell a rollback from a roll-forward).
SELECT model, version, created_at FROM versions
