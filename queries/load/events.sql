INSERT INTO events BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    ts: 'TIMESTAMP', model: 'VARCHAR', version: 'VARCHAR', kind: 'VARCHAR',
    severity: 'VARCHAR', summary: 'VARCHAR', resolved_at: 'TIMESTAMP', source: 'VARCHAR'
})
