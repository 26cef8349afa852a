//! The SQL both engines share. Each statement is written once, with `$N`
//! placeholders (which SQLite and PostgreSQL both accept), as an [`Sql`]
//! value: text plus binds. [`Db`] runs it on whichever engine the store was
//! opened on, decoding rows with each engine's own sqlx types; what differs
//! between the two dialects goes through [`Dialect`]. One file per noun
//! implements that noun's store trait for [`SqlStore`].
//!
//! Why not sqlx's `Any` driver (a spike reading sqlx 0.8.6's source, not a
//! benchmark): its SQLite options are rebuilt from the URL alone
//! (`TryFrom<&AnyConnectOptions> for SqliteConnectOptions`), and the URL
//! has no parameter for `register_regexp_function`, so the `REGEXP` that
//! name searches use would be missing; `busy_timeout`, WAL and
//! `synchronous` would have to be re-issued as SQL in `after_connect`;
//! values are limited to nine kinds (null, bool, integers, floats, text,
//! blob: no JSON or UUID), and every row is copied into an `AnyRow` before
//! it is decoded, on the ingest path too. It would also hide which engine a
//! query runs on from the few statements that need to know. The enum here
//! keeps the typed pools and costs one `match` per statement.

mod events;
mod models;
mod projects;
mod queues;
mod settings;
mod task_query;
mod tasks;
mod users;
mod workers;

use super::TagFilter;
use crate::error::{AppError, AppResult};
use futures::stream::{BoxStream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Encode, FromRow, PgPool, SqlitePool, Type};
use std::borrow::Cow;

/// What differs between the SQL of the two engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A condition: column `col` matches the regex in placeholder `p`, ignoring case.
    pub fn regex_match(self, col: &str, p: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{col} REGEXP {p}"),
            Dialect::Postgres => format!("{col} ~* {p}"),
        }
    }

    /// The regex as this engine wants it (SQLite's REGEXP is case-sensitive).
    pub fn case_insensitive_regex(self, re: &str) -> String {
        match self {
            Dialect::Sqlite => format!("(?i){re}"),
            Dialect::Postgres => re.to_string(),
        }
    }

    /// A condition: the JSON array in text column `col` contains the string in `p`.
    pub fn json_array_contains(self, col: &str, p: &str) -> String {
        match self {
            Dialect::Sqlite => format!("EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = {p})"),
            Dialect::Postgres => format!("({col})::jsonb ? {p}"),
        }
    }

    /// A `FROM` item: the strings of the JSON array in text column `col`,
    /// one row each, as `alias.value`.
    pub fn json_array_items(self, col: &str, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each({col}) AS {alias}"),
            Dialect::Postgres => format!("jsonb_array_elements_text(({col})::jsonb) AS {alias}(value)"),
        }
    }

    /// A condition: `col` contains the LIKE pattern `p`, ignoring case.
    pub fn ilike(self, col: &str, p: &str) -> String {
        match self {
            // LIKE ignores ASCII case in SQLite.
            Dialect::Sqlite => format!("{col} LIKE {p} ESCAPE '\\'"),
            Dialect::Postgres => format!("{col} ILIKE {p} ESCAPE '\\'"),
        }
    }

    /// The text at a JSON path (bound as placeholder `p`, made by
    /// [`Dialect::json_path`]) inside text column `col`, or NULL.
    pub fn json_text(self, col: &str, p: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({col}, {p})"),
            Dialect::Postgres => format!("(({col})::jsonb #>> ({p})::text[])"),
        }
    }

    /// The bind value of a JSON path made of object keys.
    pub fn json_path(self, keys: &[&str]) -> String {
        match self {
            Dialect::Sqlite => {
                let quoted: Vec<String> = keys.iter().map(|k| format!("\"{}\"", k.replace('"', "\\\""))).collect();
                format!("$.{}", quoted.join("."))
            }
            Dialect::Postgres => {
                let quoted: Vec<String> =
                    keys.iter().map(|k| format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))).collect();
                format!("{{{}}}", quoted.join(","))
            }
        }
    }

    /// `expr` as a number when it reads as one, else NULL (never an error).
    pub fn numeric_or_null(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "(CASE WHEN trim({expr}) <> '' AND NOT ({expr} GLOB '*[^0-9.eE+ -]*') THEN CAST({expr} AS REAL) END)"
            ),
            Dialect::Postgres => format!(
                "(CASE WHEN {expr} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' \
                 THEN ({expr})::float8 END)"
            ),
        }
    }

    /// What a row-picking subquery appends so that concurrent pickers each
    /// get another row (PostgreSQL); empty where writers are serialized (SQLite).
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Float(f64),
    Blob(Vec<u8>),
}

