//! `workers.*`: agents register, report their status and unregister
//! (clearml-api.md §6.1).

use super::query::{Query, QueryFields};
use super::request::Req;
use super::wire;
use crate::error::AppResult;
use crate::model::Actor;
use crate::server::clock::now_ms;
use crate::server::ops::workers::{self, Registration, StatusReport};
use crate::server::state::AppState;
use serde_json::{json, Value};
use std::net::IpAddr;

/// An optional list field: `None` when absent.
fn opt_list(req: &Req, field: &str) -> AppResult<Option<Vec<String>>> {
    if req.has(field) {
        req.str_list(field).map(Some)
    } else {
        Ok(None)
    }
}

/// `workers.register {worker, queues?, tags?}`.
pub async fn register(state: &AppState, actor: &Actor, req: Req, ip: Option<IpAddr>) -> AppResult<Value> {
    let id = req.str("worker")?;
    let reg = Registration {
        ip: ip.map(|a| a.to_string()),
        queues: opt_list(&req, "queues")?,
        tags: opt_list(&req, "tags")?,
        system_tags: opt_list(&req, "system_tags")?,
        timeout_s: req.opt_i64("timeout")?,
    };
    workers::register(state, actor, &id, reg).await?;
    Ok(json!({}))
}

/// `workers.status_report {worker, timestamp, machine_stats, task?, queue?, queues?, tags?}`.
pub async fn status_report(state: &AppState, actor: &Actor, req: Req, ip: Option<IpAddr>) -> AppResult<Value> {
    let id = req.str("worker")?;
    let report = StatusReport {
        ip: ip.map(|a| a.to_string()),
        task: req.opt_str("task")?,
        queue: req.opt_str("queue")?,
        queues: opt_list(&req, "queues")?,
        tags: opt_list(&req, "tags")?,
        machine_stats: req.opt_object("machine_stats")?.cloned(),
    };
    workers::status_report(state, actor, &id, report).await?;
    Ok(json!({}))
}

/// `workers.unregister {worker}`.
pub async fn unregister(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    workers::unregister(state, actor, &req.str("worker")?).await?;
    Ok(json!({}))
}

/// `workers.get_all`: the live workers, with their queues and current task
/// named (§8.4).
pub async fn get_all(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let workers = listed(state, actor, &req).await?;
    Ok(json!({"workers": workers}))
}

/// The live workers a `get_all`/`get_count` request selects: `tags`,
/// `system_tags` (ClearML's list filters) and `last_seen` (seconds).
async fn listed(state: &AppState, actor: &Actor, req: &Req) -> AppResult<Vec<Value>> {
    const FIELDS: QueryFields =
        QueryFields { list: &["id", "tags", "system_tags"], range: &[], dates: &[], pattern: &[], equal: &[] };
    let conditions = Query::parse(req, &FIELDS, &["last_seen"])?;
    let now = now_ms();
    let seen_since = req.opt_i64("last_seen")?.map(|s| now - s.saturating_mul(1000));
    let queues = state.store.list_queues().await?;
    Ok(workers::live(state, actor)
        .await?
        .iter()
        .filter(|(w, _)| seen_since.is_none_or(|t| w.last_seen >= t))
        .map(|(w, task)| wire::worker(w, task.as_ref(), &queues, now))
        .filter(|d| conditions.matches(d))
        .collect())
}

/// `workers.get_count {tags?, system_tags?, last_seen?}`.
pub async fn get_count(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    Ok(json!({"count": listed(state, actor, &req).await?.len()}))
}

/// `workers.get_runtime_properties {worker}` (clearml-agent asks for it).
pub async fn get_runtime_properties(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let props = workers::runtime_properties(state, actor, &req.str("worker")?).await?;
    Ok(json!({"runtime_properties": props}))
}

/// `workers.set_runtime_properties {worker, runtime_properties}`.
pub async fn set_runtime_properties(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let items =
        req.opt_list("runtime_properties")?.ok_or_else(|| crate::error::AppError::missing("runtime_properties"))?;
    workers::set_runtime_properties(state, actor, &req.str("worker")?, items).await?;
    Ok(json!({}))
}
