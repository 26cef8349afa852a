//! The PostgreSQL engine, for teams that outgrow one machine.

use super::sql::{Db, SqlStore};
use crate::error::{AppError, AppResult};
use sqlx::postgres::PgPoolOptions;

/// Connects to `url` and migrates the database.
pub async fn connect(url: &str) -> AppResult<SqlStore> {
    let pool = PgPoolOptions::new().max_connections(16).connect(url).await.map_err(|e| {
        tracing::error!(error = %e, "cannot connect to PostgreSQL");
        AppError::invalid(format!("cannot connect to PostgreSQL: {e}"))
    })?;
    sqlx::migrate!("migrations/postgres").run(&pool).await.map_err(|e| {
        tracing::error!(error = %e, "PostgreSQL migration failed");
        AppError::Internal
    })?;
    Ok(SqlStore::new(Db::Postgres(pool)))
}