impl From<&str> for Bind {
    fn from(v: &str) -> Bind {
        Bind::Text(Some(v.to_string()))
    }
}
impl From<String> for Bind {
    fn from(v: String) -> Bind {
        Bind::Text(Some(v))
    }
}
impl From<&String> for Bind {
    fn from(v: &String) -> Bind {
        Bind::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Bind {
    fn from(v: Option<String>) -> Bind {
        Bind::Text(v)
    }
}
impl From<&Option<String>> for Bind {
    fn from(v: &Option<String>) -> Bind {
        Bind::Text(v.clone())
    }
}
impl From<i64> for Bind {
    fn from(v: i64) -> Bind {
        Bind::Int(Some(v))
    }
}
impl From<Option<i64>> for Bind {
    fn from(v: Option<i64>) -> Bind {
        Bind::Int(v)
    }
}
impl From<bool> for Bind {
    fn from(v: bool) -> Bind {
        Bind::Int(Some(i64::from(v)))
    }
}
impl From<f64> for Bind {
    fn from(v: f64) -> Bind {
        Bind::Float(v)
    }
}
impl From<Vec<u8>> for Bind {
    fn from(v: Vec<u8>) -> Bind {
        Bind::Blob(v)
    }
}

/// A statement and its binds. Fixed statements are written with their
/// placeholders and [`Sql::bind`]; statements put together from a filter
/// take their placeholders from [`Sql::param`], which numbers them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    text: Cow<'static, str>,
    binds: Vec<Bind>,
}

impl Sql {
    /// A statement.
    pub fn new(text: impl Into<Cow<'static, str>>) -> Sql {
        Sql { text: text.into(), binds: Vec::new() }
    }

    /// No text yet: binds first, through [`Sql::param`], then [`Sql::with_text`].
    pub fn params() -> Sql {
        Sql::default()
    }

    /// Binds the next placeholder.
    pub fn bind(mut self, v: impl Into<Bind>) -> Sql {
        self.binds.push(v.into());
        self
    }

    /// Adds a bind and answers its placeholder (`$3`).
    pub fn param(&mut self, v: impl Into<Bind>) -> String {
        self.binds.push(v.into());
        format!("${}", self.binds.len())
    }

    /// `col IN ($a, $b, …)` (or `NOT IN`) for text values.
    pub fn in_list(&mut self, col: &str, values: &[String], negate: bool) -> String {
        let ps: Vec<String> = values.iter().map(|v| self.param(v)).collect();
        format!("{col} {}IN ({})", if negate { "NOT " } else { "" }, ps.join(", "))
    }

    /// These binds with `text` as the statement.
    pub fn with_text(mut self, text: impl Into<Cow<'static, str>>) -> Sql {
        self.text = text.into();
        self
    }

    /// The first `n` binds only (for a count that shares a page's conditions).
    pub fn truncated(&self, n: usize) -> Sql {
        Sql { text: self.text.clone(), binds: self.binds[..n.min(self.binds.len())].to_vec() }
    }

    /// How many binds there are.
    pub fn bind_count(&self) -> usize {
        self.binds.len()
    }
}

/// A row type both engines can decode.
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>;
type QueryAs<'q, DB, T> = sqlx::query::QueryAs<'q, DB, T, <DB as Database>::Arguments<'q>>;

/// The bound query of `q` for engine `DB`.
fn query<'q, DB: Database>(q: &'q Sql) -> Query<'q, DB>
where
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    f64: Encode<'q, DB> + Type<DB>,
    &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    let mut query = sqlx::query::<DB>(q.text.as_ref());
    for b in &q.binds {
        query = match b {
            Bind::Text(v) => query.bind(v.as_deref()),
            Bind::Int(v) => query.bind(*v),
            Bind::Float(v) => query.bind(*v),
            Bind::Blob(v) => query.bind(v.as_slice()),
        };
    }
    query
}

