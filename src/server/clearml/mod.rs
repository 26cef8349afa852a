//! The ClearML-compatible REST API (`../shared/clearml-api.md` is the contract).
//!
//! Every endpoint answers GET, POST and PUT with a JSON (or json-lines) body,
//! under `/vX.Y/service.action` or unversioned `/service.action`, inside the
//! ClearML envelope. [`route`] is the one place an endpoint name is looked
//! up; each service's handlers (one module per service) parse the request,
//! call `server::ops`, and answer in ClearML's shapes ([`wire`]).

mod events;
mod legacy;
mod models;
mod pipelines;
mod projects;
pub mod query;
mod queues;
mod reports;
pub mod request;
mod task_request;
mod tasks;
mod users;
pub mod wire;
mod workers;

use crate::error::{AppError, AppResult, AuthFailure};
use crate::model::{Access, Actor};
use crate::server::auth::{Auth, DEFAULT_TOKEN_SECS};
use crate::server::ops;
use crate::server::peer::PeerAddr;
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use request::{envelope, parse_path, Req};
use serde_json::{json, Value};

/// The newest API level served; unversioned calls get this one.
pub const MAX_VERSION: (u32, u32) = (2, 31);

/// The largest request body accepted: the SDK splits batches at 15 MiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The API as a router, to serve at the root of the API port and under `/api`.
pub fn router() -> Router<AppState> {
    Router::new().route("/", any(root)).route("/{*path}", any(dispatch)).layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn no_endpoint(name: &str, version: &str) -> AppError {
    AppError::NoEndpoint { name: name.to_string(), version: version.to_string() }
}

async fn root() -> Response {
    reply("", "", "", Err(no_endpoint("", "")))
}

fn reply(name: &str, requested: &str, actual: &str, result: AppResult<Value>) -> Response {
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

/// The credentials of a request: its `Authorization` header.
fn authorization(headers: &HeaderMap) -> AppResult<&str> {
    header_str(headers, "authorization")
        .ok_or_else(|| AppError::unauthorized(AuthFailure::Missing, "missing credentials"))
}

fn bearer(value: &str) -> Option<&str> {
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
}

/// Who sends a request: the holder of a valid token whose key and user are
/// still in good standing, on behalf of the worker its `X-ClearML-Worker`
/// header names. The fileserver asks the same way.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Actor> {
    let token = bearer(authorization(headers)?)
        .ok_or_else(|| AppError::unauthorized(AuthFailure::Missing, "missing credentials: expected a Bearer token"))?;
    let verified = state.auth.verify(token)?;
    let worker =
        header_str(headers, "x-clearml-worker").or_else(|| header_str(headers, "x-trains-worker")).map(str::to_string);
    ops::users::actor_for(state, &verified.identity, worker).await
}

/// `auth.login`: a token for an access key and secret (HTTP Basic), or, for
/// a valid token, a fresh one that expires no later than it. The lifetime
/// is `expiration_sec`, capped at [`crate::server::auth::MAX_TOKEN_SECS`].
async fn login(state: &AppState, headers: &HeaderMap, peer: PeerAddr, req: &Req) -> AppResult<Value> {
    let value = authorization(headers)?;
    let (identity, not_after) =
        if let Some(basic) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) {
            let name = format!("key:{}", Auth::basic_key(basic).unwrap_or_default());
            let check = Auth::check_basic(state.store.as_ref(), basic);
            (state.login_throttle.attempt(&name, peer.0, check).await?, None)
        } else if let Some(token) = bearer(value) {
            let verified = state.auth.verify(token)?;
            (verified.identity, Some(verified.expires))
        } else {
            return Err(AppError::unauthorized(AuthFailure::Malformed, "bad credentials: use Basic or Bearer"));
        };
    let ttl = req.opt_i64("expiration_sec")?.unwrap_or(DEFAULT_TOKEN_SECS);
    if ttl <= 0 {
        return Err(AppError::invalid("expiration_sec must be positive"));
    }
    // A disabled user's key pair logs in no more, with the same answer as a
    // wrong secret; a blocked token stays 401/31.
    let actor = ops::users::actor_for(state, &identity, None).await.map_err(|e| match e {
        AppError::Unauthorized { failure: AuthFailure::Blocked, .. } if not_after.is_none() => {
            AppError::unauthorized(AuthFailure::Invalid, crate::server::auth::INVALID_CREDENTIALS)
        }
        other => other,
    })?;
    if not_after.is_none() {
        // Recorded for the Settings page; a failure to record it is no
        // reason to refuse the login.
        if let Err(e) = state.store.touch_credential(&identity.key, crate::server::clock::now_ms()).await {
            tracing::warn!(error = %e, "cannot record a key's last use");
        }
    }
    Ok(json!({"token": state.auth.issue(&identity, actor.role.clearml_name(), ttl, not_after)}))
}

