INSERT OR REPLACE INTO baselines BY NAME
SELECT * FROM read_json(?, format = 'array', columns = {
    model: 'VARCHAR', version: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE', source: 'VARCHAR'
})
