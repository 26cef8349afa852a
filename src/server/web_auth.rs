//! Who is asking on the web port, and what it refuses before any handler
//! runs ([`guard`]):
//!
//! - a `Host` header that does not name this server (DNS rebinding),
//! - a state-changing request (anything but GET, HEAD, OPTIONS) that is not
//!   same-origin: it must carry `Sec-Fetch-Site: same-origin` or an `Origin`
//!   equal to the server it was sent to; a request with neither is refused
//!   too, so a browser too old to send them cannot be used against it,
//! - anything but the sign-in page and the site's static files without a
//!   session: pages redirect to `/login`, server functions (`/rpc`),
//!   `/media` and `/export` answer 401.
//!
//! `/api` and `/files` do not read cookies: they need the API's Bearer token
//! and check it themselves. The session is a random token in an HttpOnly,
//! SameSite=Lax cookie (Secure over HTTPS), looked up on every request, so
//! signing out or disabling a user ends it at once on every process.

use crate::error::AppError;
use crate::model::{Access, Actor, User};
use crate::server::ops::sessions::{self, SESSION_SECS};
use crate::server::peer::PeerAddr;
use crate::server::state::AppState;
use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "labbook_session";

/// The server functions (`/rpc/<name>`) that only read. Every other one
/// changes something and needs [`Access::Write`]: a viewer's call is
/// refused here (403/21), before its arguments are even read, so one added
/// later is closed to viewers until it is listed (as `READ_ENDPOINTS` does
/// for the ClearML API).
pub const READ_RPCS: &[&str] = &[
    "list_tasks",
    "count_actions",
    "table_columns",
    "known_tags",
    "get_task",
    "task_models",
    "get_model",
    "list_models",
    "compare_tasks",
    "compare_plots",
    "compare_samples",
    "list_reports",
    "get_report",
    "preview_report",
    "report_widget",
    "task_console",
    "task_console_after",
    "task_scalars",
    "task_plots",
    "task_samples",
    "list_workers",
    "list_queue_views",
    "worker_charts",
    "queue_charts",
    "list_queues",
    "list_projects",
    "project_overview",
    "my_keys",
    "list_users",
];

/// The server functions of one's own account, open to every role: a
/// viewer makes and revokes their own API keys (to read through the SDK)
/// and changes their password.
pub const OWN_ACCOUNT_RPCS: &[&str] = &["create_key", "revoke_key", "change_password"];

/// Paths that need no session: signing in and out.
const OPEN_PATHS: &[&str] = &["/login", "/logout"];

/// Path prefixes that answer 401 rather than redirect without a session.
const DATA_PREFIXES: &[&str] = &["/rpc/", "/media/", "/export/"];

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// Whether the request reached us over HTTPS (directly, or through a proxy
/// that says so).
fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.tls_cert.is_some()
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// Whether a state-changing request comes from a page of this server.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value(header::HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin";
    }
    match (value(header::ORIGIN), value(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(scheme, authority)| {
            matches!(scheme, "http" | "https") && authority.eq_ignore_ascii_case(host)
        }),
        _ => false,
    }
}

/// Whether `path` is a file of the built site (scripts, styles, icons).
async fn is_site_file(state: &AppState, path: &str) -> bool {
    if path.starts_with("/pkg/") {
        return true;
    }
    let Ok(rel) = crate::server::files::safe_relative_path(path) else { return false };
    tokio::fs::metadata(state.config.site_root.join(rel)).await.is_ok_and(|m| m.is_file())
}

/// The refusal of a viewer's call of a server function that changes
/// something (see [`READ_RPCS`]), before its arguments are read.
fn rpc_refusal(actor: &Actor, path: &str) -> Option<Response> {
    let name = path.strip_prefix("/rpc/")?;
    if READ_RPCS.contains(&name) || OWN_ACCOUNT_RPCS.contains(&name) {
        return None;
    }
    let e = actor.require(Access::Write).err()?;
    let body = serde_json::to_string(&e).unwrap_or_default();
    Some((StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

/// The person a request's session cookie belongs to, if any.
pub async fn session_user(state: &AppState, headers: &HeaderMap) -> Result<Option<User>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    sessions::resolve(state, token).await
}

/// The middleware of the web port (see the module's docs). A signed-in
/// request carries its [`Actor`] and [`User`] in its extensions for the
/// handlers and pages.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    if let Some(host) = headers.get(header::HOST) {
        if !host.to_str().is_ok_and(|h| state.config.host_allowed(h)) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "unknown host name: add it with --public-host or --allowed-hosts",
            );
        }
    }
    let path = req.uri().path().to_string();
    if path == "/api" || path.starts_with("/api/") || path == "/files" || path.starts_with("/files/") {
        return next.run(req).await;
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(headers) {
        return refuse(StatusCode::FORBIDDEN, "cross-site request refused: send it from a page of this server");
    }
    if OPEN_PATHS.contains(&path.as_str()) || (safe && is_site_file(&state, &path).await) {
        return next.run(req).await;
    }
    match session_user(&state, headers).await {
        Ok(Some(user)) => {
            let actor = Actor::web(&user);
            if let Some(refused) = rpc_refusal(&actor, &path) {
                return refused;
            }
            req.extensions_mut().insert(actor);
            req.extensions_mut().insert(user);
            let mut resp = next.run(req).await;
            // Signed-in pages are the viewer's own: never kept by a shared cache.
            resp.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-store"));
            resp
        }
        Ok(None) if safe && !DATA_PREFIXES.iter().any(|p| path.starts_with(p)) => {
            let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let location = format!("/login?next={}", percent_encoding::utf8_percent_encode(target, QUERY_VALUE));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Ok(None) => refuse(StatusCode::UNAUTHORIZED, "sign in first: this needs a session"),
        Err(e) => {
            tracing::error!(error = %e, "cannot check a session");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "cannot check the session now; try again")
        }
    }
}

