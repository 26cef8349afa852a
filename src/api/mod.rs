//! Server functions behind the web UI, one file per noun. Each is a few
//! lines: who is asking, the use case in `server::ops`, its typed result.
//! Errors reach the browser whole ([`AppError`](crate::error::AppError)),
//! and a call over HTTP answers with the error's status.

pub mod events;
pub mod models;
pub mod projects;
pub mod queues;
pub mod reports;
pub mod tasks;

pub mod users;

/// The server state and who is asking, from the request context (a
/// viewer's call of a server function that changes something never gets
/// here: `server::web_auth::READ_RPCS`).
#[cfg(feature = "ssr")]
pub(crate) fn context() -> crate::error::AppResult<(crate::server::state::AppState, crate::model::Actor)> {
    let state = leptos::prelude::use_context::<crate::server::state::AppState>().ok_or_else(|| {
        tracing::error!("server function called without the server state");
        crate::error::AppError::Internal
    })?;
    // The web port's guard puts the signed-in person there; without one the
    // request never reaches a server function.
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>();
    let actor = parts.as_ref().and_then(|p| p.extensions.get::<crate::model::Actor>().cloned()).ok_or_else(|| {
        crate::error::AppError::unauthorized(crate::error::AuthFailure::Missing, "sign in first: this needs a session")
    })?;
    Ok((state, actor))
}

/// Sets the HTTP status of a server function's answer from its error, when
/// it was called over HTTP (`/rpc/…`); a page rendered on the server that
/// shows the error in place keeps its own status.
#[cfg(feature = "ssr")]
pub(crate) fn answer<T>(result: crate::error::AppResult<T>) -> crate::error::AppResult<T> {
    if let Err(e) = &result {
        let via_rpc = leptos::prelude::use_context::<axum::http::request::Parts>()
            .is_some_and(|p| p.uri.path().starts_with("/rpc/"));
        if via_rpc {
            if let (Some(res), Ok(status)) = (
                leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
                axum::http::StatusCode::from_u16(e.status()),
            ) {
                res.set_status(status);
            }
        }
    }
    result
}
