//! `queues.*`: execution queues.

use super::projects::name_regex;
use super::request::{project_fields, ApiError, Req};
use super::Ctx;
use crate::model::{Queue, QueueEntry};
use crate::server::clock::{iso, now_ms};
use crate::server::store::QueuePosition;
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
    let q = load(ctx, &id).await?;
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
    let name = valid_name(&name)?;
    let q = ctx
        .state
        .store
        .create_queue(name, &req.str_list("tags")?, &req.str_list("system_tags")?)
        .await?
        .ok_or_else(|| name_taken(name))?;
    Ok(json!({"id": q.id}))
}

/// `queues.get_num_entries`.
pub async fn get_num_entries(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("queue")?;
    load(ctx, &id).await?;
    Ok(json!({"num": ctx.state.store.queue_entries(&id).await?.len()}))
}

/// `queues.get_next_task {queue}`: hands the first waiting task to the
/// calling worker, each task to exactly one caller; `{}` when the queue is
/// empty. The task stays `queued` until the agent starts it.
pub async fn get_next_task(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("queue")?;
    load(ctx, &id).await?;
    Ok(match ctx.state.store.pop_queue(&id).await? {
        Some(e) => json!({"entry": {"task": e.task, "added": iso(e.added)}}),
        None => json!({}),
    })
}

/// A queue name as `queues.create` and `queues.update` accept it.
fn valid_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.chars().count() < 3 {
        return Err(ApiError::invalid("queue name must be at least 3 characters long"));
    }
    Ok(name)
}

fn name_taken(name: &str) -> ApiError {
    ApiError::new(400, 801, format!("value already exists (a queue named '{name}' exists)"))
}

/// The queue with this id, or 400/701.
async fn load(ctx: &Ctx, id: &str) -> Result<Queue, ApiError> {
    ctx.state.store.get_queue(id).await?.ok_or_else(|| invalid_queue(id))
}

/// `queues.update {queue, name?, tags?, system_tags?}`.
pub async fn update(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let mut q = load(ctx, &req.str("queue")?).await?;
    let mut fields = serde_json::Map::new();
    if let Some(name) = req.opt_str("name")? {
        q.name = valid_name(&name)?.to_string();
        fields.insert("name".into(), json!(q.name));
    }
    if req.has("tags") {
        q.tags = req.str_list("tags")?;
        fields.insert("tags".into(), json!(q.tags));
    }
    if req.has("system_tags") {
        q.system_tags = req.str_list("system_tags")?;
        fields.insert("system_tags".into(), json!(q.system_tags));
    }
    if !ctx.state.store.update_queue(&q).await? {
        return Err(name_taken(&q.name));
    }
    Ok(json!({"updated": 1, "fields": fields}))
}

/// `queues.delete {queue, force?}`: a queue with waiting tasks only with
/// `force`, which sends those tasks back to draft first. The default queue
/// stays.
pub async fn delete(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let q = load(ctx, &req.str("queue")?).await?;
    if q.system_tags.iter().any(|t| t == "default") {
        return Err(ApiError::invalid("the default queue cannot be deleted"));
    }
    let entries = ctx.state.store.queue_entries(&q.id).await?;
    if !entries.is_empty() && !req.bool_or("force", false)? {
        return Err(ApiError::new(
            400,
            702,
            format!("queue '{}' is not empty: {} tasks wait in it (use force to delete it)", q.name, entries.len()),
        ));
    }
    for e in &entries {
        dequeue(ctx, &e.task).await?;
    }
    Ok(json!({"deleted": u8::from(ctx.state.store.delete_queue(&q.id).await?)}))
}

/// Sends a waiting task back to the status it had before it was enqueued.
async fn dequeue(ctx: &Ctx, task: &str) -> Result<(), ApiError> {
    let body = serde_json::Map::from_iter([("task".to_string(), json!(task))]);
    match super::task_actions::dequeue(ctx, Req { body }).await {
        // Taken by a worker or dequeued meanwhile: nothing left to undo.
        Ok(_) | Err(ApiError { subcode: 110, .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

fn not_queued(queue: &Queue, task: &str) -> ApiError {
    ApiError::new(400, 703, format!("task {task} is not waiting in queue '{}'", queue.name))
        .with_data(json!({"queue": queue.id, "task": task}))
}

/// The four `queues.move_task_*` calls: `{queue, task, count?}` → `{position}`.
async fn move_task(ctx: &Ctx, req: Req, to: fn(usize) -> QueuePosition) -> Result<Value, ApiError> {
    let q = load(ctx, &req.str("queue")?).await?;
    let task = req.str("task")?;
    let count = match req.opt_i64("count")? {
        None => 1,
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(n) => return Err(ApiError::invalid(format!("count must be at least 1, got {n}"))),
    };
    let position = ctx.state.store.move_queue_entry(&q.id, &task, to(count)).await?;
    Ok(json!({"position": position.ok_or_else(|| not_queued(&q, &task))?}))
}

/// `queues.move_task_to_front`.
pub async fn move_task_to_front(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    move_task(ctx, req, |_| QueuePosition::Front).await
}

/// `queues.move_task_to_back`.
pub async fn move_task_to_back(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    move_task(ctx, req, |_| QueuePosition::Back).await
}

/// `queues.move_task_forward {count}`: earlier by `count` places.
pub async fn move_task_forward(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    move_task(ctx, req, QueuePosition::Forward).await
}

/// `queues.move_task_backward {count}`: later by `count` places.
pub async fn move_task_backward(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    move_task(ctx, req, QueuePosition::Backward).await
}

/// `queues.remove_task {queue, task}`: out of the queue and back to draft
/// (the status it had before it was enqueued).
pub async fn remove_task(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let q = load(ctx, &req.str("queue")?).await?;
    let task = req.str("task")?;
    if !ctx.state.store.queue_entries(&q.id).await?.iter().any(|e| e.task == task) {
        return Err(not_queued(&q, &task));
    }
    dequeue(ctx, &task).await?;
    Ok(json!({"removed": 1}))
}

/// `queues.get_queue_metrics {queue_ids?}`: for each queue, its length and
/// the average wait of the tasks in it now (seconds), as one sample at the
/// time of the call. Labbook keeps no history of these.
pub async fn get_queue_metrics(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.str_list("queue_ids")?;
    let now = now_ms();
    let mut out = Vec::new();
    for q in ctx.state.store.list_queues().await? {
        if !ids.is_empty() && !ids.contains(&q.id) {
            continue;
        }
        let waits = crate::model::QueueWaits::of(&ctx.state.store.queue_entries(&q.id).await?, now);
        out.push(json!({
            "queue": q.id, "dates": [now / 1000], "avg_waiting_times": [waits.mean_ms as f64 / 1000.0],
            "queue_lengths": [waits.count],
        }));
    }
    Ok(json!({"queues": out}))
}
