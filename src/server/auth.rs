//! Passwords, API keys and login tokens.
//!
//! Clients log in with an access key and secret (HTTP Basic) and get a JWT
//! (HS256, through the `jsonwebtoken` crate). The signing key is derived
//! from a secret kept outside the database (`LABBOOK_TOKEN_SECRET`, or the
//! key file `token.key` in the data directory) and a random value kept in
//! it, so a copied database alone cannot mint tokens. ClearML's
//! clients decode the token without checking it, but the server does check it
//! on every call, and also that its key still exists and its user is not
//! disabled. A token lives at most [`MAX_TOKEN_SECS`], and a token can only
//! be exchanged for one that expires no later.
//!
//! What a person chooses (passwords, an operator's `LABBOOK_SECRET_KEY`) is
//! hashed with argon2id. Generated secrets (160 random bits) keep a salted
//! SHA-256: guessing them is hopeless anyway, and a slow hash would only slow
//! down every client login.

use crate::error::{AppError, AppResult, AuthFailure};
use crate::server::clock::{new_id, now_ms};
use crate::server::store::{Credential, SettingsStore};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

type HmacSha256 = Hmac<Sha256>;

/// The API level Labbook reports (clearml-api.md §3).
pub const API_VERSION: &str = "2.31";
/// The server version Labbook reports.
pub const SERVER_VERSION: &str = "2.0.0";
/// Default token lifetime: 30 days.
pub const DEFAULT_TOKEN_SECS: i64 = 30 * 24 * 3600;

/// The longest a token lives, whatever `expiration_sec` asks: 30 days.
pub const MAX_TOKEN_SECS: i64 = 30 * 24 * 3600;

/// The one answer to an unknown key, a wrong secret and a disabled user's
/// key, so that a caller cannot tell which it was.
pub const INVALID_CREDENTIALS: &str = "invalid credentials: unknown access key or wrong secret key";

/// The `salt` column of a credential whose hash is an argon2id PHC string.
const ARGON2_SALT: &str = "argon2id";

/// Issues and checks tokens.
#[derive(Clone)]
pub struct Auth {
    key: Vec<u8>,
    /// Keys recently found in good standing.
    standing: Arc<Mutex<HashMap<String, Standing>>>,
}

/// How long a key found in good standing is trusted without asking the
/// database again. A change made through this process (revoking a key,
/// disabling a user, a new role) takes effect at once; one made by another
/// process on the same database (a second server, `labbook user`) within
/// this time.
pub const STANDING_TTL_MS: i64 = 1_000;

/// Keys remembered at most.
const MAX_STANDING: usize = 10_000;

/// A key in good standing: its user and role, and when that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub user: String,
    pub role: crate::model::Role,
    read_at: i64,
}

/// Whom a key pair or a token speaks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The user id.
    pub user: String,
    pub company: String,
    /// The access key the token was issued for (empty in tokens from
    /// before accounts, which then expire on their own).
    #[serde(default)]
    pub key: String,
}

/// A verified token: whom it speaks for and when it expires (epoch s).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub identity: Identity,
    pub expires: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    identity: Identity,
    exp: i64,
}

/// A freshly generated key pair (the secret is shown once).
pub struct NewKeyPair {
    pub access_key: String,
    pub secret_key: String,
}

/// The company id every Labbook user belongs to (one team per server).
pub const COMPANY: &str = "labbook";

/// 64 random hex characters (244 bits from the OS's generator): session
/// tokens, token secrets, generated secrets and passwords are cut from it.
pub fn random_secret() -> String {
    format!("{}{}", new_id(), new_id())
}

/// The SHA-256 of `data`, in lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_secret(salt: &str, secret: &str) -> String {
    sha256_hex(format!("{salt}:{secret}").as_bytes())
}

/// Runs argon2 (tens of milliseconds of CPU) off the async threads.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::Internal
    })
}

/// Hashes something a person chose (a password, an operator's secret) with
/// argon2id and a random salt, as a PHC string.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    off_thread(move || hash_password_now(&password)).await?
}

/// Whether `password` matches an argon2 PHC string made by [`hash_password`].
pub async fn verify_password(hash: &str, password: &str) -> AppResult<bool> {
    let (hash, password) = (hash.to_string(), password.to_string());
    off_thread(move || verify_password_now(&hash, &password)).await
}

/// [`hash_password`] on the calling thread.
fn hash_password_now(password: &str) -> AppResult<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "cannot hash a password");
        AppError::Internal
    })
}

