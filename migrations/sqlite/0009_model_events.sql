-- Models report events too (Model.report_scalar, a model's plots and debug
-- samples): scalar_series and task_events name their owner, a task or a
-- model, so their foreign key to tasks goes, and deleting a task or a model
-- deletes its events explicitly.
--
-- SQLite cannot drop a constraint, so the tables are rebuilt (copied, the
-- old dropped, the new renamed). sqlx runs this inside a transaction, where
-- foreign keys cannot be switched off, and dropping scalar_series would
-- cascade to its chunks: so the chunks move first, to a table whose key
-- points at the new series table (the rename keeps that reference right).

CREATE TABLE scalar_series_owned (
    id          INTEGER PRIMARY KEY,
    task        TEXT NOT NULL,
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
    -- The x axis' title the reporter gave (ClearML's `x_axis_label`).
    x_axis_label TEXT,
    UNIQUE (task, metric, variant)
);
INSERT INTO scalar_series_owned (id, task, metric, variant, count, sum_value, first_value, first_iter,
    last_value, last_iter, min_value, min_iter, max_value, max_iter)
SELECT id, task, metric, variant, count, sum_value, first_value, first_iter,
    last_value, last_iter, min_value, min_iter, max_value, max_iter FROM scalar_series;
CREATE TABLE scalar_chunks_owned (
    id     INTEGER PRIMARY KEY,
    series BIGINT NOT NULL REFERENCES scalar_series_owned(id) ON DELETE CASCADE,
    points BLOB NOT NULL
);
INSERT INTO scalar_chunks_owned (id, series, points) SELECT id, series, points FROM scalar_chunks;
DROP TABLE scalar_chunks;
DROP TABLE scalar_series;
ALTER TABLE scalar_series_owned RENAME TO scalar_series;
ALTER TABLE scalar_chunks_owned RENAME TO scalar_chunks;
CREATE INDEX scalar_chunks_series ON scalar_chunks(series, id);
CREATE INDEX scalar_series_last ON scalar_series(metric, variant, last_value);
CREATE INDEX scalar_series_min ON scalar_series(metric, variant, min_value);
CREATE INDEX scalar_series_max ON scalar_series(metric, variant, max_value);

CREATE TABLE task_events_owned (
    id        INTEGER PRIMARY KEY,
    task      TEXT NOT NULL,
    type      TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    iter      BIGINT NOT NULL,
    metric    TEXT NOT NULL,
    variant   TEXT NOT NULL,
    body      TEXT NOT NULL
);
INSERT INTO task_events_owned (id, task, type, timestamp, iter, metric, variant, body)
SELECT id, task, type, timestamp, iter, metric, variant, body FROM task_events;
DROP TABLE task_events;
ALTER TABLE task_events_owned RENAME TO task_events;
CREATE INDEX task_events_task ON task_events(task, type, id);

-- The newest iteration a model reported at.
ALTER TABLE models ADD COLUMN last_iteration BIGINT NOT NULL DEFAULT 0;
-- A task's children are looked up when it is deleted or reset.
CREATE INDEX tasks_parent ON tasks(parent);
-- The metric and variant a log event names (ClearML's log events may).
ALTER TABLE task_logs ADD COLUMN metric TEXT NOT NULL DEFAULT '';
ALTER TABLE task_logs ADD COLUMN variant TEXT NOT NULL DEFAULT '';
-- Who registered a worker (its key names the user) and from where.
ALTER TABLE workers ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN ip TEXT;
-- ClearML's public objects (`make_public`): readable, not writable.
ALTER TABLE tasks ADD COLUMN public BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN public BIGINT NOT NULL DEFAULT 0;
-- Workers' machine statistics over time, one row per value reported
-- (`workers.get_stats`, `get_activity_report`), kept for 30 days.
CREATE TABLE worker_stats (
    id        INTEGER PRIMARY KEY,
    worker    TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    task      TEXT,
    category  TEXT NOT NULL,
    metric    TEXT NOT NULL,
    variant   TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL
);
CREATE INDEX worker_stats_metric ON worker_stats(metric, timestamp);
CREATE INDEX worker_stats_time ON worker_stats(timestamp);
