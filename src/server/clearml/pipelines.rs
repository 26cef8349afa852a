//! `pipelines.*`: starting a pipeline run and deleting runs.

use super::request::Req;
use crate::error::{AppError, AppResult};
use crate::model::Actor;
use crate::server::ops::pipelines;
use crate::server::state::AppState;
use serde_json::{json, Value};

/// `pipelines.start_pipeline {task, queue, args?: [{name, value}],
/// verify_watched_queue?}`.
pub async fn start_pipeline(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let queue = req.str("queue")?;
    let mut args = Vec::new();
    for a in req.opt_list("args")?.map(Vec::as_slice).unwrap_or_default() {
        let name = a.get("name").and_then(Value::as_str).ok_or_else(|| AppError::missing("args[].name"))?;
        let value = match a.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        args.push((name.to_string(), value));
    }
    let verify = req.bool_or("verify_watched_queue", false)?;
    let started = pipelines::start(state, actor, &task, &queue, &args, verify).await?;
    let mut out = json!({"pipeline": started.run, "enqueued": started.enqueued});
    if let Some(watched) = started.queue_watched {
        out["queue_watched"] = json!(watched);
    }
    Ok(out)
}

/// `pipelines.delete_runs {project, ids}`.
pub async fn delete_runs(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let project = req.str("project")?;
    let ids = req.nonempty_str_list("ids")?;
    let deleted = pipelines::delete_runs(state, actor, &project, &ids).await?;
    let succeeded: Vec<Value> = deleted.iter().map(|id| json!({"id": id, "deleted": true, "urls": null})).collect();
    Ok(json!({"succeeded": succeeded, "failed": []}))
}
