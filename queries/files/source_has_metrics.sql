SELECT EXISTS (SELECT 1 FROM metrics WHERE source = $source)
