-- Models report events too (Model.report_scalar, a model's plots and debug
-- samples): scalar_series and task_events name their owner, a task or a
-- model, so their foreign key to tasks goes, and deleting a task or a model
-- deletes its events explicitly.
ALTER TABLE scalar_series DROP CONSTRAINT IF EXISTS scalar_series_task_fkey;
ALTER TABLE task_events DROP CONSTRAINT IF EXISTS task_events_task_fkey;
-- The newest iteration a model reported at.
ALTER TABLE models ADD COLUMN last_iteration BIGINT NOT NULL DEFAULT 0;
-- The x axis' title a series' reporter gave (ClearML's `x_axis_label`).
ALTER TABLE scalar_series ADD COLUMN x_axis_label TEXT;
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
    id        BIGSERIAL PRIMARY KEY,
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
