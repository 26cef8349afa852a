//! API keys and login tokens.
//!
//! Clients log in with an access key and secret (HTTP Basic) and get a JWT
//! (HS256, signed with a random server key kept in the database). ClearML's
//! clients decode the token without checking it, but the server does check it
//! on every call. Secrets are stored as salted SHA-256: they are generated
//! (160 random bits) or given by an operator, never chosen by end users, so a
//! slow password hash would only make every client login slower.

use crate::error::{AppError, AppResult, AuthFailure};
use crate::server::clock::{new_id, now_ms};
use crate::server::store::{Credential, SettingsStore};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The API level Labbook reports (clearml-api.md §3).
pub const API_VERSION: &str = "2.31";
/// The server version Labbook reports.
pub const SERVER_VERSION: &str = "2.0.0";
/// Default token lifetime: 30 days.
pub const DEFAULT_TOKEN_SECS: i64 = 30 * 24 * 3600;

/// Issues and checks tokens.
#[derive(Clone)]
pub struct Auth {
    key: Vec<u8>,
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub user: String,
    pub company: String,
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

fn hash_secret(salt: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(secret.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user id tokens carry for an access key.
pub fn user_for(access_key: &str) -> String {
    format!("user-{}", access_key.to_ascii_lowercase())
}

impl Auth {
    /// Loads the signing key from the store, creating it on first start.
    pub async fn load(store: &dyn SettingsStore) -> AppResult<Auth> {
        let fresh = format!("{}{}", new_id(), new_id());
        let key = store.init_setting("jwt_signing_key", &fresh).await?;
        Ok(Auth { key: key.into_bytes() })
    }

    /// Stores a key pair (hashing the secret).
    pub async fn put_key_pair(store: &dyn SettingsStore, access_key: &str, secret: &str) -> AppResult<()> {
        if access_key.trim().is_empty() || secret.len() < 8 {
            return Err(AppError::invalid(
                "an access key must not be empty and a secret key needs at least 8 characters",
            ));
        }
        let salt = new_id();
        store
            .put_credential(&Credential {
                access_key: access_key.to_string(),
                secret_hash: hash_secret(&salt, secret),
                salt,
                created: now_ms(),
            })
            .await
    }

    /// Makes a new random key pair (access key: 20 upper-case hex
    /// characters; secret: 48 characters).
    pub fn generate_key_pair() -> NewKeyPair {
        let a = new_id().to_ascii_uppercase();
        let s = format!("{}{}", new_id(), new_id());
        NewKeyPair { access_key: a[..20].to_string(), secret_key: s[..48].to_string() }
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
        let cred = store
            .get_credential(key)
            .await?
            .ok_or_else(|| AppError::unauthorized(AuthFailure::Invalid, "invalid credentials: unknown access key"))?;
        if !constant_time_eq(hash_secret(&cred.salt, secret).as_bytes(), cred.secret_hash.as_bytes()) {
            return Err(AppError::unauthorized(AuthFailure::Invalid, "invalid credentials: wrong secret key"));
        }
        Ok(Identity { user: user_for(key), company: COMPANY.into() })
    }

    fn sign(&self, data: &str) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail; if it did, an
        // empty signature would make every check fail closed.
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(data.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Issues a token for `identity` valid for `ttl_secs`, with the claims
    /// ClearML's clients read (clearml-api.md §2).
    pub fn issue(&self, identity: &Identity, ttl_secs: i64) -> String {
        let now = now_ms() / 1000;
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({
            "identity": {
                "user": identity.user, "company": identity.company, "role": "user",
                "user_name": identity.user, "company_name": "Labbook",
            },
            "env": "labbook",
            "api_version": API_VERSION,
            "server_version": SERVER_VERSION,
            "server_build": env!("CARGO_PKG_VERSION"),
            "feature_set": "basic",
            "iat": now,
            "exp": now + ttl_secs.max(60),
            "session_id": new_id(),
        });
        let data =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let sig = URL_SAFE_NO_PAD.encode(self.sign(&data));
        format!("{data}.{sig}")
    }

    /// Verifies a token's signature and expiry.
    pub fn verify(&self, token: &str) -> AppResult<Identity> {
        let bad = |why: &str| AppError::unauthorized(AuthFailure::BadToken, format!("invalid token: {why}"));
        let (data, sig) = token.trim().rsplit_once('.').ok_or_else(|| bad("malformed"))?;
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| bad("malformed signature"))?;
        if sig.is_empty() || !constant_time_eq(&self.sign(data), &sig) {
            return Err(bad("signature mismatch"));
        }
        let (_, payload) = data.split_once('.').ok_or_else(|| bad("malformed"))?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| bad("malformed payload"))?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| bad("malformed claims"))?;
        if claims.exp <= now_ms() / 1000 {
            return Err(bad("expired"));
        }
        Ok(claims.identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_tampering_is_caught() {
        let auth = Auth { key: b"k".to_vec() };
        let id = Identity { user: "u".into(), company: "c".into() };
        let t = auth.issue(&id, 3600);
        assert_eq!(auth.verify(&t).unwrap(), id);
        let other = Auth { key: b"other".to_vec() };
        assert!(other.verify(&t).is_err());
        assert!(auth.verify("abc").is_err());
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"identity":{"user":"x","company":"c"},"exp":9999999999}"#);
        parts[1] = &forged;
        assert!(auth.verify(&parts.join(".")).is_err());
    }

    #[test]
    fn secrets_hash_with_salt() {
        assert_ne!(hash_secret("a", "s"), hash_secret("b", "s"));
        assert_eq!(hash_secret("a", "s"), hash_secret("a", "s"));
        let kp = Auth::generate_key_pair();
        assert_eq!(kp.access_key.len(), 20);
        assert_eq!(kp.secret_key.len(), 48);
    }
}
