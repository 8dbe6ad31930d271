INSERT INTO deployment_events BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    model: 'VARCHAR', alias: 'VARCHAR', version: 'VARCHAR', previous_version: 'VARCHAR',
    switched_at: 'TIMESTAMP', actor: 'VARCHAR', observed: 'BOOLEAN', source: 'VARCHAR'
})
