SELECT key, value FROM source_state WHERE source = ?
