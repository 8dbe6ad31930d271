-- One statement per table, executed in order by the writer with the source name as $source.
DELETE FROM baselines WHERE source = $source;
DELETE FROM versions WHERE source = $source;
DELETE FROM aliases WHERE source = $source;
DELETE FROM deployment_events WHERE source = $source AND NOT observed;
DELETE FROM events WHERE source = $source;
DELETE FROM models WHERE source = $source;
