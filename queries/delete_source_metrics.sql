DELETE FROM metrics WHERE source = $source;
