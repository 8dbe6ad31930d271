-- Schema 1. All times are TIMESTAMP in UTC (no zone stored).
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP);

CREATE TABLE models (
    name VARCHAR PRIMARY KEY,
    team VARCHAR,
    risk_tier VARCHAR,
    tags JSON,
    source VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE versions (
    model VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    created_at TIMESTAMP,
    status VARCHAR,
    run_id VARCHAR,
    tags JSON,
    source VARCHAR NOT NULL,
    PRIMARY KEY (model, version)
);

CREATE TABLE baselines (
    model VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (model, version, metric)
);

-- The alias -> version mapping as last observed.
CREATE TABLE aliases (
    model VARCHAR NOT NULL,
    alias VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    since TIMESTAMP,
    observed_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (model, alias)
);

-- Every change of the version behind an alias: from the source's history where it keeps
-- one, else observed by comparing snapshots at sync time (observed = true).
CREATE TABLE deployment_events (
    model VARCHAR NOT NULL,
    alias VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    previous_version VARCHAR,
    switched_at TIMESTAMP NOT NULL,
    actor VARCHAR,
    observed BOOLEAN NOT NULL DEFAULT false,
    source VARCHAR NOT NULL
);

CREATE TABLE metrics (
    model VARCHAR NOT NULL,
    version VARCHAR,
    metric VARCHAR NOT NULL,
    ts TIMESTAMP NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL
);

-- Per-series high-water mark for incremental sync.
CREATE TABLE watermarks (
    source VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    last_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (source, model, metric)
);

CREATE TABLE events (
    ts TIMESTAMP NOT NULL,
    model VARCHAR NOT NULL,
    version VARCHAR,
    kind VARCHAR NOT NULL,
    severity VARCHAR,
    summary VARCHAR,
    resolved_at TIMESTAMP,
    source VARCHAR NOT NULL
);

CREATE SEQUENCE sync_run_ids;
CREATE TABLE sync_runs (
    id BIGINT PRIMARY KEY DEFAULT nextval('sync_run_ids'),
    source VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    points BIGINT NOT NULL DEFAULT 0,
    models INTEGER NOT NULL DEFAULT 0,
    error VARCHAR
);

-- Current state of every trigger of every model, updated after each sync.
CREATE TABLE trigger_states (
    model VARCHAR NOT NULL,
    policy VARCHAR NOT NULL,
    trigger VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    since TIMESTAMP,
    value DOUBLE,
    threshold DOUBLE,
    evaluated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (model, trigger)
);
