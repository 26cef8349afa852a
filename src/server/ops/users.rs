//! Accounts: the first admin, users and their roles, and who a token
//! speaks for. Managing users needs [`Access::Admin`]; reading them does not.

use crate::error::{AppError, AppResult, AuthFailure, Noun};
use crate::model::user::{check_login, check_password};
use crate::model::user::{ApiKey, NewApiKey};
use crate::model::{Access, Actor, Role, User};
use crate::server::auth::{self, Identity};
use crate::server::clock::{new_id, now_ms};
use crate::server::state::AppState;
use crate::server::store::Store;

/// The login of the admin made on the first start.
pub const FIRST_ADMIN: &str = "admin";

/// What a new account needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    /// Empty: the login.
    pub display_name: String,
    pub role: Role,
    /// `None`: one is generated (and answered once).
    pub password: Option<String>,
}

/// The password to set: the one given (checked), or a generated one, which
/// is also answered so that it can be shown once.
fn chosen_or_generated(password: Option<&str>) -> AppResult<(String, Option<String>)> {
    match password {
        Some(p) => {
            check_password(p).map_err(AppError::invalid)?;
            Ok((p.to_string(), None))
        }
        None => {
            let p = auth::generate_password();
            Ok((p.clone(), Some(p)))
        }
    }
}

/// Makes a user in `store`; answers it and the password when one was
/// generated. Used by [`create`] and at start-up, before there is anyone
/// to ask.
async fn insert(store: &dyn Store, new: &NewUser) -> AppResult<(User, Option<String>)> {
    let login = check_login(&new.login).map_err(AppError::invalid)?;
    let (password, generated) = chosen_or_generated(new.password.as_deref())?;
    if store.find_user(&login).await?.is_some() {
        return Err(AppError::duplicate(Noun::User, &login));
    }
    let display_name = match new.display_name.trim() {
        "" => login.clone(),
        name => name.to_string(),
    };
    let user = User { id: new_id(), login, display_name, role: new.role, disabled: false, created: now_ms() };
    store.insert_user(&user, &auth::hash_password(&password).await?).await?;
    Ok((user, generated))
}

/// On a database without users: makes the first admin, with `password`
/// or a generated one, and gives it every key pair that has no user.
/// Answers the admin's id, and the admin and its generated password when
/// it was made just now.
pub async fn ensure_first_admin(
    store: &dyn Store,
    password: Option<&str>,
) -> AppResult<(String, Option<(User, Option<String>)>)> {
    let made = if store.count_users().await? == 0 {
        let new = NewUser {
            login: FIRST_ADMIN.into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            password: password.map(str::to_string),
        };
        Some(insert(store, &new).await?)
    } else {
        None
    };
    let admin = match &made {
        Some((u, _)) => u.id.clone(),
        None => {
            let users = store.list_users().await?;
            let first = users.iter().filter(|u| u.role == Role::Admin).min_by_key(|u| u.created);
            first.or(users.first()).map(|u| u.id.clone()).ok_or(AppError::Internal)?
        }
    };
    store.adopt_credentials(&admin).await?;
    Ok((admin, made))
}

/// Who a verified token (or a checked key pair) speaks for, if its key
/// still exists and its user is not disabled (401/31 otherwise). Checked on
/// every call, from the database or from what it said within
/// [`auth::STANDING_TTL_MS`], so a revoked key or a disabled user stops
/// working at once on this process and within that time on any other.
pub async fn actor_for(state: &AppState, id: &Identity, worker: Option<String>) -> AppResult<Actor> {
    let blocked = |why: &str| AppError::unauthorized(AuthFailure::Blocked, format!("token is blocked: {why}"));
    if let Some(s) = state.auth.standing(&id.key).filter(|s| s.user == id.user) {
        return Ok(Actor::api(s.user, s.role, worker));
    }
    if id.key.is_empty() {
        return Err(blocked("its API key was revoked"));
    }
    let owner = state.store.key_owner(&id.key).await?.ok_or_else(|| blocked("its API key was revoked"))?;
    if owner.id != id.user {
        return Err(blocked("its API key belongs to another user"));
    }
    if owner.disabled {
        return Err(blocked("its user is disabled"));
    }
    state.auth.remember(&id.key, &owner.id, owner.role);
    Ok(Actor::api(owner.id, owner.role, worker))
}

/// Forgets the standing of a key or of a user's keys here, and tells
/// every other server process on the database to.
async fn forget(state: &AppState, key: Option<&str>, user: Option<&str>) -> AppResult<()> {
    state.auth.forget(key, user);
    if let Some(k) = key {
        state.store.announce_auth_change(&format!("key:{k}")).await?;
    }
    if let Some(u) = user {
        state.store.announce_auth_change(&format!("user:{u}")).await?;
    }
    Ok(())
}

/// Listens for the auth changes of other server processes (PostgreSQL)
/// until the server stops.
pub async fn follow_auth_changes(state: AppState) {
    use futures::StreamExt;
    match state.store.auth_changes().await {
        Ok(Some(mut changes)) => {
            while let Some(what) = changes.next().await {
                state.auth.forget_announced(&what);
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "cannot listen for other processes' auth changes"),
    }
}

/// Revokes an API key: its owner or an admin may. Its tokens stop working
/// at once on this process (within [`auth::STANDING_TTL_MS`] on others).
pub async fn revoke_key(state: &AppState, actor: &Actor, access_key: &str) -> AppResult<()> {
    let cred = state.store.get_credential(access_key).await?;
    let owner = cred.as_ref().and_then(|c| c.user.as_deref());
    if owner != Some(actor.user.as_str()) {
        actor.require(Access::Admin)?;
    }
    if cred.is_none() || !state.store.delete_credential(access_key).await? {
        return Err(AppError::invalid(format!("there is no API key {access_key}")));
    }
    forget(state, Some(access_key), None).await
}

/// One user.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<User> {
    state.store.get_user(id).await?.ok_or_else(|| AppError::not_found(Noun::User, id))
}

