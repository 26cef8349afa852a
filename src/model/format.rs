//! Formatting of times and values for display.

/// An epoch-ms time as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn fmt_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// Like [`fmt_time`], with a dash for "never".
pub fn fmt_opt_time(ms: Option<i64>) -> String {
    ms.map(fmt_time).unwrap_or_else(|| "—".into())
}

/// How long before `now` the time `ms` was, in words a table can hold:
/// "just now", "5 min ago", "3 h ago", "2 days ago"; older than 30 days,
/// the date (UTC). A time ahead of `now` (clock skew) reads "just now".
pub fn fmt_relative(ms: i64, now: i64) -> String {
    let s = (now - ms).max(0) / 1000;
    match s {
        0..=44 => "just now".into(),
        45..=3_599 => format!("{} min ago", ((s + 30) / 60).max(1)),
        3_600..=86_399 => format!("{} h ago", s / 3600),
        86_400..=2_591_999 => {
            let d = s / 86_400;
            if d == 1 {
                "yesterday".into()
            } else {
                format!("{d} days ago")
            }
        }
        _ => fmt_time(ms).chars().take(10).collect(),
    }
}

/// A duration in ms as `1h 02m 03s`.
pub fn fmt_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// A metric value, short: up to 6 significant digits, scientific when tiny or huge.
pub fn fmt_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// One CSV field, quoted when it holds a comma, quote or line break. Text
/// a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return, and not a number) is defused with a leading
/// `'`, as OWASP advises against CSV injection; negative numbers stay numbers.
pub fn csv_field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    let s = if formula { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One CSV line of `fields` ([`csv_field`] each), ending in CRLF as RFC 4180 has it.
pub fn csv_line<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let mut line = fields.into_iter().map(|f| csv_field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        assert_eq!(fmt_time(0), "1970-01-01 00:00:00");
        assert_eq!(fmt_opt_time(None), "—");
        assert_eq!(fmt_duration(3_723_000), "1h 02m 03s");
        assert_eq!(fmt_duration(61_000), "1m 01s");
        assert_eq!(fmt_number(0.25), "0.25");
        assert_eq!(fmt_number(3.0), "3");
        assert_eq!(fmt_number(1.5e-7), "1.500e-7");
        let now = 1_800_000_000_000;
        assert_eq!(fmt_relative(now - 10_000, now), "just now");
        assert_eq!(fmt_relative(now + 10_000, now), "just now");
        assert_eq!(fmt_relative(now - 5 * 60_000, now), "5 min ago");
        assert_eq!(fmt_relative(now - 3 * 3_600_000, now), "3 h ago");
        assert_eq!(fmt_relative(now - 86_400_000, now), "yesterday");
        assert_eq!(fmt_relative(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(fmt_relative(0, now), "1970-01-01");
    }
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_field as field, csv_line};

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(field("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("+cmd"), "'+cmd");
        assert_eq!(field("-0.25"), "-0.25");
        assert_eq!(field("+3"), "+3");
        assert_eq!(field("-lr"), "'-lr");
    }

    #[test]
    fn a_line_joins_its_fields() {
        assert_eq!(csv_line(["a", "b,c", "=1+1"]), "a,\"b,c\",'=1+1\r\n");
    }
}
