//! Server-wide settings and API key pairs.

use super::{Db, Sql, SqlStore};
use crate::error::AppResult;
use crate::server::store::{Credential, SettingsStore};
use async_trait::async_trait;

/// The NOTIFY channel of auth changes.
const AUTH_CHANNEL: &str = "labbook_auth";

/// The columns of a credential, in [`CredentialRow`]'s order.
const CREDENTIAL_COLUMNS: &str = "access_key, secret_hash, salt, created, user_id, last_used";

/// A `credentials` row.
#[derive(sqlx::FromRow)]
struct CredentialRow {
    access_key: String,
    secret_hash: String,
    salt: String,
    created: i64,
    user_id: Option<String>,
    last_used: Option<i64>,
}

impl CredentialRow {
    fn into_credential(self) -> Credential {
        Credential {
            access_key: self.access_key,
            secret_hash: self.secret_hash,
            salt: self.salt,
            created: self.created,
            user: self.user_id,
            last_used: self.last_used,
        }
    }
}

#[async_trait]
impl SettingsStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn get_setting(&self, key: &str) -> AppResult<Option<String>> {
        let q = Sql::new("SELECT value FROM settings WHERE key = $1").bind(key);
        Ok(self.db.fetch_optional::<(String,)>(&q).await?.map(|r| r.0))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn init_setting(&self, key: &str, value: &str) -> AppResult<String> {
        let insert = Sql::new("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value);
        self.db.execute(&insert).await?;
        let q = Sql::new("SELECT value FROM settings WHERE key = $1").bind(key);
        Ok(self.db.fetch_one::<(String,)>(&q).await?.0)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_credentials(&self) -> AppResult<i64> {
        Ok(self.db.fetch_one::<(i64,)>(&Sql::new("SELECT COUNT(*) FROM credentials")).await?.0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(access_key = %cred.access_key))]
    async fn put_credential(&self, cred: &Credential) -> AppResult<()> {
        let q = Sql::new(
            "INSERT INTO credentials (access_key, secret_hash, salt, created, user_id) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (access_key) DO UPDATE SET secret_hash = excluded.secret_hash, salt = excluded.salt, \
             user_id = excluded.user_id",
        )
        .bind(&cred.access_key)
        .bind(&cred.secret_hash)
        .bind(&cred.salt)
        .bind(cred.created)
        .bind(&cred.user);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(access_key = %access_key))]
    async fn get_credential(&self, access_key: &str) -> AppResult<Option<Credential>> {
        let q =
            Sql::new(format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE access_key = $1")).bind(access_key);
        Ok(self.db.fetch_optional::<CredentialRow>(&q).await?.map(CredentialRow::into_credential))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_credentials(&self, user: Option<&str>) -> AppResult<Vec<Credential>> {
        let q = match user {
            Some(u) => Sql::new(format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE user_id = $1 ORDER BY created, access_key"
            ))
            .bind(u),
            None => Sql::new(format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials ORDER BY created, access_key")),
        };
        Ok(self.db.fetch_all::<CredentialRow>(&q).await?.into_iter().map(CredentialRow::into_credential).collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn announce_auth_change(&self, what: &str) -> AppResult<()> {
        if let Db::Postgres(pool) = &self.db {
            sqlx::query("SELECT pg_notify($1, $2)").bind(AUTH_CHANNEL).bind(what).execute(pool).await?;
        }
        Ok(())
    }

    async fn auth_changes(&self) -> AppResult<Option<futures::stream::BoxStream<'static, String>>> {
        use futures::StreamExt;
        let Db::Postgres(pool) = &self.db else { return Ok(None) };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(AUTH_CHANNEL).await?;
        // The listener reconnects by itself; what was sent meanwhile is lost,
        // so an error means "forget everything".
        let stream = listener.into_stream().map(|n| match n {
            Ok(n) => n.payload().to_string(),
            Err(e) => {
                tracing::warn!(error = %e, "lost the auth-change listener; reconnecting");
                "*".to_string()
            }
        });
        Ok(Some(stream.boxed()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(access_key = %access_key))]
    async fn touch_credential(&self, access_key: &str, at: i64) -> AppResult<()> {
        let q = Sql::new("UPDATE credentials SET last_used = $1 WHERE access_key = $2").bind(at).bind(access_key);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(access_key = %access_key))]
    async fn delete_credential(&self, access_key: &str) -> AppResult<bool> {
        Ok(self.db.execute(&Sql::new("DELETE FROM credentials WHERE access_key = $1").bind(access_key)).await? > 0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn adopt_credentials(&self, user: &str) -> AppResult<u64> {
        self.db.execute(&Sql::new("UPDATE credentials SET user_id = $1 WHERE user_id IS NULL").bind(user)).await
    }
}
