INSERT OR REPLACE INTO aliases BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    model: 'VARCHAR', alias: 'VARCHAR', version: 'VARCHAR', since: 'TIMESTAMP', source: 'VARCHAR',
    observed_at: 'TIMESTAMP'
})
