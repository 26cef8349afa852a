//! `workers.*`: agents register, report their status and unregister
//! (clearml-api.md §6.1).

use super::request::Req;
use super::wire;
use crate::error::AppResult;
use crate::model::Actor;
use crate::server::clock::now_ms;
use crate::server::ops::workers::{self, StatusReport};
use crate::server::state::AppState;
use serde_json::{json, Value};

/// An optional list field: `None` when absent.
fn opt_list(req: &Req, field: &str) -> AppResult<Option<Vec<String>>> {
    if req.has(field) {
        req.str_list(field).map(Some)
    } else {
        Ok(None)
    }
}

/// `workers.register {worker, queues?, tags?}`.
pub async fn register(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("worker")?;
    workers::register(state, actor, &id, opt_list(&req, "queues")?, opt_list(&req, "tags")?).await?;
    Ok(json!({}))
}

/// `workers.status_report {worker, timestamp, machine_stats, task?, queue?, queues?, tags?}`.
pub async fn status_report(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("worker")?;
    let report = StatusReport {
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
pub async fn get_all(state: &AppState, actor: &Actor, _req: Req) -> AppResult<Value> {
    let now = now_ms();
    let queues = state.store.list_queues().await?;
    let out: Vec<Value> = workers::live(state, actor)
        .await?
        .iter()
        .map(|(w, task)| wire::worker(w, task.as_ref(), &queues, now))
        .collect();
    Ok(json!({"workers": out}))
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
