//! The ClearML-compatible REST API (`../shared/clearml-api.md` is the contract).
//!
//! Every endpoint answers GET, POST and PUT with a JSON (or json-lines) body,
//! under `/vX.Y/service.action` or unversioned `/service.action`, inside the
//! ClearML envelope. Handlers live in one module per service.

mod events;
mod models;
mod projects;
mod queues;
pub mod request;
pub mod task_actions;
mod task_outputs;
mod tasks;
pub mod workers;

use crate::server::auth::{Auth, Identity, DEFAULT_TOKEN_SECS};
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use request::{envelope, parse_path, ApiError, Req};
use serde_json::{json, Value};

/// The newest API level served; unversioned calls get this one.
pub const MAX_VERSION: (u32, u32) = (2, 31);

/// The largest request body accepted: the SDK splits batches at 15 MiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Who is calling, for handlers.
pub struct Ctx {
    pub state: AppState,
    pub identity: Identity,
    /// `X-ClearML-Worker`, when sent.
    pub worker: Option<String>,
}

/// The API as a router, to serve at the root of the API port and under `/api`.
pub fn router() -> Router<AppState> {
    Router::new().route("/", any(root)).route("/{*path}", any(dispatch)).layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn root() -> Response {
    reply("", "", "", Err(ApiError::no_endpoint("", "")))
}

fn reply(name: &str, requested: &str, actual: &str, result: Result<Value, ApiError>) -> Response {
    let (code, body) = envelope(name, requested, actual, result);
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Merges query-string parameters (e.g. `auth.login?expiration_sec=N`) into the body.
fn merge_query(req: &mut Req, query: Option<&str>) {
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        req.body.entry(decode(k)).or_insert_with(|| Value::String(decode(v)));
    }
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let value = header_str(headers, "authorization")
        .ok_or_else(|| ApiError::new(401, 20, "Unauthorized (missing credentials)"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::new(401, 20, "Unauthorized (missing credentials: expected a Bearer token)"))?;
    state.auth.verify(token).map_err(|e| ApiError::new(401, 30, format!("Unauthorized ({e})")))
}

async fn login(state: &AppState, headers: &HeaderMap, req: &Req) -> Result<Value, ApiError> {
    let value = header_str(headers, "authorization")
        .ok_or_else(|| ApiError::new(401, 20, "Unauthorized (missing credentials)"))?;
    let identity = if let Some(basic) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) {
        Auth::check_basic(state.store.as_ref(), basic).await.map_err(|e| {
            let sub = if e.to_string().starts_with("bad") { 21 } else { 22 };
            ApiError::new(401, sub, format!("Unauthorized ({e})"))
        })?
    } else if let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) {
        state.auth.verify(token).map_err(|e| ApiError::new(401, 30, format!("Unauthorized ({e})")))?
    } else {
        return Err(ApiError::new(401, 21, "Unauthorized (bad credentials: use Basic or Bearer)"));
    };
    let ttl = req.opt_i64("expiration_sec")?.unwrap_or(DEFAULT_TOKEN_SECS);
    if ttl <= 0 {
        return Err(ApiError::invalid("expiration_sec must be positive"));
    }
    Ok(json!({"token": state.auth.issue(&identity, ttl)}))
}

async fn dispatch(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Some(ep) = parse_path(&path) else {
        return reply(&path, "", "", Err(ApiError::no_endpoint(&path, "")));
    };
    let requested = ep.version.map(|(a, b)| format!("{a}.{b}")).unwrap_or_default();
    let version = ep.version.unwrap_or(MAX_VERSION);
    let actual = format!("{}.{}", version.0, version.1);
    if version > MAX_VERSION {
        return reply(&ep.name, &requested, &actual, Err(ApiError::no_endpoint(&ep.name, &actual)));
    }
    let name = ep.name.as_str();
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            let msg = format!("request body rejected ({e}); the limit is {} MiB per request", MAX_BODY_BYTES >> 20);
            return reply(name, &requested, &actual, Err(ApiError::new(e.status().as_u16(), 0, msg)));
        }
    };
    let result = handle(&state, name, query.as_deref(), &headers, &body).await;
    if let Err(e) = &result {
        tracing::debug!(endpoint = name, code = e.code, subcode = e.subcode, msg = %e.msg, "API error");
    }
    reply(name, &requested, &actual, result)
}

