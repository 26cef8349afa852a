//! `queues.*`: execution queues.

use super::projects::name_regex;
use super::request::{project_fields, ApiError, Req};
use super::Ctx;
use crate::model::{Queue, QueueEntry};
use crate::server::clock::iso;
use serde_json::{json, Value};

/// A queue as ClearML sends it (clearml-api.md §8.4): `tags` always present.
pub fn queue_to_wire(q: &Queue, entries: &[QueueEntry]) -> Value {
    let entries: Vec<Value> = entries.iter().map(|e| json!({"task": e.task, "added": iso(e.added)})).collect();
    json!({
        "id": q.id, "name": q.name, "display_name": null, "user": "", "company": crate::server::auth::COMPANY,
        "created": iso(q.created), "last_update": iso(q.last_update),
        "tags": q.tags, "system_tags": q.system_tags, "metadata": {}, "entries": entries,
    })
}

/// 400/701, which the SDK relies on to fall back from id to name.
pub fn invalid_queue(id: &str) -> ApiError {
    ApiError::new(400, 701, "invalid queue id").with_data(json!({"id": id}))
}

/// `queues.get_by_id`.
pub async fn get_by_id(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("queue")?;
    let q = ctx.state.store.get_queue(&id).await?.ok_or_else(|| invalid_queue(&id))?;
    let entries = ctx.state.store.queue_entries(&q.id).await?;
    Ok(json!({"queue": queue_to_wire(&q, &entries)}))
}

/// `queues.get_all`: `name` is a regex ("contains" unless anchored).
pub async fn get_all(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.str_list("id")?;
    let name = req.opt_str("name")?.map(|n| name_regex(&n)).transpose()?;
    let only_fields = req.str_list("only_fields")?;
    let mut out = Vec::new();
    for q in ctx.state.store.list_queues().await? {
        if (!ids.is_empty() && !ids.contains(&q.id)) || name.as_ref().is_some_and(|re| !re.is_match(&q.name)) {
            continue;
        }
        let entries = ctx.state.store.queue_entries(&q.id).await?;
        let mut v = project_fields(queue_to_wire(&q, &entries), &only_fields);
        // The agent crashes on a queue without tags (clearml-api.md §8.1).
        if v.get("tags").is_none() {
            v["tags"] = json!(q.tags);
        }
        out.push(v);
    }
    Ok(json!({"queues": out}))
}

/// `queues.get_default`: the queue with the `default` system tag.
pub async fn get_default(ctx: &Ctx, _req: Req) -> Result<Value, ApiError> {
    let queues = ctx.state.store.list_queues().await?;
    let q = queues
        .iter()
        .find(|q| q.system_tags.iter().any(|t| t == "default"))
        .ok_or_else(|| ApiError::new(400, 707, "no default queue"))?;
    Ok(json!({"id": q.id, "name": q.name}))
}

/// `queues.create`.
pub async fn create(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let name = req.str("name")?;
    if name.trim().chars().count() < 3 {
        return Err(ApiError::invalid("queue name must be at least 3 characters long"));
    }
    let q = ctx
        .state
        .store
        .create_queue(name.trim(), &req.str_list("tags")?, &req.str_list("system_tags")?)
        .await?
        .ok_or_else(|| ApiError::new(400, 801, "value already exists (a queue with this name exists)"))?;
    Ok(json!({"id": q.id}))
}

/// `queues.get_num_entries`.
pub async fn get_num_entries(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("queue")?;
    ctx.state.store.get_queue(&id).await?.ok_or_else(|| invalid_queue(&id))?;
    Ok(json!({"num": ctx.state.store.queue_entries(&id).await?.len()}))
}

/// `queues.get_next_task {queue}`: hands the first waiting task to the
/// calling worker, each task to exactly one caller; `{}` when the queue is
/// empty. The task stays `queued` until the agent starts it.
pub async fn get_next_task(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("queue")?;
    ctx.state.store.get_queue(&id).await?.ok_or_else(|| invalid_queue(&id))?;
    Ok(match ctx.state.store.pop_queue(&id).await? {
        Some(e) => json!({"entry": {"task": e.task, "added": iso(e.added)}}),
        None => json!({}),
    })
}