/// The endpoints that only read. Every other endpoint changes something and
/// needs [`Access::Write`], so one added later is closed to viewers until it
/// is listed here.
pub const READ_ENDPOINTS: &[&str] = &[
    "projects.get_all",
    "projects.get_all_ex",
    "projects.get_by_id",
    "projects.validate_delete",
    "tasks.validate",
    "tasks.get_by_id_ex",
    "workers.get_metric_keys",
    "workers.get_stats",
    "workers.get_activity_report",
    "projects.get_task_tags",
    "projects.get_model_tags",
    "projects.get_project_tags",
    "organization.get_tags",
    "organization.get_entities_count",
    "projects.get_task_parents",
    "projects.get_hyperparam_values",
    "projects.get_unique_metric_variants",
    "projects.get_model_metadata_keys",
    "projects.get_model_metadata_values",
    "tasks.get_by_id",
    "tasks.get_all",
    "tasks.get_all_ex",
    "tasks.get_types",
    "models.get_frameworks",
    "queues.peek_task",
    "tasks.get_hyper_params",
    "tasks.get_configurations",
    "tasks.get_configuration_names",
    "projects.get_hyper_parameters",
    "queues.get_by_id",
    "queues.get_all",
    "queues.get_all_ex",
    "queues.get_default",
    "queues.get_num_entries",
    "queues.get_queue_metrics",
    "workers.get_all",
    "workers.get_count",
    "workers.get_runtime_properties",
    "models.get_by_id",
    "models.get_all",
    "models.get_all_ex",
    "events.get_task_plots",
    "events.get_task_events",
    "events.debug_images",
    "events.plots",
    "events.get_task_metrics",
    "events.get_multi_task_metrics",
    "events.get_task_latest_scalar_values",
    "events.scalar_metrics_iter_raw",
    "events.multi_task_scalar_metrics_iter_histogram",
    "events.get_multi_task_plots",
    "events.get_debug_image_sample",
    "events.next_debug_image_sample",
    "events.get_plot_sample",
    "events.next_plot_sample",
    "events.get_task_single_value_metrics",
    "events.get_task_log",
    "events.scalar_metrics_iter_histogram",
    "reports.get_all_ex",
    "reports.get_task_data",
    "reports.get_tags",
    "users.get_current_user",
    "users.get_all",
    "users.get_by_id",
];

/// What calling `endpoint` needs.
pub fn access_of(endpoint: &str) -> Access {
    if READ_ENDPOINTS.contains(&endpoint) {
        Access::Read
    } else {
        Access::Write
    }
}

async fn dispatch(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Some(ep) = parse_path(&path) else {
        return reply(&path, "", "", Err(no_endpoint(&path, "")));
    };
    let requested = ep.version.map(|(a, b)| format!("{a}.{b}")).unwrap_or_default();
    // As ClearML's server (`check_max_version: false`), a client asking
    // for a newer level than ours gets our newest endpoints.
    let version = ep.version.map_or(MAX_VERSION, |v| v.min(MAX_VERSION));
    let actual = format!("{}.{}", version.0, version.1);
    let name = ep.name.as_str();
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            let message = format!("request body rejected ({e}); the limit is {} MiB per request", MAX_BODY_BYTES >> 20);
            return reply(
                name,
                &requested,
                &actual,
                Err(AppError::BodyRejected { status: e.status().as_u16(), message }),
            );
        }
    };
    let result = handle(&state, name, version, query.as_deref(), &headers, peer, &body).await;
    if let Err(e) = &result {
        tracing::debug!(endpoint = name, code = e.status(), subcode = e.subcode(), msg = %e, "API error");
    }
    reply(name, &requested, &actual, result)
}

