INSERT OR REPLACE INTO source_state VALUES (?, ?, ?)
