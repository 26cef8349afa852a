//! Failed logins, counted per access key: after [`MAX_FAILURES`] within
//! [`WINDOW_MS`], further attempts for that key are refused (429) until the
//! window ends, right secret or not, so a key's secret cannot be guessed
//! online. Counted in memory, per server process.

use crate::error::{AppError, AppResult};
use crate::server::clock::now_ms;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures that lock a key for the rest of its window.
pub const MAX_FAILURES: u32 = 10;

/// How long failures are remembered: 10 minutes.
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// Keys tracked at most; beyond it, the oldest windows are forgotten first.
const MAX_TRACKED: usize = 10_000;

/// Failure counts per key: (failures, when the window started).
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl Throttle {
    fn with_map<T>(&self, f: impl FnOnce(&mut HashMap<String, (u32, i64)>) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut map)
    }

    /// Refuses an attempt for `key` while it is locked.
    pub fn check(&self, key: &str) -> AppResult<()> {
        let now = now_ms();
        self.with_map(|m| match m.get(key) {
            Some(&(n, start)) if n >= MAX_FAILURES && now < start + WINDOW_MS => {
                Err(AppError::TooManyAttempts { retry_after_secs: (start + WINDOW_MS - now + 999) / 1000 })
            }
            _ => Ok(()),
        })
    }

    /// Counts a failed attempt for `key`.
    pub fn failed(&self, key: &str) {
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
    pub fn succeeded(&self, key: &str) {
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
}
