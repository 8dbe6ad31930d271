SELECT model, alias, version FROM aliases WHERE source = ?
