//! Dashboard sign-in: a login name and password for a session token, kept
//! in a cookie. Only the token's SHA-256 is stored; a session lasts
//! [`SESSION_SECS`] at most, ends at sign-out, and ends with every other
//! session of its user on "sign out everywhere", a password change or when
//! the user is disabled.

use crate::error::{AppError, AppResult, AuthFailure};
use crate::model::{Actor, User};
use crate::server::auth;
use crate::server::clock::now_ms;
use crate::server::state::AppState;
use crate::server::store::Session;
use std::net::IpAddr;
use tokio::sync::OnceCell;

/// How long a session lasts: 14 days.
pub const SESSION_SECS: i64 = 14 * 24 * 3600;

/// The one answer to an unknown login, a wrong password and a disabled
/// account.
pub const INVALID_SIGN_IN: &str = "unknown user or wrong password";

/// A session just made: its user, and the token for the cookie (not
/// stored anywhere but there).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
}

/// The SHA-256 of a session token, as stored.
fn token_hash(token: &str) -> String {
    auth::sha256_hex(token.as_bytes())
}

/// A hash to verify against when the login is unknown, so that an unknown
/// login takes as long as a wrong password.
async fn decoy_hash() -> AppResult<&'static str> {
    static DECOY: OnceCell<String> = OnceCell::const_new();
    DECOY.get_or_try_init(|| auth::hash_password("decoy password for unknown logins")).await.map(String::as_str)
}

/// Checks a login and password and opens a session. Failures are counted
/// per account and per `address`; one message answers them all.
pub async fn sign_in(state: &AppState, login: &str, password: &str, address: Option<IpAddr>) -> AppResult<SignedIn> {
    let login = login.trim().to_ascii_lowercase();
    let check = async {
        let found = state.store.find_user(&login).await?;
        let (hash, user) = match found {
            Some((user, hash)) => (hash, Some(user)),
            None => (decoy_hash().await?.to_string(), None),
        };
        let matches = auth::verify_password(&hash, password).await?;
        user.filter(|u| matches && !u.disabled)
            .ok_or_else(|| AppError::unauthorized(AuthFailure::Invalid, INVALID_SIGN_IN))
    };
    let user = state.login_throttle.attempt(&format!("user:{login}"), address, check).await?;
    let token = auth::random_secret();
    let now = now_ms();
    let expires = now + SESSION_SECS * 1000;
    let session = Session { token_hash: token_hash(&token), user: user.id.clone(), created: now, expires };
    state.store.insert_session(&session).await?;
    Ok(SignedIn { user, token })
}

/// The person a session token belongs to: `None` for an unknown or
/// expired session, or a disabled user.
pub async fn resolve(state: &AppState, token: &str) -> AppResult<Option<User>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let found = state.store.session_user(&token_hash(token), now_ms()).await?;
    Ok(found.filter(|u| !u.disabled))
}

/// Ends the session of `token` (nothing if it has ended already).
pub async fn sign_out(state: &AppState, token: &str) -> AppResult<()> {
    state.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// Ends every session of the actor; answers how many.
pub async fn sign_out_everywhere(state: &AppState, actor: &Actor) -> AppResult<u64> {
    state.store.delete_user_sessions(&actor.user, now_ms()).await
}

/// Ends every session of `user` (a new password, disabled).
pub(crate) async fn end_all(state: &AppState, user: &str) -> AppResult<u64> {
    state.store.delete_user_sessions(user, now_ms()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_only_as_hashes() {
        let h = token_hash("abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, "abc");
        assert_eq!(h, token_hash("abc"));
    }
}