/// [`verify_password`] on the calling thread.
fn verify_password_now(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A password for a new account or a reset: 24 characters, about 140 bits.
pub fn generate_password() -> String {
    random_secret()[..24].to_string()
}

/// The token secret in `path`, or a new random one written there (mode
/// 0600) when the file does not exist.
fn read_or_make_key_file(path: &Path) -> AppResult<String> {
    let failed = |what: &str, e: std::io::Error| {
        tracing::error!(path = %path.display(), error = %e, "cannot {what} the token key file");
        AppError::Internal
    };
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Ok(_) => Err(failed("use", std::io::Error::other("the file is empty"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let secret = random_secret();
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| failed("create", e))?;
            f.write_all(secret.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| failed("write", e))?;
            Ok(secret)
        }
        Err(e) => Err(failed("read", e)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth {
    /// Derives the signing key from `secret` (the configured token secret,
    /// else the key file, made on first start) and the random value stored
    /// in the database (made on first start too).
    pub async fn load(store: &dyn SettingsStore, secret: Option<&str>, key_file: &Path) -> AppResult<Auth> {
        let stored = store.init_setting("jwt_signing_key", &random_secret()).await?;
        let secret = match secret {
            Some(s) if !s.trim().is_empty() => s.to_string(),
            _ => read_or_make_key_file(key_file)?,
        };
        let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| AppError::Internal)?;
        mac.update(stored.as_bytes());
        Ok(Auth { key: mac.finalize().into_bytes().to_vec(), standing: Arc::default() })
    }

    /// Stores a key pair for `user`, hashing the secret: with argon2id when
    /// a person `chose` it, else with salted SHA-256 (a generated secret).
    pub async fn put_key_pair(
        store: &dyn SettingsStore,
        access_key: &str,
        secret: &str,
        user: &str,
        chose: bool,
    ) -> AppResult<()> {
        if access_key.trim().is_empty() || secret.len() < 8 {
            return Err(AppError::invalid(
                "an access key must not be empty and a secret key needs at least 8 characters",
            ));
        }
        let (salt, secret_hash) = if chose {
            (ARGON2_SALT.to_string(), hash_password(secret).await?)
        } else {
            let salt = new_id();
            let hash = hash_secret(&salt, secret);
            (salt, hash)
        };
        store
            .put_credential(&Credential {
                access_key: access_key.to_string(),
                secret_hash,
                salt,
                created: now_ms(),
                user: Some(user.to_string()),
                last_used: None,
            })
            .await
    }

    fn with_standing<T>(&self, f: impl FnOnce(&mut HashMap<String, Standing>) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update.
        f(&mut self.standing.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The remembered standing of `access_key`, if read within
    /// [`STANDING_TTL_MS`].
    pub fn standing(&self, access_key: &str) -> Option<Standing> {
        let now = now_ms();
        self.with_standing(|m| m.get(access_key).filter(|s| now - s.read_at < STANDING_TTL_MS).cloned())
    }

    /// Remembers that `access_key` belongs to `user`, who has `role`.
    pub fn remember(&self, access_key: &str, user: &str, role: crate::model::Role) {
        let now = now_ms();
        self.with_standing(|m| {
            if m.len() >= MAX_STANDING {
                m.retain(|_, s| now - s.read_at < STANDING_TTL_MS);
            }
            m.insert(access_key.to_string(), Standing { user: user.to_string(), role, read_at: now });
        });
    }

    /// Forgets a key (revoked), or every key of a user (disabled, new role).
    pub fn forget(&self, access_key: Option<&str>, user: Option<&str>) {
        self.with_standing(|m| {
            if let Some(k) = access_key {
                m.remove(k);
            }
            if let Some(u) = user {
                m.retain(|_, s| s.user != u);
            }
        });
    }

    /// Forgets what another process announced changed (see
    /// [`SettingsStore::announce_auth_change`]).
    pub fn forget_announced(&self, what: &str) {
        match what.split_once(':') {
            Some(("key", k)) => self.forget(Some(k), None),
            Some(("user", u)) => self.forget(None, Some(u)),
            _ => self.with_standing(HashMap::clear),
        }
    }

    /// Makes a new random key pair (access key: 20 upper-case hex
    /// characters; secret: 48 characters).
    pub fn generate_key_pair() -> NewKeyPair {
        let a = new_id().to_ascii_uppercase();
        NewKeyPair { access_key: a[..20].to_string(), secret_key: random_secret()[..48].to_string() }
    }

    /// The access key of a `Basic base64(key:secret)` value, if readable.
    pub fn basic_key(header_value: &str) -> Option<String> {
        let decoded = STANDARD.decode(header_value.trim()).ok().and_then(|b| String::from_utf8(b).ok())?;
        decoded.split_once(':').map(|(key, _)| key.to_string())
    }

    /// Checks `Basic base64(key:secret)` and returns the identity.
    pub async fn check_basic(store: &dyn SettingsStore, header_value: &str) -> AppResult<Identity> {
        let encoded = header_value.trim();
        let decoded = STANDARD.decode(encoded).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| {
            AppError::unauthorized(AuthFailure::Malformed, "bad credentials: malformed Basic authorization")
        })?;
        let (key, secret) = decoded
            .split_once(':')
            .ok_or_else(|| AppError::unauthorized(AuthFailure::Malformed, "bad credentials: expected key:secret"))?;
        // One answer for an unknown key and a wrong secret.
        let refused = || AppError::unauthorized(AuthFailure::Invalid, INVALID_CREDENTIALS);
        let cred = store.get_credential(key).await?.ok_or_else(refused)?;
        let matches = if cred.salt == ARGON2_SALT {
            verify_password(&cred.secret_hash, secret).await?
        } else {
            constant_time_eq(hash_secret(&cred.salt, secret).as_bytes(), cred.secret_hash.as_bytes())
        };
        let user = cred.user.filter(|_| matches).ok_or_else(refused)?;
        Ok(Identity { user, company: COMPANY.into(), key: cred.access_key })
    }

    /// Issues a token for `identity` valid for `ttl_secs` (at least a
    /// minute, at most [`MAX_TOKEN_SECS`], never past `not_after` when given),
    /// with the claims ClearML's clients read (clearml-api.md §2).
    pub fn issue(&self, identity: &Identity, role: &str, ttl_secs: i64, not_after: Option<i64>) -> String {
        let now = now_ms() / 1000;
        let mut exp = now + ttl_secs.clamp(60, MAX_TOKEN_SECS);
        if let Some(limit) = not_after {
            exp = exp.min(limit);
        }
        let claims = json!({
            "identity": {
                "user": identity.user, "company": identity.company, "role": role,
                "user_name": identity.user, "company_name": "Labbook", "key": identity.key,
            },
            "env": "labbook",
            "api_version": API_VERSION,
            "server_version": SERVER_VERSION,
            "server_build": env!("CARGO_PKG_VERSION"),
            "feature_set": "basic",
            "iat": now,
            "exp": exp,
            "session_id": new_id(),
        });
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        // Encoding JSON claims with an HMAC key cannot fail; if it did, an
        // empty token would be refused by every check.
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&self.key)).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot sign a token");
            String::new()
        })
    }

    /// Verifies a token's signature and expiry (not yet whether its key
    /// and user are still in good standing: [`crate::server::ops::users`]).
    pub fn verify(&self, token: &str) -> AppResult<Verified> {
        use jsonwebtoken::errors::ErrorKind;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        let key = jsonwebtoken::DecodingKey::from_secret(&self.key);
        let claims = jsonwebtoken::decode::<Claims>(token.trim(), &key, &validation).map_err(|e| {
            let why = match e.kind() {
                ErrorKind::ExpiredSignature => "expired",
                ErrorKind::InvalidSignature => "signature mismatch",
                _ => "malformed",
            };
            AppError::unauthorized(AuthFailure::BadToken, format!("invalid token: {why}"))
        })?;
        Ok(Verified { identity: claims.claims.identity, expires: claims.claims.exp })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_tampering_is_caught() {
        let auth = Auth { key: b"k".to_vec(), standing: Arc::default() };
        let id = Identity { user: "u".into(), company: "c".into(), key: "K".into() };
        let t = auth.issue(&id, "user", 3600, None);
        assert_eq!(auth.verify(&t).unwrap().identity, id);
        let other = Auth { key: b"other".to_vec(), standing: Arc::default() };
        assert!(other.verify(&t).is_err());
        assert!(auth.verify("abc").is_err());
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"identity":{"user":"x","company":"c"},"exp":9999999999}"#);
        parts[1] = &forged;
        assert!(auth.verify(&parts.join(".")).is_err());
    }

    #[test]
    fn lifetimes_are_capped_and_never_extended() {
        let auth = Auth { key: b"k".to_vec(), standing: Arc::default() };
        let id = Identity { user: "u".into(), company: "c".into(), key: "K".into() };
        let now = now_ms() / 1000;
        let long = auth.verify(&auth.issue(&id, "user", 100 * 365 * 86_400, None)).unwrap();
        assert!(long.expires <= now + MAX_TOKEN_SECS + 1, "capped at {MAX_TOKEN_SECS} s");
        let renewed = auth.verify(&auth.issue(&id, "user", MAX_TOKEN_SECS, Some(now + 600))).unwrap();
        assert!(renewed.expires <= now + 600, "a renewal ends no later than the token it renews");
    }

    #[test]
    fn secrets_hash_with_salt() {
        assert_ne!(hash_secret("a", "s"), hash_secret("b", "s"));
        assert_eq!(hash_secret("a", "s"), hash_secret("a", "s"));
        let phc = hash_password_now("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password_now(&phc, "correct horse") && !verify_password_now(&phc, "wrong horse"));
        let kp = Auth::generate_key_pair();
        assert_eq!(kp.access_key.len(), 20);
        assert_eq!(kp.secret_key.len(), 48);
    }
}
