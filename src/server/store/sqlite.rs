//! The embedded SQLite engine (the default): one file, WAL journal.

use super::sql::{Db, SqlStore};
use crate::error::{AppError, AppResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// Opens (creating if needed) the database at `url` and migrates it.
pub async fn connect(url: &str) -> AppResult<SqlStore> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| AppError::invalid(format!("invalid SQLite URL '{url}': {e}")))?
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
        AppError::invalid(format!("cannot open SQLite database '{url}': {e}"))
    })?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await.map_err(|e| {
        tracing::error!(error = %e, "SQLite migration failed");
        AppError::Internal
    })?;
    Ok(SqlStore::new(Db::Sqlite(pool)))
}
