DELETE FROM watermarks WHERE source = $source
