SELECT model, metric, last_ts FROM watermarks WHERE source = ?
