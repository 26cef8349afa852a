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

/// Epoch milliseconds of a client's time: RFC 3339 (`2026-11-21T05:31:12Z`,
/// with any offset), or without a zone (taken as UTC), or a bare date.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_look_like_clearml_ones() {
        assert_eq!(iso(1_795_239_072_130), "2026-11-21T05:31:12.130000+00:00");
        assert_eq!(new_id().len(), 32);
        assert_eq!(parse_time("2026-11-21T05:31:12.130000+00:00"), Some(1_795_239_072_130));
        assert_eq!(parse_time("2026-11-21T05:31:12.130"), Some(1_795_239_072_130));
        assert_eq!(parse_time("2026-11-21"), Some(1_795_219_200_000));
        assert_eq!(parse_time("yesterday"), None);
    }
}
