//! Server functions behind the web UI, one file per noun. They are thin:
//! fetch the state, check the input, call the store, map errors.

pub mod actions;
pub mod compare;
pub mod drafts;
pub mod events;
pub mod projects;
pub mod queues;
pub mod table;
pub mod tasks;

#[cfg(feature = "ssr")]
use leptos::prelude::*;

/// The server state, from the request context.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::server::state::AppState, ServerFnError> {
    use_context::<crate::server::state::AppState>().ok_or_else(|| ServerFnError::new("server state is missing"))
}

/// An application error as the browser sees it.
#[cfg(feature = "ssr")]
pub(crate) fn to_client(e: crate::error::AppError) -> ServerFnError {
    ServerFnError::new(e.to_string())
}

/// Calls a ClearML endpoint as the web user, so the UI gets the API's checks
/// and its message on error.
#[cfg(feature = "ssr")]
pub(crate) async fn call(name: &str, body: serde_json::Value) -> Result<serde_json::Value, ServerFnError> {
    let st = state()?;
    crate::server::clearml::call(&st, actions::WEB_USER, name, body).await.map_err(|e| ServerFnError::new(e.msg))
}
