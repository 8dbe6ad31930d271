-- The audit log as CSV rows for risk and compliance (columns documented in docs/audit.md).
-- Reads a checked snapshot of the log in which every line is a checked record or is marked
-- "_invalid": true (console/audit/snapshot.py). Same filters as audit/records. $fixed_ts
-- is the ts a fixed workspace clock stamps (NULL when the clock runs): rows carrying it are
-- marked fixed_clock (console/audit/fixed_clock.py). Returns the number of rows written.
COPY (
SELECT seq,
       ts,
       actor,
       key_id,
       role,
       action,
       model,
       details ->> 'from_version' AS from_version,
       details ->> 'to_version' AS to_version,
       details ->> 'reason' AS reason,
       TRY_CAST(details ->> 'break_glass' AS BOOLEAN) AS break_glass,
       TRY_CAST(details ->> 'dry_run' AS BOOLEAN) AS dry_run,
       policy_digest,
       hash,
       NOT coalesce(_invalid, false) AS signature_valid,
       coalesce(ts = $fixed_ts, false) AS fixed_clock,
       details ->> 'runbook' AS runbook,
       details ->> 'text' AS text,
       details
FROM read_json(
    $path,
    format = 'newline_delimited',
    ignore_errors = true,
    columns = {
        seq: 'BIGINT', ts: 'VARCHAR', actor: 'VARCHAR', key_id: 'VARCHAR', role: 'VARCHAR',
        action: 'VARCHAR', model: 'VARCHAR', details: 'JSON', policy_digest: 'VARCHAR',
        hash: 'VARCHAR', _invalid: 'BOOLEAN'
    }
)
WHERE (seq IS NOT NULL OR hash IS NOT NULL)
  AND ($model IS NULL OR model GLOB $model)
  AND ($action IS NULL OR action GLOB $action)
  AND ($since IS NULL OR TRY_CAST(ts AS TIMESTAMP) >= $since)
  AND ($until IS NULL OR TRY_CAST(ts AS TIMESTAMP) <= $until)
) TO $target (HEADER, DELIMITER ',')
