//! Lifecycle actions on tasks: enqueue, dequeue, clone, reset, publish,
//! stop, delete (clearml-api.md §5.2, §6.4, §11).

use super::queues::invalid_queue;
use super::request::{ApiError, Req};
use super::tasks::{load, modify, modify_with_queue, parse_configuration, parse_hyperparams};
use super::Ctx;
use crate::model::task::ModelLink;
use crate::model::{Task, TaskStatus, DEFAULT_QUEUE};
use crate::server::clock::{new_id, now_ms};
use crate::server::store::QueueChange;
use serde_json::{json, Map, Value};

/// A worker that reported within this long still owns its task (§6.4).
const LIVE_WORKER_MS: i64 = 600_000;

/// `tasks.enqueue`: by queue id, or by `queue_name` (created if missing), or
/// to the default queue.
pub async fn enqueue(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let store = &ctx.state.store;
    let queue = match (req.opt_str("queue")?, req.opt_str("queue_name")?) {
        (Some(_), Some(_)) => return Err(ApiError::invalid("give either 'queue' or 'queue_name', not both")),
        (Some(q), None) => store.get_queue(&q).await?.ok_or_else(|| invalid_queue(&q))?,
        (None, Some(name)) => store.ensure_queue(&name, &[]).await?,
        (None, None) => store
            .list_queues()
            .await?
            .into_iter()
            .find(|q| q.system_tags.iter().any(|t| t == "default"))
            .ok_or_else(|| ApiError::new(400, 707, "no default queue"))?,
    };
    let reason = req.opt_str("status_reason")?.unwrap_or_default();
    let message = req.opt_str("status_message")?.unwrap_or_default();
    let queue_id = queue.id.clone();
    let mut out = modify_with_queue(ctx, &id, |t| {
        if !force && !t.status.can_become(TaskStatus::Queued) {
            return Err(ApiError::invalid_status(
                format!("cannot enqueue a task that is {}", t.status),
                t.status.as_str(),
            ));
        }
        if t.status != TaskStatus::Queued {
            t.enqueue_status = Some(t.status);
        }
        t.status = TaskStatus::Queued;
        t.status_changed = now_ms();
        t.status_reason = reason.clone();
        t.status_message = message.clone();
        t.execution_queue = Some(queue_id.clone());
        Ok((json!({"status": "queued", "execution.queue": queue_id}), QueueChange::Enqueue(queue_id.clone())))
    })
    .await?;
    out["queued"] = json!(1);
    out["queue_watched"] = json!(false);
    Ok(out)
}

/// `tasks.dequeue`: back to the status before enqueueing (or `new_status`,
/// as the agent sends for a task it has already started).
pub async fn dequeue(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let new_status =
        req.opt_str("new_status")?.map(|s| s.parse::<TaskStatus>().map_err(ApiError::invalid)).transpose()?;
    let mut out = modify_with_queue(ctx, &id, |t| {
        match (t.status, new_status) {
            (TaskStatus::Queued, _) => {
                t.status = new_status.or(t.enqueue_status).unwrap_or(TaskStatus::Created);
                t.status_changed = now_ms();
                t.status_reason = "dequeued".into();
            }
            (_, Some(st)) => {
                if t.status != st {
                    t.status = st;
                    t.status_changed = now_ms();
                }
            }
            (st, None) => {
                return Err(ApiError::invalid_status(format!("cannot dequeue a task that is {st}"), st.as_str()))
            }
        }
        t.enqueue_status = None;
        t.execution_queue = None;
        Ok((json!({"status": t.status.as_str()}), QueueChange::Remove))
    })
    .await?;
    out["dequeued"] = json!(1);
    Ok(out)
}

fn keep_input_artifacts(artifacts: &[Value]) -> Vec<Value> {
    artifacts.iter().filter(|a| a.get("mode").and_then(Value::as_str) == Some("input")).cloned().collect()
}

