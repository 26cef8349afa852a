//! Labbook: a self-hosted, ClearML-compatible experiment manager.
//!
//! One crate, two builds: with `ssr` it is the server (`labbook serve`: the
//! web app, the ClearML REST API and the fileserver, and `labbook agent`, a
//! queue worker); with `hydrate` it is
//! the WASM that makes the server-rendered pages interactive.

// The experiments table view is a deep type for the hydrate build's layout queries.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod agent;
pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for tests and tools: the page is interactive from here on.
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
