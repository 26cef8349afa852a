//! Accounts: one row per user, the password only as a hash.

use super::{Sql, SqlStore};
use crate::error::AppResult;
use crate::model::{Role, User};
use crate::server::store::{Session, UserStore};
use async_trait::async_trait;

/// The columns of a user, in [`UserRow`]'s order.
const USER_COLUMNS: &str = "id, login, display_name, role, disabled, created";

/// A `users` row.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    login: String,
    display_name: String,
    role: String,
    disabled: i64,
    created: i64,
}

impl UserRow {
    /// The user; an unknown role in the database reads as the least one.
    fn into_user(self) -> User {
        let role = self.role.parse().unwrap_or_else(|e| {
            tracing::warn!(user = %self.id, error = %e, "unknown role stored; treating the user as a viewer");
            Role::Viewer
        });
        User {
            id: self.id,
            login: self.login,
            display_name: self.display_name,
            role,
            disabled: self.disabled != 0,
            created: self.created,
        }
    }
}

/// A `users` row with its password hash.
#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

/// [`USER_COLUMNS`] of the table aliased `alias`, for a join.
fn user_columns_of(alias: &str) -> String {
    USER_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

#[async_trait]
impl UserStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_users(&self) -> AppResult<i64> {
        Ok(self.db.fetch_one::<(i64,)>(&Sql::new("SELECT COUNT(*) FROM users")).await?.0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(login = %user.login))]
    async fn insert_user(&self, user: &User, password_hash: &str) -> AppResult<()> {
        let q = Sql::new(
            "INSERT INTO users (id, login, display_name, role, disabled, created, password_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.id)
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(i64::from(user.disabled))
        .bind(user.created)
        .bind(password_hash);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_user(&self, id: &str) -> AppResult<Option<User>> {
        let q = Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id);
        Ok(self.db.fetch_optional::<UserRow>(&q).await?.map(UserRow::into_user))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(login = %login))]
    async fn find_user(&self, login: &str) -> AppResult<Option<(User, String)>> {
        let q = Sql::new(format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE login = $1")).bind(login);
        Ok(self.db.fetch_optional::<UserWithHash>(&q).await?.map(|r| (r.user.into_user(), r.password_hash)))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_users(&self) -> AppResult<Vec<User>> {
        let q = Sql::new(format!("SELECT {USER_COLUMNS} FROM users ORDER BY login"));
        Ok(self.db.fetch_all::<UserRow>(&q).await?.into_iter().map(UserRow::into_user).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %user.id))]
    async fn update_user(&self, user: &User) -> AppResult<bool> {
        let q = Sql::new("UPDATE users SET display_name = $1, role = $2, disabled = $3 WHERE id = $4")
            .bind(&user.display_name)
            .bind(user.role.as_str())
            .bind(i64::from(user.disabled))
            .bind(&user.id);
        Ok(self.db.execute(&q).await? > 0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(access_key = %access_key))]
    async fn key_owner(&self, access_key: &str) -> AppResult<Option<User>> {
        let columns = user_columns_of("u");
        let q = Sql::new(format!(
            "SELECT {columns} FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.access_key = $1"
        ))
        .bind(access_key);
        Ok(self.db.fetch_optional::<UserRow>(&q).await?.map(UserRow::into_user))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn set_password_hash(&self, id: &str, hash: &str) -> AppResult<bool> {
        let q = Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(id);
        Ok(self.db.execute(&q).await? > 0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %session.user))]
    async fn insert_session(&self, session: &Session) -> AppResult<()> {
        let q = Sql::new("INSERT INTO sessions (token_hash, user_id, created, expires) VALUES ($1, $2, $3, $4)")
            .bind(&session.token_hash)
            .bind(&session.user)
            .bind(session.created)
            .bind(session.expires);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn session_user(&self, token_hash: &str, now: i64) -> AppResult<Option<User>> {
        let columns = user_columns_of("u");
        let q = Sql::new(format!(
            "SELECT {columns} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires > $2"
        ))
        .bind(token_hash)
        .bind(now);
        Ok(self.db.fetch_optional::<UserRow>(&q).await?.map(UserRow::into_user))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_session(&self, token_hash: &str) -> AppResult<bool> {
        Ok(self.db.execute(&Sql::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash)).await? > 0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn delete_user_sessions(&self, user: &str, now: i64) -> AppResult<u64> {
        self.db.execute(&Sql::new("DELETE FROM sessions WHERE expires <= $1").bind(now)).await?;
        self.db.execute(&Sql::new("DELETE FROM sessions WHERE user_id = $1").bind(user)).await
    }
}