/// `tasks.clone`: a new draft with the source's inputs (§5.2).
pub async fn clone(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let src = load(ctx, &req.str("task")?).await?;
    let store = &ctx.state.store;
    let mut project = src.project.clone();
    let mut new_project = Value::Null;
    if let Some(p) = req.opt_str("new_task_project")? {
        if store.get_project(&p).await?.is_none() {
            return Err(ApiError::invalid_project(&p));
        }
        project = Some(p);
    } else if let Some(name) = req.opt_str("new_project_name")? {
        let p = store.ensure_project(&name, "").await?;
        new_project = json!({"id": p.id, "name": p.name});
        project = Some(p.id);
    }
    let now = now_ms();
    let mut t = Task {
        id: new_id(),
        // Without a name the clone is "Clone Of <name>", as in ClearML's web app.
        name: req
            .opt_str("new_task_name")?
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("Clone Of {}", src.name)),
        project,
        task_type: src.task_type,
        status: TaskStatus::Created,
        status_changed: now,
        comment: req.opt_str("new_task_comment")?.unwrap_or_else(|| src.comment.clone()),
        parent: Some(req.opt_str("new_task_parent")?.or_else(|| src.parent.clone()).unwrap_or_else(|| src.id.clone())),
        user: ctx.identity.user.clone(),
        tags: if req.has("new_task_tags") { req.str_list("new_task_tags")? } else { src.tags.clone() },
        system_tags: if req.has("new_task_system_tags") {
            req.str_list("new_task_system_tags")?
        } else {
            src.system_tags.iter().filter(|t| *t != "development" && *t != "archived").cloned().collect()
        },
        created: now,
        last_update: now,
        last_change: now,
        script: src.script.clone(),
        container: src.container.clone(),
        output_destination: src.output_destination.clone(),
        execution_extra: src.execution_extra.clone(),
        hyperparams: src.hyperparams.clone(),
        configuration: src.configuration.clone(),
        artifacts: keep_input_artifacts(&src.artifacts),
        revision: 1,
        ..Task::default()
    };
    t.models.input = src.models.input.clone();
    if let Some(h) = req.get("new_task_hyperparams") {
        t.hyperparams = parse_hyperparams(h)?;
    }
    if let Some(c) = req.get("new_task_configuration") {
        t.configuration = parse_configuration(c)?;
    }
    if let Some(c) = req.opt_object("new_task_container")? {
        let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        t.container.image = s("image");
        t.container.arguments = s("arguments");
        t.container.setup_shell_script = s("setup_shell_script");
    }
    if let Some(models) = req.get("new_task_input_models") {
        t.models.input = serde_json::from_value::<Vec<ModelLink>>(models.clone())
            .map_err(|e| ApiError::invalid(format!("new_task_input_models: {e}")))?;
    }
    if let Some(over) = req.opt_object("execution_overrides")? {
        for (k, v) in over {
            t.execution_extra.insert(k.clone(), v.clone());
        }
    }
    store.insert_task(&t).await?;
    Ok(json!({"id": t.id, "new_project": new_project}))
}

/// `tasks.reset`: back to draft, without outputs (§11.16). Published tasks
/// are refused unless forced.
pub async fn reset(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let clear_all = req.bool_or("clear_all", false)?;
    let t = load(ctx, &id).await?;
    if t.status == TaskStatus::Published && !force {
        return Err(ApiError::invalid_status("a published task cannot be reset", t.status.as_str()));
    }
    let was_queued = t.status == TaskStatus::Queued;
    ctx.state.store.clear_task_events(&id).await?;
    let mut out = modify_with_queue(ctx, &id, |t| {
        t.status = TaskStatus::Created;
        t.status_changed = now_ms();
        t.status_reason = "reset".into();
        t.status_message = "reset".into();
        t.started = None;
        t.completed = None;
        t.published = None;
        t.runtime = Map::new();
        t.models.output.clear();
        t.output_extra.remove("result");
        t.output_extra.remove("error");
        t.artifacts = keep_input_artifacts(&t.artifacts);
        t.last_worker = None;
        t.last_worker_report = None;
        t.execution_queue = None;
        t.enqueue_status = None;
        if clear_all {
            t.execution_extra = Map::new();
            t.script = Default::default();
        }
        Ok((json!({"status": "created"}), QueueChange::Remove))
    })
    .await?;
    out["dequeued"] = json!({"removed": i32::from(was_queued)});
    out["deleted_models"] = json!(0);
    out["urls"] = json!({});
    Ok(out)
}

/// `tasks.publish`.
pub async fn publish(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    modify(ctx, &id, |t| {
        if !force && !t.status.can_become(TaskStatus::Published) {
            return Err(ApiError::invalid_status(
                format!("cannot publish a task that is {}", t.status),
                t.status.as_str(),
            ));
        }
        let now = now_ms();
        t.status = TaskStatus::Published;
        t.status_changed = now;
        t.published = Some(now);
        Ok(json!({"status": "published"}))
    })
    .await
}

/// `tasks.stop`: a task a live worker runs keeps running with the status
/// message "stopping", and its worker stops it; anything else stops at once.
pub async fn stop(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let reason = req.opt_str("status_reason")?.unwrap_or_else(|| "stopped".into());
    let message = req.opt_str("status_message")?.unwrap_or_default();
    modify_with_queue(ctx, &id, |t| {
        let now = now_ms();
        let live_worker = t.status == TaskStatus::InProgress
            && !t.system_tags.iter().any(|s| s == "development")
            && t.last_worker.is_some()
            && t.last_worker_report.is_some_and(|r| now - r < LIVE_WORKER_MS);
        if live_worker && !force {
            t.status_message = "stopping".into();
            t.status_reason = reason.clone();
            return Ok((json!({"status_message": "stopping"}), QueueChange::Keep));
        }
        if !force && !t.status.can_become(TaskStatus::Stopped) {
            return Err(ApiError::invalid_status(
                format!("cannot stop a task that is {}", t.status),
                t.status.as_str(),
            ));
        }
        let queue = if t.status == TaskStatus::Queued { QueueChange::Remove } else { QueueChange::Keep };
        t.status = TaskStatus::Stopped;
        t.status_changed = now;
        t.status_reason = reason.clone();
        t.status_message = message.clone();
        t.completed = Some(now);
        t.execution_queue = None;
        Ok((json!({"status": "stopped"}), queue))
    })
    .await
}

