//! The PostgreSQL engine, for teams that outgrow one machine.

use super::sql::{impl_sql_store, Dialect};
use crate::error::{AppError, AppResult};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

/// Tasks, projects and events in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str) -> AppResult<PgStore> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await.map_err(|e| {
            tracing::error!(error = %e, "cannot connect to PostgreSQL");
            AppError::Invalid(format!("cannot connect to PostgreSQL: {e}"))
        })?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.map_err(|e| {
            tracing::error!(error = %e, "PostgreSQL migration failed");
            AppError::Internal
        })?;
        Ok(PgStore { pool })
    }
}

/// PostgreSQL's SQL where it differs from SQLite's.
pub(super) struct PgDialect;

impl Dialect for PgDialect {
    fn regex_match(col: &str, p: &str) -> String {
        format!("{col} ~* {p}")
    }
    fn json_array_contains(col: &str, p: &str) -> String {
        format!("({col})::jsonb ? {p}")
    }
    fn ilike(col: &str, p: &str) -> String {
        format!("{col} ILIKE {p} ESCAPE '\\'")
    }
    fn case_insensitive_regex(re: &str) -> String {
        re.to_string()
    }
    fn json_text(col: &str, p: &str) -> String {
        format!("(({col})::jsonb #>> ({p})::text[])")
    }
    fn json_path(keys: &[&str]) -> String {
        let quoted: Vec<String> =
            keys.iter().map(|k| format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))).collect();
        format!("{{{}}}", quoted.join(","))
    }
    fn numeric_or_null(expr: &str) -> String {
        format!("(CASE WHEN {expr} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' THEN ({expr})::float8 END)")
    }
    fn skip_locked() -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }
}

impl_sql_store!(PgStore, sqlx::Postgres, PgDialect, "postgres");
