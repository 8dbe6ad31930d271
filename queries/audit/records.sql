-- Audit records read in place from audit.jsonl (the log is a file, not a table), in file
-- order, filtered. $model and $action are GLOB patterns (an exact name matches itself);
-- $since and $until are inclusive UTC timestamps. Lines that carry no record are skipped.
SELECT seq, ts, actor, key_id, role, action, model, details, policy_digest, prev_hash, hash,
       signature
FROM read_json(
    $path,
    format = 'newline_delimited',
    ignore_errors = true,
    columns = {
        seq: 'BIGINT', ts: 'VARCHAR', actor: 'VARCHAR', key_id: 'VARCHAR', role: 'VARCHAR',
        action: 'VARCHAR', model: 'VARCHAR', details: 'JSON', policy_digest: 'VARCHAR',
        prev_hash: 'VARCHAR', hash: 'VARCHAR', signature: 'VARCHAR'
    }
)
WHERE (seq IS NOT NULL OR hash IS NOT NULL)
  AND ($model IS NULL OR model GLOB $model)
  AND ($action IS NULL OR action GLOB $action)
  AND ($since IS NULL OR TRY_CAST(ts AS TIMESTAMP) >= $since)
  AND ($until IS NULL OR TRY_CAST(ts AS TIMESTAMP) <= $until)