/// `tasks.delete`: running tasks only with `force`.
pub async fn delete(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let t = load(ctx, &id).await?;
    if t.status == TaskStatus::InProgress && !force {
        return Err(ApiError::invalid_status("a running task can only be deleted with force", t.status.as_str()));
    }
    ctx.state.store.delete_task(&id).await?;
    Ok(json!({"deleted": true, "updated_children": 0, "updated_models": 0, "events": {}, "urls": {}}))
}

/// The queue tasks go to when nothing else is said, created at start-up.
pub async fn ensure_default_queue(store: &dyn crate::server::store::Store) -> crate::error::AppResult<()> {
    store.ensure_queue(DEFAULT_QUEUE, &["default".to_string()]).await.map(|_| ())
}

/// Applies `change` to each task of `ids`, collecting ClearML's
/// `succeeded`/`failed` lists (one failing task does not stop the others).
async fn for_each_task<F>(ctx: &Ctx, ids: Vec<String>, mut change: F) -> Result<Value, ApiError>
where
    F: FnMut(&mut Task) -> Result<Value, ApiError>,
{
    let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
    for id in ids {
        match modify(ctx, &id, &mut change).await {
            Ok(v) => {
                let mut entry = v.get("fields").cloned().unwrap_or_else(|| json!({}));
                entry["id"] = json!(id);
                succeeded.push(entry);
            }
            Err(e) if e.code == 500 => return Err(e),
            Err(e) => failed.push(json!({"id": id, "error": {"codes": [e.code, e.subcode], "msg": e.msg}})),
        }
    }
    Ok(json!({"succeeded": succeeded, "failed": failed}))
}

fn set_archived(t: &mut Task, archived: bool) -> Result<Value, ApiError> {
    t.system_tags.retain(|s| s != "archived");
    if archived {
        t.system_tags.push("archived".into());
    }
    Ok(json!({"archived": archived}))
}

/// `tasks.archive_many`: adds the `archived` system tag (any status).
pub async fn archive_many(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    for_each_task(ctx, req.nonempty_str_list("ids")?, |t| set_archived(t, true)).await
}

/// `tasks.unarchive_many`: removes the `archived` system tag.
pub async fn unarchive_many(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    for_each_task(ctx, req.nonempty_str_list("ids")?, |t| set_archived(t, false)).await
}

/// `tasks.update_tags`: adds `add_tags` and removes `remove_tags` on each
/// task of `ids` (tags are labels, so any status).
pub async fn update_tags(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.nonempty_str_list("ids")?;
    let add = req.str_list("add_tags")?;
    let remove = req.str_list("remove_tags")?;
    if add.is_empty() && remove.is_empty() {
        return Err(ApiError::missing("add_tags or remove_tags"));
    }
    if add.iter().chain(&remove).any(|t| t.trim().is_empty()) {
        return Err(ApiError::invalid("tags must not be empty"));
    }
    let out = for_each_task(ctx, ids, |t| {
        t.tags.retain(|x| !remove.contains(x));
        for a in &add {
            if !t.tags.contains(a) {
                t.tags.push(a.clone());
            }
        }
        Ok(json!({"tags": t.tags}))
    })
    .await?;
    let updated = out["succeeded"].as_array().map_or(0, Vec::len);
    Ok(json!({"updated": updated, "succeeded": out["succeeded"], "failed": out["failed"]}))
}

/// `tasks.move`: tasks of `ids` to `project` (an id) or `project_name`
/// (created if missing).
pub async fn move_tasks(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.nonempty_str_list("ids")?;
    let store = &ctx.state.store;
    let project = match (req.opt_str("project")?, req.opt_str("project_name")?) {
        (Some(p), _) => store.get_project(&p).await?.ok_or_else(|| ApiError::invalid_project(&p))?,
        (None, Some(name)) => store.ensure_project(&name, "").await?,
        (None, None) => return Err(ApiError::missing("project")),
    };
    let pid = project.id.clone();
    let mut out = for_each_task(ctx, ids, |t| {
        t.project = Some(pid.clone());
        Ok(json!({"project": pid}))
    })
    .await?;
    out["project_id"] = json!(project.id);
    Ok(out)
}