async fn handle(
    state: &AppState,
    name: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    // json-lines bodies are parsed by the batch handler itself.
    let batch = name == "events.add_batch" || name == "events.add";
    let mut req = if batch { Req::default() } else { Req::parse(body)? };
    merge_query(&mut req, query);
    if name == "auth.login" {
        return login(state, headers, &req).await;
    }
    let identity = authenticate(state, headers).await?;
    let worker =
        header_str(headers, "x-clearml-worker").or_else(|| header_str(headers, "x-trains-worker")).map(str::to_string);
    let ctx = Ctx { state: state.clone(), identity, worker };
    route(&ctx, name, req, body).await
}

/// Calls an endpoint from inside the server (the web UI's actions), with the
/// same checks and effects as a client's call. `events.add_batch` is not
/// available this way.
pub async fn call(state: &AppState, user: &str, name: &str, body: Value) -> Result<Value, ApiError> {
    let Value::Object(body) = body else {
        return Err(ApiError::invalid("request body must be a JSON object"));
    };
    let identity = Identity { user: user.to_string(), company: crate::server::auth::COMPANY.into() };
    let ctx = Ctx { state: state.clone(), identity, worker: None };
    route(&ctx, name, Req { body }, b"").await
}

/// Why an in-server task edit was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// Someone changed the task since the editor read `expected`.
    Stale { expected: i64, current: i64 },
    /// The API refused the edit.
    Api(ApiError),
}

/// Changes a task the way the API does (revision-guarded, all or nothing),
/// but only if it is still at revision `expected`, so a stale form never
/// overwrites a newer edit. Answers the new revision.
pub async fn edit_task_at<F>(state: &AppState, id: &str, expected: i64, mut change: F) -> Result<i64, EditError>
where
    F: FnMut(&mut crate::model::Task) -> Result<(), ApiError>,
{
    let store = &state.store;
    let mut task = store
        .get_task(id)
        .await
        .map_err(|e| EditError::Api(e.into()))?
        .ok_or_else(|| EditError::Api(ApiError::invalid_task(id)))?;
    if task.revision != expected {
        return Err(EditError::Stale { expected, current: task.revision });
    }
    change(&mut task).map_err(EditError::Api)?;
    let now = crate::server::clock::now_ms();
    task.last_update = now;
    task.last_change = now;
    match store.update_task(&task).await {
        Ok(true) => Ok(expected + 1),
        Ok(false) => {
            let current = store.get_task(id).await.ok().flatten().map_or(expected, |t| t.revision);
            Err(EditError::Stale { expected, current })
        }
        Err(e) => Err(EditError::Api(e.into())),
    }
}

