//! Failed sign-ins, counted per name (an access key, an account) and per
//! address: after [`MAX_FAILURES`] (per address [`MAX_ADDRESS_FAILURES`])
//! within [`WINDOW_MS`], further attempts are refused (429) until the window
//! ends, right secret or not, so a secret cannot be guessed online. Counted
//! in memory, per server process.

use crate::error::{AppError, AppResult, AuthFailure};
use crate::server::clock::now_ms;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures that lock a key for the rest of its window.
pub const MAX_FAILURES: u32 = 10;

/// Failures from one address (over every name) that lock it: higher, as a
/// team may share one address behind a NAT.
pub const MAX_ADDRESS_FAILURES: u32 = 50;

/// How long failures are remembered: 10 minutes.
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// Keys tracked at most; beyond it, the oldest windows are forgotten first.
const MAX_TRACKED: usize = 10_000;

/// Failure counts per key: (failures, when the window started).
#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl Default for Throttle {
    /// A throttle of [`MAX_FAILURES`].
    fn default() -> Throttle {
        Throttle::with_limit(MAX_FAILURES)
    }
}

/// The throttles of every way to sign in.
#[derive(Debug)]
pub struct SignInThrottles {
    /// Per access key (the API) and per account (the dashboard).
    pub names: Throttle,
    /// Per client address, over every name.
    pub addresses: Throttle,
}

impl Default for SignInThrottles {
    fn default() -> SignInThrottles {
        SignInThrottles { names: Throttle::default(), addresses: Throttle::with_limit(MAX_ADDRESS_FAILURES) }
    }
}

/// The address an attempt is counted under: none for a loopback address,
/// which is this machine's own clients or a reverse proxy in front of every
/// client (locking it would lock everyone out; the per-name limit still
/// holds).
fn counted(address: Option<std::net::IpAddr>) -> Option<String> {
    address.filter(|a| !a.is_loopback()).map(|a| a.to_string())
}

impl SignInThrottles {
    /// Runs one sign-in attempt for `name` from `address`: refused (429)
    /// while either is locked; an answer of invalid credentials counts as a
    /// failure, a success forgets the name's failures. Every way to sign in
    /// (the dashboard's form, the API's key pairs) goes through here.
    pub async fn attempt<T>(
        &self,
        name: &str,
        address: Option<std::net::IpAddr>,
        attempt: impl std::future::Future<Output = AppResult<T>>,
    ) -> AppResult<T> {
        self.check(name, address)?;
        let result = attempt.await;
        match &result {
            Ok(_) => self.succeeded(name),
            Err(AppError::Unauthorized { failure: AuthFailure::Invalid, .. }) => self.failed(name, address),
            Err(_) => {}
        }
        result
    }

    /// Refuses an attempt for `name` from `address` while either is locked.
    fn check(&self, name: &str, address: Option<std::net::IpAddr>) -> AppResult<()> {
        self.names.check(name)?;
        match counted(address) {
            Some(a) => self.addresses.check(&a),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt for `name` from `address`.
    fn failed(&self, name: &str, address: Option<std::net::IpAddr>) {
        self.names.failed(name);
        if let Some(a) = counted(address) {
            self.addresses.failed(&a);
        }
    }

    /// Forgets the failures of `name` after it signed in (not those of the
    /// address, which may have tried other names).
    fn succeeded(&self, name: &str) {
        self.names.succeeded(name);
    }
}

impl Throttle {
    /// A throttle that locks a key after `limit` failures in a window.
    pub fn with_limit(limit: u32) -> Throttle {
        Throttle { limit, failures: Mutex::default() }
    }

    fn with_map<T>(&self, f: impl FnOnce(&mut HashMap<String, (u32, i64)>) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut map)
    }

    /// Refuses an attempt for `key` while it is locked.
    fn check(&self, key: &str) -> AppResult<()> {
        let now = now_ms();
        self.with_map(|m| match m.get(key) {
            Some(&(n, start)) if n >= self.limit && now < start + WINDOW_MS => {
                Err(AppError::TooManyAttempts { retry_after_secs: (start + WINDOW_MS - now + 999) / 1000 })
            }
            _ => Ok(()),
        })
    }

    /// Counts a failed attempt for `key`.
    fn failed(&self, key: &str) {
        let now = now_ms();
        self.with_map(|m| {
            if m.len() >= MAX_TRACKED && !m.contains_key(key) {
                m.retain(|_, &mut (_, start)| now < start + WINDOW_MS);
                if m.len() >= MAX_TRACKED {
                    if let Some(oldest) = m.iter().min_by_key(|(_, &(_, start))| start).map(|(k, _)| k.clone()) {
                        m.remove(&oldest);
                    }
                }
            }
            let entry = m.entry(key.to_string()).or_insert((0, now));
            if now >= entry.1 + WINDOW_MS {
                *entry = (0, now);
            }
            entry.0 += 1;
        });
    }

    /// Forgets the failures of `key` after a successful attempt.
    fn succeeded(&self, key: &str) {
        self.with_map(|m| m.remove(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_locks_after_too_many_failures_and_others_do_not() {
        let t = Throttle::default();
        for _ in 0..MAX_FAILURES - 1 {
            t.failed("K");
        }
        assert!(t.check("K").is_ok());
        t.failed("K");
        let e = t.check("K").unwrap_err();
        assert_eq!(e.status(), 429);
        assert!(t.check("OTHER").is_ok());
        t.succeeded("K");
        assert!(t.check("K").is_ok());
    }

    #[test]
    fn an_address_locks_over_every_name() {
        let t = SignInThrottles::default();
        let here: std::net::IpAddr = [10, 0, 0, 1].into();
        for i in 0..MAX_ADDRESS_FAILURES {
            t.failed(&format!("name{i}"), Some(here));
        }
        assert_eq!(t.check("fresh", Some(here)).map_err(|e| e.status()), Err(429));
        assert!(t.check("fresh", Some([10, 0, 0, 2].into())).is_ok());
        assert!(t.check("fresh", None).is_ok());
        let local: std::net::IpAddr = [127, 0, 0, 1].into();
        for i in 0..MAX_ADDRESS_FAILURES {
            t.failed(&format!("local{i}"), Some(local));
        }
        assert!(t.check("fresh", Some(local)).is_ok(), "loopback is never locked as an address");
    }
}
