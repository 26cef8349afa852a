-- Dashboard sign-ins: one row per browser session. The cookie holds a
-- random token; only its SHA-256 is kept, so a copied database cannot be
-- used to sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created    BIGINT NOT NULL,
    expires    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- When an API key last logged in (epoch ms), for the Settings page.
ALTER TABLE credentials ADD COLUMN last_used BIGINT;

-- Who last changed a task (ClearML's `last_changed_by`): the person or
-- agent whose edit, status change or queue action it was.
ALTER TABLE tasks ADD COLUMN last_changed_by TEXT NOT NULL DEFAULT '';
