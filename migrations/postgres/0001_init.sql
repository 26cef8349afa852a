-- Labbook schema, PostgreSQL. Timestamps are epoch milliseconds; open shapes are JSON text.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- API credentials: only a salted hash of the secret is kept.
CREATE TABLE credentials (
    access_key  TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    salt        TEXT NOT NULL,
    created     BIGINT NOT NULL
);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    basename    TEXT NOT NULL,
    parent      TEXT REFERENCES projects(id),
    description TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    system_tags TEXT NOT NULL DEFAULT '[]',
    default_output_destination TEXT,
    created     BIGINT NOT NULL,
    last_update BIGINT NOT NULL
);
CREATE INDEX projects_parent ON projects(parent);

CREATE TABLE tasks (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    project         TEXT REFERENCES projects(id),
    type            TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT NOT NULL DEFAULT '',
    status_message  TEXT NOT NULL DEFAULT '',
    status_changed  BIGINT NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    parent          TEXT,
    user_id         TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '[]',
    system_tags     TEXT NOT NULL DEFAULT '[]',
    created         BIGINT NOT NULL,
    started         BIGINT,
    completed       BIGINT,
    published       BIGINT,
    last_update     BIGINT NOT NULL,
    last_change     BIGINT NOT NULL,
    script_binary       TEXT NOT NULL DEFAULT '',
    script_repository   TEXT NOT NULL DEFAULT '',
    script_tag          TEXT NOT NULL DEFAULT '',
    script_branch       TEXT NOT NULL DEFAULT '',
    script_version_num  TEXT NOT NULL DEFAULT '',
    script_entry_point  TEXT NOT NULL DEFAULT '',
    script_working_dir  TEXT NOT NULL DEFAULT '',
    script_diff         TEXT NOT NULL DEFAULT '',
    script_requirements TEXT NOT NULL DEFAULT '{}',
    container_image     TEXT NOT NULL DEFAULT '',
    container_arguments TEXT NOT NULL DEFAULT '',
    container_setup_shell_script TEXT NOT NULL DEFAULT '',
    output_destination  TEXT,
    output_extra        TEXT NOT NULL DEFAULT '{}',
    execution_queue     TEXT,
    execution_extra     TEXT NOT NULL DEFAULT '{}',
    hyperparams         TEXT NOT NULL DEFAULT '{}',
    configuration       TEXT NOT NULL DEFAULT '{}',
    runtime             TEXT NOT NULL DEFAULT '{}',
    -- runtime.progress as a number, kept beside runtime so tables can sort by it.
    progress            BIGINT,
    artifacts           TEXT NOT NULL DEFAULT '[]',
    models_input        TEXT NOT NULL DEFAULT '[]',
    models_output       TEXT NOT NULL DEFAULT '[]',
    last_iteration      BIGINT NOT NULL DEFAULT 0,
    last_worker         TEXT,
    last_worker_report  BIGINT,
    revision            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tasks_project_update ON tasks(project, last_update);
CREATE INDEX tasks_last_update ON tasks(last_update);
CREATE INDEX tasks_status ON tasks(status);

-- One row per (task, metric, variant), with running statistics for last_metrics.
CREATE TABLE scalar_series (
    id          BIGSERIAL PRIMARY KEY,
    task        TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    metric      TEXT NOT NULL,
    variant     TEXT NOT NULL,
    count       BIGINT NOT NULL,
    sum_value   DOUBLE PRECISION NOT NULL,
    first_value DOUBLE PRECISION NOT NULL,
    first_iter  BIGINT NOT NULL,
    last_value  DOUBLE PRECISION NOT NULL,
    last_iter   BIGINT NOT NULL,
    min_value   DOUBLE PRECISION NOT NULL,
    min_iter    BIGINT NOT NULL,
    max_value   DOUBLE PRECISION NOT NULL,
    max_iter    BIGINT NOT NULL,
    UNIQUE (task, metric, variant)
);

-- Scalar points packed in chunks: each row holds the points of one series
-- from one batch as little-endian (iter i64, timestamp i64, value f64) triples.
CREATE TABLE scalar_chunks (
    id     BIGSERIAL PRIMARY KEY,
    series BIGINT NOT NULL REFERENCES scalar_series(id) ON DELETE CASCADE,
    points BYTEA NOT NULL
);
CREATE INDEX scalar_chunks_series ON scalar_chunks(series, id);

CREATE TABLE task_logs (
    id        BIGSERIAL PRIMARY KEY,
    task      TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    timestamp BIGINT NOT NULL,
    level     TEXT NOT NULL,
    worker    TEXT NOT NULL,
    msg       TEXT NOT NULL
);
CREATE INDEX task_logs_task ON task_logs(task, id);

-- Every other event (plots, debug samples, …), kept verbatim.
CREATE TABLE task_events (
    id        BIGSERIAL PRIMARY KEY,
    task      TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    iter      BIGINT NOT NULL,
    metric    TEXT NOT NULL,
    variant   TEXT NOT NULL,
    body      TEXT NOT NULL
);
CREATE INDEX task_events_task ON task_events(task, type, id);
