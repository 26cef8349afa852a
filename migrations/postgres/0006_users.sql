-- Accounts: the people who sign in and own API keys. Only an argon2id hash
-- of a password is kept.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created       BIGINT NOT NULL
);

-- The user an API key belongs to; keys made before accounts are given to
-- the first admin at start-up.
ALTER TABLE credentials ADD COLUMN user_id TEXT;