/// What is escaped in a query value.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.');

/// Where to go after signing in: a path of this site, else the start page.
fn local_target(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The sign-in page, with `error` shown above the form.
fn login_page(next: &str, error: Option<&str>) -> Html<String> {
    let error = error.map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, escape(e))).unwrap_or_default();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Sign in · Labbook</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
<script>{theme}</script><link rel="stylesheet" href="/pkg/labbook.css"/></head>
<body><main class="signin"><h1>Labbook</h1>
<form method="post" action="/login" class="signin-form">
{error}
<label class="field">Login<input name="login" autocomplete="username" required autofocus/></label>
<label class="field">Password<input name="password" type="password" autocomplete="current-password" required/></label>
<input type="hidden" name="next" value="{next}"/>
<button class="primary" type="submit">Sign in</button>
</form>
<p class="muted">No account? Ask an admin of this server to make one (<code>labbook user add</code>).</p>
</main></body></html>"#,
        theme = crate::components::theme::THEME_SCRIPT,
        next = escape(next),
    ))
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`: the sign-in form (or, when signed in already, onwards).
pub async fn login_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = local_target(q.next.as_deref());
    if let Ok(Some(_)) = session_user(&state, &headers).await {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    }
    login_page(&next, None).into_response()
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: checks the form, sets the session cookie and goes on to
/// `next`; a refusal shows the form again with the reason (401, 429).
pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: PeerAddr,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return (StatusCode::BAD_REQUEST, login_page("/", Some("fill in your login and password"))).into_response();
    };
    let next = local_target(form.next.as_deref());
    match sessions::sign_in(&state, &form.login, &form.password, peer.0).await {
        Ok(signed) => {
            let secure = if over_https(&state, &headers) { "; Secure" } else { "" };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECS}{secure}",
                signed.token
            );
            tracing::info!(user = %signed.user.login, "signed in");
            (StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, next)]).into_response()
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let message = match &e {
                AppError::Unauthorized { message, .. } => message.clone(),
                other => other.to_string(),
            };
            let mut resp = (status, login_page(&next, Some(&message))).into_response();
            if let AppError::TooManyAttempts { retry_after_secs } = e {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            resp
        }
    }
}

/// The sign-out form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    /// Any value: end every session of the user, not only this one.
    everywhere: Option<String>,
}

/// `POST /logout`: ends this session (or, with `everywhere`, all of the
/// user's), clears the cookie and shows the sign-in page.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let everywhere = form.is_ok_and(|Form(f)| f.everywhere.is_some());
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let ended = match session_user(&state, &headers).await {
            Ok(Some(user)) if everywhere => sessions::sign_out_everywhere(&state, &Actor::web(&user)).await.map(|_| ()),
            _ => sessions::sign_out(&state, token).await,
        };
        if let Err(e) = ended {
            tracing::error!(error = %e, "cannot end a session");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "cannot sign out now; try again");
        }
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, clear), (header::LOCATION, "/login".to_string())]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_same_origin_requests_change_anything() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://h"), ("host", "h")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080")])), "neither header: refused");
    }

    #[test]
    fn cookies_and_targets_are_read_strictly() {
        let h = headers(&[("cookie", "a=1; labbook_session=abc; b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers(&[("cookie", "xlabbook_session=abc")]), SESSION_COOKIE), None);
        assert_eq!(local_target(Some("/tasks?x=1")), "/tasks?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "/login?next=/x"] {
            assert_eq!(local_target(Some(bad)), "/", "{bad}");
        }
    }
}
