//! Live updates by polling: while a view shows something that changes by
//! itself (a running or queued task), it refetches every [`POLL_MS`].
//!
//! Polling rather than server-sent events: it needs no fan-out between
//! several server processes on one PostgreSQL, holds no connection open per
//! tab, and one indexed query every few seconds costs the server little.

use leptos::prelude::*;

/// How often a live view refetches, in milliseconds.
pub const POLL_MS: u64 = 3_000;

/// Calls `refresh` every [`POLL_MS`] while `active` is true and the user is
/// not typing in a form field (a refetch redraws the view). Client only.
pub fn poll_while(active: impl Fn() -> bool + Send + Sync + 'static, refresh: impl Fn() + Send + Sync + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::leptos_dom::helpers::set_interval_with_handle;
        let tick = move || {
            if untrack(&active) && !typing() {
                refresh();
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(POLL_MS)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (active, refresh);
}

/// Whether the focus is in a text field, a menu or a dialog is open.
#[cfg(feature = "hydrate")]
fn typing() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return false };
    let open_menu = doc.query_selector("details[open], [role=dialog]").ok().flatten().is_some();
    let field =
        doc.active_element().map(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")).unwrap_or(false);
    open_menu || field
}

/// What a browser-only `LocalResource` holds, read only once the page runs
/// in the browser: `None` while the server renders and until hydration.
/// Read on the server inside a `Transition`, such a resource (which never
/// resolves there) makes leptos give up on the `Transition` and leave its
/// whole content out of the page.
pub fn browser_only<T: Clone + 'static>(resource: LocalResource<T>) -> Option<T> {
    if super::time::in_browser() {
        resource.get()
    } else {
        None
    }
}
