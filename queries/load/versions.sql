INSERT OR REPLACE INTO versions BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    model: 'VARCHAR', version: 'VARCHAR', created_at: 'TIMESTAMP', status: 'VARCHAR',
    run_id: 'VARCHAR', tags: 'JSON', source: 'VARCHAR'
})