/// Like [`query`], decoding rows as `T`.
fn query_as<'q, DB: Database, T>(q: &'q Sql) -> QueryAs<'q, DB, T>
where
    T: for<'r> FromRow<'r, DB::Row>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    f64: Encode<'q, DB> + Type<DB>,
    &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    let mut query = sqlx::query_as::<DB, T>(q.text.as_ref());
    for b in &q.binds {
        query = match b {
            Bind::Text(v) => query.bind(v.as_deref()),
            Bind::Int(v) => query.bind(*v),
            Bind::Float(v) => query.bind(*v),
            Bind::Blob(v) => query.bind(v.as_slice()),
        };
    }
    query
}

/// A connection pool of either engine.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection taken from a [`Db`] (returned to the pool on drop).
pub enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// An open transaction: rolled back on drop unless committed.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Where statements run: a connection, or the connection of a transaction.
pub enum Exec<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

impl Db {
    /// The engine's dialect.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A connection of the pool.
    pub async fn acquire(&self) -> AppResult<Conn> {
        Ok(match self {
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A new transaction.
    pub async fn begin(&self) -> AppResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Runs one statement; answers the rows it changed.
    pub async fn execute(&self, q: &Sql) -> AppResult<u64> {
        self.acquire().await?.exec().execute(q).await
    }

    /// Every row of a query.
    pub async fn fetch_all<T: Record>(&self, q: &Sql) -> AppResult<Vec<T>> {
        self.acquire().await?.exec().fetch_all(q).await
    }

    /// The first row of a query, if any.
    pub async fn fetch_optional<T: Record>(&self, q: &Sql) -> AppResult<Option<T>> {
        self.acquire().await?.exec().fetch_optional(q).await
    }

    /// The one row of a query; an internal error when there is none.
    pub async fn fetch_one<T: Record>(&self, q: &Sql) -> AppResult<T> {
        self.acquire().await?.exec().fetch_one(q).await
    }
}

impl Conn {
    /// Where statements on this connection run.
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Conn::Sqlite(c) => Exec::Sqlite(c),
            Conn::Postgres(c) => Exec::Postgres(c),
        }
    }
}

impl Tx {
    /// Where statements in this transaction run.
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::Sqlite(t),
            Tx::Postgres(t) => Exec::Postgres(t),
        }
    }

    /// Commits.
    pub async fn commit(self) -> AppResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Exec<'_> {
    /// Runs one statement; answers the rows it changed.
    pub async fn execute(&mut self, q: &Sql) -> AppResult<u64> {
        Ok(match self {
            Exec::Sqlite(c) => query(q).execute(&mut **c).await?.rows_affected(),
            Exec::Postgres(c) => query(q).execute(&mut **c).await?.rows_affected(),
        })
    }

    /// Every row of a query.
    pub async fn fetch_all<T: Record>(&mut self, q: &Sql) -> AppResult<Vec<T>> {
        Ok(match self {
            Exec::Sqlite(c) => query_as(q).fetch_all(&mut **c).await?,
            Exec::Postgres(c) => query_as(q).fetch_all(&mut **c).await?,
        })
    }

    /// The first row of a query, if any.
    pub async fn fetch_optional<T: Record>(&mut self, q: &Sql) -> AppResult<Option<T>> {
        Ok(match self {
            Exec::Sqlite(c) => query_as(q).fetch_optional(&mut **c).await?,
            Exec::Postgres(c) => query_as(q).fetch_optional(&mut **c).await?,
        })
    }

    /// The one row of a query; an internal error when there is none.
    pub async fn fetch_one<T: Record>(&mut self, q: &Sql) -> AppResult<T> {
        self.fetch_optional(q).await?.ok_or_else(|| {
            tracing::error!(sql = %q.text, "a query that always answers a row answered none");
            AppError::Internal
        })
    }

    /// The rows of a query as they arrive, without holding them all.
    pub fn fetch<'e, T: Record + 'e>(&'e mut self, q: &'e Sql) -> BoxStream<'e, AppResult<T>> {
        match self {
            Exec::Sqlite(c) => query_as(q).fetch(&mut **c).map(|r| r.map_err(AppError::from)).boxed(),
            Exec::Postgres(c) => query_as(q).fetch(&mut **c).map(|r| r.map_err(AppError::from)).boxed(),
        }
    }
}

