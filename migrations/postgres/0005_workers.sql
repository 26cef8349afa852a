-- Workers (agents) that registered and report their status. Kept in the
-- database, not in one server's memory, so several server processes on one
-- PostgreSQL see the same workers.
CREATE TABLE workers (
    id            TEXT PRIMARY KEY,
    queues        TEXT NOT NULL DEFAULT '[]',
    tags          TEXT NOT NULL DEFAULT '[]',
    task          TEXT,
    queue         TEXT,
    machine_stats TEXT NOT NULL DEFAULT '{}',
    registered    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL
);
