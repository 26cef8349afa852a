//! Time and identifiers.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A new id: 32 lowercase hex characters, like ClearML's.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// An epoch-ms time as ClearML's ISO-8601 form (`2026-11-21T05:37:44.607000+00:00`).
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_look_like_clearml_ones() {
        assert_eq!(iso(1_795_239_072_130), "2026-11-21T05:31:12.130000+00:00");
        assert_eq!(new_id().len(), 32);
    }
}
