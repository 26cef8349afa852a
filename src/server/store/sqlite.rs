//! The embedded SQLite engine (the default): one file, WAL journal.

use super::sql::{impl_sql_store, Dialect};
use crate::error::{AppError, AppResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Tasks, projects and events in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> AppResult<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| AppError::Invalid(format!("invalid SQLite URL '{url}': {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses no committed transaction on a process
            // crash; only an OS crash or power loss can lose the last ones.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Table scans (search, counts) read through a memory map instead
            // of one read() per page, and each connection caches 16 MB.
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-16000")
            .with_regexp();
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await.map_err(|e| {
            tracing::error!(error = %e, %url, "cannot open SQLite database");
            AppError::Invalid(format!("cannot open SQLite database '{url}': {e}"))
        })?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.map_err(|e| {
            tracing::error!(error = %e, "SQLite migration failed");
            AppError::Internal
        })?;
        Ok(SqliteStore { pool })
    }
}

/// SQLite's SQL where it differs from PostgreSQL's.
pub(super) struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn regex_match(col: &str, p: &str) -> String {
        format!("{col} REGEXP {p}")
    }
    fn json_array_contains(col: &str, p: &str) -> String {
        format!("EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = {p})")
    }
    fn ilike(col: &str, p: &str) -> String {
        // LIKE ignores ASCII case in SQLite.
        format!("{col} LIKE {p} ESCAPE '\\'")
    }
    fn case_insensitive_regex(re: &str) -> String {
        format!("(?i){re}")
    }
    fn json_text(col: &str, p: &str) -> String {
        format!("json_extract({col}, {p})")
    }
    fn json_path(keys: &[&str]) -> String {
        let quoted: Vec<String> = keys.iter().map(|k| format!("\"{}\"", k.replace('"', "\\\""))).collect();
        format!("$.{}", quoted.join("."))
    }
    fn numeric_or_null(expr: &str) -> String {
        format!("(CASE WHEN trim({expr}) <> '' AND NOT ({expr} GLOB '*[^0-9.eE+ -]*') THEN CAST({expr} AS REAL) END)")
    }
    fn skip_locked() -> &'static str {
        ""
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite, SqliteDialect, "sqlite");