async fn handle(
    state: &AppState,
    name: &str,
    version: legacy::Version,
    query: Option<&str>,
    headers: &HeaderMap,
    peer: PeerAddr,
    body: &[u8],
) -> AppResult<Value> {
    // json-lines bodies are parsed by the batch handler itself.
    let batch = name == "events.add_batch" || name == "events.add";
    let mut req = if batch { Req::default() } else { Req::parse(body)? };
    merge_query(&mut req, query);
    if name == "auth.login" {
        return login(state, headers, peer, &req).await;
    }
    let actor = authenticate(state, headers).await?;
    actor.require(access_of(name))?;
    legacy::upgrade_request_tags(version, name, &mut req.body);
    let mut answer = route(state, &actor, name, req, body, peer).await?;
    legacy::merge_answer_tags(version, &mut answer);
    if name.starts_with("tasks.") {
        legacy::add_legacy_execution(version, &mut answer);
    }
    Ok(answer)
}

/// `<noun>.make_public` / `make_private {ids}`: `set` on the ids; answers
/// `{updated}`.
async fn share<F, Fut>(req: Req, set: F) -> AppResult<Value>
where
    F: FnOnce(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = AppResult<u64>>,
{
    Ok(json!({"updated": set(req.nonempty_str_list("ids")?).await?}))
}

/// The endpoint table: the one place an endpoint name is looked up.
async fn route(state: &AppState, actor: &Actor, name: &str, req: Req, body: &[u8], peer: PeerAddr) -> AppResult<Value> {
    let (st, a) = (state, actor);
    match name {
        "projects.get_all" => projects::get_all(st, a, req, false).await,
        "projects.get_all_ex" => projects::get_all(st, a, req, true).await,
        "projects.create" => projects::create(st, a, req).await,
        "projects.get_by_id" => projects::get_by_id(st, a, req).await,
        "projects.update" => projects::update(st, a, req).await,
        "projects.move" => projects::move_project(st, a, req).await,
        "projects.merge" => projects::merge(st, a, req).await,
        "projects.make_public" => {
            share(req, |ids| async move { ops::projects::set_public(st, a, &ids, true).await }).await
        }
        "projects.make_private" => {
            share(req, |ids| async move { ops::projects::set_public(st, a, &ids, false).await }).await
        }
        "tasks.make_public" => share(req, |ids| async move { ops::tasks::set_public(st, a, &ids, true).await }).await,
        "tasks.make_private" => share(req, |ids| async move { ops::tasks::set_public(st, a, &ids, false).await }).await,
        "models.make_public" => share(req, |ids| async move { ops::models::set_public(st, a, &ids, true).await }).await,
        "models.make_private" => {
            share(req, |ids| async move { ops::models::set_public(st, a, &ids, false).await }).await
        }
        "pipelines.start_pipeline" => pipelines::start_pipeline(st, a, req).await,
        "pipelines.delete_runs" => pipelines::delete_runs(st, a, req).await,
        "projects.delete" => projects::delete(st, a, req).await,
        "projects.validate_delete" => projects::validate_delete(st, a, req).await,
        "projects.get_task_tags" => projects::get_task_tags(st, a, req).await,
        "projects.get_model_tags" => projects::get_model_tags(st, a, req).await,
        "projects.get_project_tags" => projects::get_project_tags(st, a, req).await,
        "organization.get_tags" => projects::organization_tags(st, a, req).await,
        "organization.get_entities_count" => projects::organization_entities_count(st, a, req).await,
        "projects.get_task_parents" => projects::get_task_parents(st, a, req).await,
        "projects.get_hyperparam_values" => projects::get_hyperparam_values(st, a, req).await,
        "projects.get_unique_metric_variants" => projects::get_unique_metric_variants(st, a, req).await,
        "projects.get_model_metadata_keys" => projects::get_model_metadata_keys(st, a, req).await,
        "projects.get_model_metadata_values" => projects::get_model_metadata_values(st, a, req).await,
        "tasks.create" => tasks::create(st, a, req).await,
        "tasks.get_by_id_ex" => tasks::get_by_id_ex(st, a, req).await,
        "tasks.validate" => tasks::validate(st, a, req).await,
        "tasks.get_by_id" => tasks::get_by_id(st, a, req).await,
        "tasks.get_all" => tasks::get_all(st, a, req, false).await,
        "tasks.get_all_ex" => tasks::get_all(st, a, req, true).await,
        "tasks.edit" => tasks::edit(st, a, req).await,
        "tasks.started" => tasks::started(st, a, req).await,
        "tasks.completed" => tasks::completed(st, a, req).await,
        "tasks.failed" => tasks::failed(st, a, req).await,
        "tasks.stopped" => tasks::stopped(st, a, req).await,
        "tasks.set_requirements" => tasks::set_requirements(st, a, req).await,
        "tasks.ping" => tasks::ping(st, a, req).await,
        "tasks.enqueue" => tasks::enqueue(st, a, req).await,
        "tasks.dequeue" => tasks::dequeue(st, a, req).await,
        "tasks.clone" => tasks::clone(st, a, req).await,
        "tasks.reset" => tasks::reset(st, a, req).await,
        "tasks.publish" => tasks::publish(st, a, req).await,
        "tasks.stop" => tasks::stop(st, a, req).await,
        "tasks.delete" => tasks::delete(st, a, req).await,
        "tasks.archive_many" => tasks::archive_many(st, a, req).await,
        "tasks.archive" => tasks::archive(st, a, req).await,
        "tasks.update" => tasks::update(st, a, req).await,
        "tasks.get_types" => tasks::get_types(st, a, req).await,
        "models.get_frameworks" => models::get_frameworks(st, a, req).await,
        "queues.peek_task" => queues::peek_task(st, a, req).await,
        "queues.clear_queue" => queues::clear_queue(st, a, req).await,
        "tasks.enqueue_many" => tasks::each(req, "task", |r| tasks::enqueue(st, a, r)).await,
        "tasks.stop_many" => tasks::each(req, "task", |r| tasks::stop(st, a, r)).await,
        "tasks.publish_many" => tasks::each(req, "task", |r| tasks::publish(st, a, r)).await,
        "tasks.reset_many" => tasks::each(req, "task", |r| tasks::reset(st, a, r)).await,
        "tasks.delete_many" => tasks::each(req, "task", |r| tasks::delete(st, a, r)).await,
        "tasks.dequeue_many" => tasks::each(req, "task", |r| tasks::dequeue(st, a, r)).await,
        "models.publish_many" => tasks::each(req, "model", |r| models::set_ready(st, a, r)).await,
        "models.delete_many" => tasks::each(req, "model", |r| models::delete(st, a, r)).await,
        "tasks.unarchive_many" => tasks::unarchive_many(st, a, req).await,
        "tasks.update_tags" => tasks::update_tags(st, a, req).await,
        "tasks.move" => tasks::move_tasks(st, a, req).await,
        "tasks.edit_hyper_params" => tasks::edit_hyper_params(st, a, req).await,
        "tasks.delete_hyper_params" => tasks::delete_hyper_params(st, a, req).await,
        "tasks.get_hyper_params" => tasks::get_hyper_params(st, a, req).await,
        "tasks.edit_configuration" => tasks::edit_configuration(st, a, req).await,
        "tasks.delete_configuration" => tasks::delete_configuration(st, a, req).await,
        "tasks.get_configurations" => tasks::get_configurations(st, a, req).await,
        "tasks.get_configuration_names" => tasks::get_configuration_names(st, a, req).await,
        "projects.get_hyper_parameters" => projects::get_hyper_parameters(st, a, req).await,
        "tasks.add_or_update_artifacts" => tasks::add_or_update_artifacts(st, a, req).await,
        "tasks.delete_artifacts" => tasks::delete_artifacts(st, a, req).await,
        "tasks.delete_models" => tasks::delete_models(st, a, req).await,
        "tasks.add_or_update_model" => tasks::add_or_update_model(st, a, req).await,
        "queues.get_by_id" => queues::get_by_id(st, a, req).await,
        "queues.get_all" => queues::get_all(st, a, req, false).await,
        "queues.get_all_ex" => queues::get_all(st, a, req, true).await,
        "queues.get_default" => queues::get_default(st, a, req).await,
        "queues.create" => queues::create(st, a, req).await,
        "queues.get_num_entries" => queues::get_num_entries(st, a, req).await,
        "queues.get_next_task" => queues::get_next_task(st, a, req).await,
        "queues.update" => queues::update(st, a, req).await,
        "queues.delete" => queues::delete(st, a, req).await,
        "queues.move_task_to_front" => queues::move_task_to_front(st, a, req).await,
        "queues.move_task_to_back" => queues::move_task_to_back(st, a, req).await,
        "queues.move_task_forward" => queues::move_task_forward(st, a, req).await,
        "queues.move_task_backward" => queues::move_task_backward(st, a, req).await,
        "queues.remove_task" => queues::remove_task(st, a, req).await,
        "queues.add_task" => queues::add_task(st, a, req).await,
        "queues.add_or_update_metadata" => queues::add_or_update_metadata(st, a, req).await,
        "queues.delete_metadata" => queues::delete_metadata(st, a, req).await,
        "queues.get_queue_metrics" => queues::get_queue_metrics(st, a, req).await,
        "workers.register" => workers::register(st, a, req, peer.0).await,
        "workers.status_report" => workers::status_report(st, a, req, peer.0).await,
        "workers.get_metric_keys" => workers::get_metric_keys(st, a, req).await,
        "workers.get_stats" => workers::get_stats(st, a, req).await,
        "workers.get_activity_report" => workers::get_activity_report(st, a, req).await,
        "workers.unregister" => workers::unregister(st, a, req).await,
        "workers.get_all" => workers::get_all(st, a, req).await,
        "workers.get_count" => workers::get_count(st, a, req).await,
        "workers.get_runtime_properties" => workers::get_runtime_properties(st, a, req).await,
        "workers.set_runtime_properties" => workers::set_runtime_properties(st, a, req).await,
        "models.create" => models::create(st, a, req).await,
        "models.edit" | "models.update" => models::edit(st, a, req).await,
        "models.get_by_id" => models::get_by_id(st, a, req).await,
        "models.get_all" => models::get_all(st, a, req, false).await,
        "models.get_all_ex" => models::get_all(st, a, req, true).await,
        "models.set_ready" => models::set_ready(st, a, req).await,
        "models.update_for_task" => models::update_for_task(st, a, req).await,
        "models.delete" => models::delete(st, a, req).await,
        "models.archive_many" => models::archive_many(st, a, req).await,
        "models.unarchive_many" => models::unarchive_many(st, a, req).await,
        "models.add_or_update_metadata" => models::add_or_update_metadata(st, a, req).await,
        "models.delete_metadata" => models::delete_metadata(st, a, req).await,
        "models.update_tags" => models::update_tags(st, a, req).await,
        "models.move" => models::move_models(st, a, req).await,
        // A single `events.add` event is a batch of one line.
        "events.add_batch" | "events.add" => events::add_batch(st, a, body).await,
        "events.get_task_plots" => events::get_task_plots(st, a, req).await,
        "events.get_task_events" => events::get_task_events(st, a, req).await,
        "events.debug_images" => events::debug_images(st, a, req).await,
        "events.plots" => events::plots(st, a, req).await,
        "events.get_task_metrics" => events::get_task_metrics(st, a, req).await,
        "events.get_multi_task_metrics" => events::get_multi_task_metrics(st, a, req).await,
        "events.get_task_latest_scalar_values" => events::get_task_latest_scalar_values(st, a, req).await,
        "events.scalar_metrics_iter_raw" => events::scalar_metrics_iter_raw(st, a, req).await,
        "events.multi_task_scalar_metrics_iter_histogram" => {
            events::multi_task_scalar_metrics_iter_histogram(st, a, req).await
        }
        "events.get_multi_task_plots" => events::get_multi_task_plots(st, a, req).await,
        "events.get_debug_image_sample" => events::get_debug_image_sample(st, a, req).await,
        "events.next_debug_image_sample" => events::next_debug_image_sample(st, a, req).await,
        "events.get_plot_sample" => events::get_plot_sample(st, a, req).await,
        "events.next_plot_sample" => events::next_plot_sample(st, a, req).await,
        "events.get_task_single_value_metrics" => events::get_task_single_value_metrics(st, a, req).await,
        "events.get_task_log" => events::get_task_log(st, a, req).await,
        "events.clear_task_log" => events::clear_task_log(st, a, req).await,
        "events.scalar_metrics_iter_histogram" => events::scalar_metrics_iter_histogram(st, a, req).await,
        "reports.create" => reports::create(st, a, req).await,
        "reports.update" => reports::update(st, a, req).await,
        "reports.move" => reports::move_report(st, a, req).await,
        "reports.publish" => reports::publish(st, a, req).await,
        "reports.archive" => reports::archive(st, a, req, true).await,
        "reports.unarchive" => reports::archive(st, a, req, false).await,
        "reports.delete" => reports::delete(st, a, req).await,
        "reports.get_all_ex" => reports::get_all_ex(st, a, req).await,
        "reports.get_task_data" => reports::get_task_data(st, a, req).await,
        "reports.get_tags" => reports::get_tags(st, a, req).await,
        "users.get_current_user" => users::get_current_user(st, a, req).await,
        "users.get_all" => users::get_all(st, a, req).await,
        "users.get_by_id" => users::get_by_id(st, a, req).await,
        _ => Err(no_endpoint(name, &format!("{}.{}", MAX_VERSION.0, MAX_VERSION.1))),
    }
}
