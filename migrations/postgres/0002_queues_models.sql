-- Execution queues, their entries, and models.

CREATE TABLE queues (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    tags        TEXT NOT NULL DEFAULT '[]',
    system_tags TEXT NOT NULL DEFAULT '[]',
    created     BIGINT NOT NULL,
    last_update BIGINT NOT NULL
);

-- A task waits in at most one queue; `position` orders the queue.
CREATE TABLE queue_entries (
    task     TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    queue    TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    added    BIGINT NOT NULL,
    position BIGINT NOT NULL
);
CREATE INDEX queue_entries_order ON queue_entries(queue, position);

-- The status a task had before it was enqueued, restored by a dequeue.
ALTER TABLE tasks ADD COLUMN enqueue_status TEXT;

CREATE TABLE models (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    uri         TEXT NOT NULL DEFAULT '',
    framework   TEXT,
    design      TEXT NOT NULL DEFAULT '{}',
    labels      TEXT NOT NULL DEFAULT '{}',
    ready       BIGINT NOT NULL DEFAULT 0,
    public      BIGINT NOT NULL DEFAULT 0,
    comment     TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    system_tags TEXT NOT NULL DEFAULT '[]',
    project     TEXT REFERENCES projects(id),
    task        TEXT,
    parent      TEXT,
    user_id     TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '{}',
    created     BIGINT NOT NULL,
    last_update BIGINT NOT NULL
);
CREATE INDEX models_project ON models(project, created);
CREATE INDEX models_task ON models(task);