/// Every user, by login.
pub async fn list(state: &AppState, _actor: &Actor) -> AppResult<Vec<User>> {
    state.store.list_users().await
}

/// The display names of the users among `ids`, by id (unknown ids are
/// left out). One query, whatever the number of ids.
pub async fn display_names(state: &AppState, ids: &[&str]) -> AppResult<std::collections::BTreeMap<String, String>> {
    let users = state.store.list_users().await?;
    Ok(users.into_iter().filter(|u| ids.contains(&u.id.as_str())).map(|u| (u.id, u.display_name)).collect())
}

/// The user making the request.
pub async fn current(state: &AppState, actor: &Actor) -> AppResult<User> {
    get(state, actor, &actor.user).await
}

/// Makes an account (admins only); answers it and a generated password.
pub async fn create(state: &AppState, actor: &Actor, new: &NewUser) -> AppResult<(User, Option<String>)> {
    actor.require(Access::Admin)?;
    insert(state.store.as_ref(), new).await
}

/// The user with this login.
pub async fn by_login(state: &AppState, _actor: &Actor, login: &str) -> AppResult<User> {
    let login = login.trim().to_ascii_lowercase();
    state.store.find_user(&login).await?.map(|(u, _)| u).ok_or_else(|| AppError::not_found(Noun::User, login))
}

/// What an admin changes about a user; `None` leaves it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes a user (admins only). The last enabled admin cannot be demoted
/// or disabled, so the server always has someone who can manage it.
pub async fn update(state: &AppState, actor: &Actor, id: &str, change: &UserChange) -> AppResult<User> {
    actor.require(Access::Admin)?;
    let mut user = get(state, actor, id).await?;
    if let Some(name) = &change.display_name {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("a display name must not be empty"));
        }
        user.display_name = name.to_string();
    }
    let was_admin = user.role == Role::Admin && !user.disabled;
    user.role = change.role.unwrap_or(user.role);
    user.disabled = change.disabled.unwrap_or(user.disabled);
    if was_admin && (user.role != Role::Admin || user.disabled) {
        let admins = state.store.list_users().await?.iter().filter(|u| u.role == Role::Admin && !u.disabled).count();
        if admins <= 1 {
            return Err(AppError::invalid(format!("{} is the last admin: make another admin first", user.login)));
        }
    }
    state.store.update_user(&user).await?;
    forget(state, None, Some(&user.id)).await?;
    if user.disabled {
        super::sessions::end_all(state, &user.id).await?;
    }
    Ok(user)
}

/// Sets a user's password: admins for anyone, others for themselves.
/// `None` generates one, answered once.
pub async fn set_password(
    state: &AppState,
    actor: &Actor,
    id: &str,
    password: Option<&str>,
) -> AppResult<Option<String>> {
    if actor.user != id {
        actor.require(Access::Admin)?;
    }
    let user = get(state, actor, id).await?;
    let (password, generated) = chosen_or_generated(password)?;
    state.store.set_password_hash(&user.id, &auth::hash_password(&password).await?).await?;
    // Whoever knew the old password is signed out.
    super::sessions::end_all(state, &user.id).await?;
    Ok(generated)
}

/// A new API key pair for the actor. The secret is answered this once;
/// only its hash is stored.
pub async fn create_key(state: &AppState, actor: &Actor) -> AppResult<NewApiKey> {
    let kp = auth::Auth::generate_key_pair();
    auth::Auth::put_key_pair(state.store.as_ref(), &kp.access_key, &kp.secret_key, &actor.user, false).await?;
    let config = &state.config;
    Ok(NewApiKey {
        access_key: kp.access_key,
        secret_key: kp.secret_key,
        api_url: config.api_url(),
        web_url: config.web_url(),
        files_url: config.files_url(),
    })
}

/// The actor's API keys, or with `everyone` (admins only) every key.
pub async fn keys(state: &AppState, actor: &Actor, everyone: bool) -> AppResult<Vec<ApiKey>> {
    if everyone {
        actor.require(Access::Admin)?;
    }
    let creds = state.store.list_credentials(if everyone { None } else { Some(&actor.user) }).await?;
    Ok(creds
        .into_iter()
        .map(|c| ApiKey {
            access_key: c.access_key,
            user: c.user.unwrap_or_default(),
            created: c.created,
            last_used: c.last_used,
        })
        .collect())
}

/// Changes the actor's own password, given the current one (a wrong one
/// is a 400). Every session of theirs ends.
pub async fn change_own_password(state: &AppState, actor: &Actor, current: &str, new: &str) -> AppResult<()> {
    let user = get(state, actor, &actor.user).await?;
    let (_, hash) =
        state.store.find_user(&user.login).await?.ok_or_else(|| AppError::not_found(Noun::User, &user.id))?;
    if !auth::verify_password(&hash, current).await? {
        return Err(AppError::invalid("the current password is wrong"));
    }
    check_password(new).map_err(AppError::invalid)?;
    set_password(state, actor, &user.id, Some(new)).await.map(|_| ())
}