async fn route(ctx: &Ctx, name: &str, req: Req, body: &[u8]) -> Result<Value, ApiError> {
    match name {
        "projects.get_all" => projects::get_all(ctx, req).await,
        "projects.create" => projects::create(ctx, req).await,
        "projects.get_by_id" => projects::get_by_id(ctx, req).await,
        "projects.update" => projects::update(ctx, req).await,
        "projects.move" => projects::move_project(ctx, req).await,
        "projects.delete" => projects::delete(ctx, req).await,
        "tasks.create" => tasks::create(ctx, req).await,
        "tasks.get_by_id" => tasks::get_by_id(ctx, req).await,
        "tasks.get_all" => tasks::get_all(ctx, req).await,
        "tasks.edit" => tasks::edit(ctx, req).await,
        "tasks.started" => tasks::started(ctx, req).await,
        "tasks.completed" => tasks::completed(ctx, req).await,
        "tasks.failed" => tasks::failed(ctx, req).await,
        "tasks.stopped" => tasks::stopped(ctx, req).await,
        "tasks.set_requirements" => tasks::set_requirements(ctx, req).await,
        "tasks.ping" => tasks::ping(ctx, req).await,
        "tasks.enqueue" => task_actions::enqueue(ctx, req).await,
        "tasks.dequeue" => task_actions::dequeue(ctx, req).await,
        "tasks.clone" => task_actions::clone(ctx, req).await,
        "tasks.reset" => task_actions::reset(ctx, req).await,
        "tasks.publish" => task_actions::publish(ctx, req).await,
        "tasks.stop" => task_actions::stop(ctx, req).await,
        "tasks.delete" => task_actions::delete(ctx, req).await,
        "tasks.archive_many" => task_actions::archive_many(ctx, req).await,
        "tasks.unarchive_many" => task_actions::unarchive_many(ctx, req).await,
        "tasks.update_tags" => task_actions::update_tags(ctx, req).await,
        "tasks.move" => task_actions::move_tasks(ctx, req).await,
        "tasks.edit_hyper_params" => task_outputs::edit_hyper_params(ctx, req).await,
        "tasks.delete_hyper_params" => task_outputs::delete_hyper_params(ctx, req).await,
        "tasks.get_hyper_params" => task_outputs::get_hyper_params(ctx, req).await,
        "tasks.add_or_update_artifacts" => task_outputs::add_or_update_artifacts(ctx, req).await,
        "tasks.delete_artifacts" => task_outputs::delete_artifacts(ctx, req).await,
        "tasks.add_or_update_model" => task_outputs::add_or_update_model(ctx, req).await,
        "queues.get_by_id" => queues::get_by_id(ctx, req).await,
        "queues.get_all" => queues::get_all(ctx, req).await,
        "queues.get_default" => queues::get_default(ctx, req).await,
        "queues.create" => queues::create(ctx, req).await,
        "queues.get_num_entries" => queues::get_num_entries(ctx, req).await,
        "queues.get_next_task" => queues::get_next_task(ctx, req).await,
        "queues.update" => queues::update(ctx, req).await,
        "queues.delete" => queues::delete(ctx, req).await,
        "queues.move_task_to_front" => queues::move_task_to_front(ctx, req).await,
        "queues.move_task_to_back" => queues::move_task_to_back(ctx, req).await,
        "queues.move_task_forward" => queues::move_task_forward(ctx, req).await,
        "queues.move_task_backward" => queues::move_task_backward(ctx, req).await,
        "queues.remove_task" => queues::remove_task(ctx, req).await,
        "queues.get_queue_metrics" => queues::get_queue_metrics(ctx, req).await,
        "workers.register" => workers::register(ctx, req).await,
        "workers.status_report" => workers::status_report(ctx, req).await,
        "workers.unregister" => workers::unregister(ctx, req).await,
        "workers.get_all" => workers::get_all(ctx, req).await,
        "models.create" => models::create(ctx, req).await,
        "models.edit" | "models.update" => models::edit(ctx, req).await,
        "models.get_by_id" => models::get_by_id(ctx, req).await,
        "models.get_all" => models::get_all(ctx, req).await,
        "models.set_ready" => models::set_ready(ctx, req).await,
        "models.update_for_task" => models::update_for_task(ctx, req).await,
        "models.delete" => models::delete(ctx, req).await,
        "models.archive_many" => models::archive_many(ctx, req).await,
        "models.unarchive_many" => models::unarchive_many(ctx, req).await,
        "models.add_or_update_metadata" => models::add_or_update_metadata(ctx, req).await,
        // A single `events.add` event is a batch of one line.
        "events.add_batch" | "events.add" => events::add_batch(ctx, body).await,
        "events.get_task_plots" => events::get_task_plots(ctx, req).await,
        "events.get_task_events" => events::get_task_events(ctx, req).await,
        "events.debug_images" => events::debug_images(ctx, req).await,
        "events.get_task_single_value_metrics" => events::get_task_single_value_metrics(ctx, req).await,
        "events.get_task_log" => events::get_task_log(ctx, req).await,
        "events.scalar_metrics_iter_histogram" => events::scalar_metrics_iter_histogram(ctx, req).await,
        _ => {
            let v = format!("{}.{}", MAX_VERSION.0, MAX_VERSION.1);
            Err(ApiError::no_endpoint(name, &v))
        }
    }
}