/// The store of both engines: the SQL of the noun files on a [`Db`].
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
}

impl SqlStore {
    /// Sets the `public` flag of rows of `table` (tasks, models, projects).
    pub(super) async fn set_public(&self, table: &str, ids: &[String], public: bool) -> AppResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut q = Sql::params();
        let flag = q.param(i64::from(public));
        let cond = q.in_list("id", ids, false);
        self.db.execute(&q.with_text(format!("UPDATE {table} SET public = {flag} WHERE {cond}"))).await
    }

    /// A store on an opened (and migrated) pool.
    pub fn new(db: Db) -> SqlStore {
        SqlStore { db }
    }
}

impl super::Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// A value as the text of a JSON column.
pub(super) fn to_json<T: Serialize>(v: &T) -> String {
    // Serializing maps of strings and JSON values cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A JSON column's value; a column that does not parse reads as the
/// default, and is logged.
pub(super) fn from_json<T: DeserializeOwned + Default>(text: &str, what: &str, id: &str) -> T {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(%id, field = what, error = %e, "unreadable JSON column; using an empty value");
            T::default()
        }
    }
}

/// `" WHERE a AND b"`, or nothing for no conditions.
pub(super) fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

/// The conditions tasks and models share: ids, projects and a name regex.
pub(super) fn base_conditions(
    d: Dialect,
    q: &mut Sql,
    ids: &[String],
    projects: &[String],
    name_regex: Option<&str>,
) -> Vec<String> {
    let mut conds = Vec::new();
    if !ids.is_empty() {
        conds.push(q.in_list("id", ids, false));
    }
    if !projects.is_empty() {
        conds.push(q.in_list("project", projects, false));
    }
    if let Some(re) = name_regex {
        let p = q.param(d.case_insensitive_regex(re));
        conds.push(d.regex_match("name", &p));
    }
    conds
}

/// The SQL of one tag condition (any / all / none) on a JSON-array column.
pub(super) fn tag_condition(d: Dialect, q: &mut Sql, col: &str, f: &TagFilter, out: &mut Vec<String>) {
    if !f.any.is_empty() {
        let ors: Vec<String> = f.any.iter().map(|t| d.json_array_contains(col, &q.param(t))).collect();
        out.push(format!("({})", ors.join(" OR ")));
    }
    for t in &f.all {
        let p = q.param(t);
        out.push(d.json_array_contains(col, &p));
    }
    for t in &f.none {
        let p = q.param(t);
        out.push(format!("NOT {}", d.json_array_contains(col, &p)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_bind_order() {
        let mut q = Sql::params();
        let a = q.param("x");
        let list = q.in_list("id", &["p".into(), "q".into()], true);
        assert_eq!((a.as_str(), list.as_str()), ("$1", "id NOT IN ($2, $3)"));
        let q = q.with_text(format!("SELECT 1 WHERE name = {a} AND {list}"));
        assert_eq!(q.bind_count(), 3);
        assert_eq!(q.truncated(1).bind_count(), 1);
    }

    #[test]
    fn dialects_differ_only_where_they_must() {
        assert_eq!(Dialect::Sqlite.json_path(&["Args", "lr"]), "$.\"Args\".\"lr\"");
        assert_eq!(Dialect::Postgres.json_path(&["Args", "lr"]), "{\"Args\",\"lr\"}");
        assert_eq!(Dialect::Sqlite.skip_locked(), "");
        assert!(Dialect::Postgres.regex_match("name", "$1").contains("~*"));
    }
}
