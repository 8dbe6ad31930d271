-- Schema 2: small per-source memory between syncs (e.g. the files source's fingerprint of
-- its metric files, so an unchanged folder is not reloaded).
CREATE TABLE source_state (
    source VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (source, key)
);
