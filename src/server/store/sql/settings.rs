//! Server-wide settings and API key pairs.

use super::{Sql, SqlStore};
use crate::error::AppResult;
use crate::server::store::{Credential, SettingsStore};
use async_trait::async_trait;

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
            Sql::new("SELECT access_key, secret_hash, salt, created, user_id FROM credentials WHERE access_key = $1")
                .bind(access_key);
        let row: Option<(String, String, String, i64, Option<String>)> = self.db.fetch_optional(&q).await?;
        Ok(row.map(|(access_key, secret_hash, salt, created, user)| Credential {
            access_key,
            secret_hash,
            salt,
            created,
            user,
        }))
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
