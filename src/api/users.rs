//! Accounts for the Settings and Users pages: who is signed in, their API
//! keys, their password, and (admins) everyone's accounts and keys.

use crate::error::AppError;
use crate::model::user::{ApiKey, NewApiKey};
use crate::model::{Role, User};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The signed-in person's API keys, or with `everyone` (admins) all keys.
#[server(prefix = "/rpc", endpoint = "my_keys", input = Json)]
pub async fn my_keys(everyone: bool) -> Result<Vec<ApiKey>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::keys(&st, &actor, everyone).await)
}

/// A new API key pair for the signed-in person; the secret is in the
/// answer this once.
#[server(prefix = "/rpc", endpoint = "create_key")]
pub async fn create_key() -> Result<NewApiKey, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::create_key(&st, &actor).await)
}

/// Revokes an API key (one's own; admins any).
#[server(prefix = "/rpc", endpoint = "revoke_key", input = Json)]
pub async fn revoke_key(access_key: String) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::revoke_key(&st, &actor, &access_key).await)
}

/// Changes the signed-in person's password, given the current one; every
/// session of theirs ends.
#[server(prefix = "/rpc", endpoint = "change_password", input = Json)]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::change_own_password(&st, &actor, &current, &new).await)
}

/// Every account (for the Users page).
#[server(prefix = "/rpc", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<User>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::list(&st, &actor).await)
}

/// Makes an account (admins); answers it and its one-time password.
#[server(prefix = "/rpc", endpoint = "add_user", input = Json)]
pub async fn add_user(login: String, display_name: String, role: Role) -> Result<(User, String), AppError> {
    let (st, actor) = super::context()?;
    let new = crate::server::ops::users::NewUser { login, display_name, role, password: None };
    super::answer(crate::server::ops::users::create(&st, &actor, &new).await.map(|(u, p)| (u, p.unwrap_or_default())))
}

/// Changes an account's display name, role or disabled flag (admins).
#[server(prefix = "/rpc", endpoint = "update_user", input = Json)]
pub async fn update_user(
    id: String,
    display_name: Option<String>,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<User, AppError> {
    let (st, actor) = super::context()?;
    let change = crate::server::ops::users::UserChange { display_name, role, disabled };
    super::answer(crate::server::ops::users::update(&st, &actor, &id, &change).await)
}

/// Gives an account a new generated password (admins); answers it once.
#[server(prefix = "/rpc", endpoint = "reset_password", input = Json)]
pub async fn reset_password(id: String) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::users::set_password(&st, &actor, &id, None).await.map(|p| p.unwrap_or_default()))
}
