INSERT OR REPLACE INTO models BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    name: 'VARCHAR', team: 'VARCHAR', risk_tier: 'VARCHAR', tags: 'JSON', source: 'VARCHAR',
    updated_at: 'TIMESTAMP'
})
