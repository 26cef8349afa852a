//! Times as the reader's clock shows them.
//!
//! The server renders times in UTC, labelled so; once the page has hydrated
//! ([`provide_client_clock`]) they switch to the browser's time zone, with
//! the UTC offset in the tooltip. Recent times can read relatively ("5 min
//! ago"), the exact time in the tooltip.

use crate::model::format::{fmt_relative, fmt_time};
use leptos::prelude::*;

/// Whether the page runs in the browser yet (after hydration): until then
/// times render as the server did, so hydration matches.
#[derive(Debug, Clone, Copy)]
pub struct ClientClock(RwSignal<bool>);

/// Provides the [`ClientClock`]; it turns on once the app has hydrated.
pub fn provide_client_clock() {
    let on = RwSignal::new(false);
    provide_context(ClientClock(on));
    Effect::new(move |_| on.set(true));
}

/// Whether the page runs in the browser yet (after hydration); never on the
/// server.
pub fn in_browser() -> bool {
    use_context::<ClientClock>().is_some_and(|c| c.0.get())
}

/// The browser's UTC offset at `ms`, in minutes east of UTC.
#[cfg(feature = "hydrate")]
fn offset_minutes(ms: i64) -> i32 {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    -(d.get_timezone_offset() as i32)
}

/// `ms` in the browser's zone as `format` writes it, and its offset label
/// (`UTC+09:00`).
fn local_as(ms: i64, format: &str) -> (String, String) {
    #[cfg(feature = "hydrate")]
    {
        let off = offset_minutes(ms);
        if let Some(zone) = chrono::FixedOffset::east_opt(off * 60) {
            if let Some(t) = chrono::DateTime::from_timestamp_millis(ms) {
                let label =
                    format!("UTC{}{:02}:{:02}", if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60);
                return (t.with_timezone(&zone).format(format).to_string(), label);
            }
        }
    }
    let utc = chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format(format).to_string()).unwrap_or_default();
    (utc, "UTC".into())
}

/// `ms` in the browser's zone, to the second, and its offset label.
fn local(ms: i64) -> (String, String) {
    local_as(ms, "%Y-%m-%d %H:%M:%S")
}

/// `ms` as the reader's clock shows it (`2026-12-04 09:30:00`): in the
/// browser's zone once in the browser, else UTC; what a chart's time axis
/// is given, since plotly.js reads epoch numbers as UTC.
pub fn clock_text(ms: i64) -> String {
    local(ms).0
}

/// Like [`clock_text`], to the millisecond (`2026-12-04 09:30:00.125`), for
/// axes whose points can be less than a second apart.
pub fn clock_text_ms(ms: i64) -> String {
    local_as(ms, "%Y-%m-%d %H:%M:%S%.3f").0
}

/// The reader's zone at `ms` (`UTC+09:00`; `UTC` on the server).
pub fn zone_label(ms: i64) -> String {
    local(ms).1
}

/// Now, in epoch ms.
fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default()
    }
}

/// A time (`None` shows a dash): UTC from the server, the browser's zone
/// once hydrated; `relative` reads "5 min ago" with the exact time as its
/// tooltip.
#[component]
pub fn Time(ms: Option<i64>, #[prop(optional)] relative: bool) -> impl IntoView {
    let Some(ms) = ms else { return view! { <span>"—"</span> }.into_any() };
    let iso = chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default();
    let exact = move || {
        if in_browser() {
            let (text, zone) = local(ms);
            format!("{text} {zone}")
        } else {
            format!("{} UTC", fmt_time(ms))
        }
    };
    let text = move || if relative { fmt_relative(ms, now_ms()) } else { exact() };
    view! { <time datetime=iso title=exact>{text}</time> }.into_any()
}
