//! `queues.*`: execution queues.

use super::query::{self, Query, QUEUE_FIELDS};
use super::request::{project_fields, Req, Scroll};
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::queue::QueuePosition;
use crate::model::Actor;
use crate::server::clock::now_ms;
use crate::server::ops::queues::{self, QueueUpdate};
use crate::server::state::AppState;
use serde_json::{json, Value};

/// `queues.get_by_id`.
pub async fn get_by_id(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let q = queues::get(state, actor, &req.str("queue")?).await?;
    let entries = state.store.queue_entries(&q.id).await?;
    Ok(json!({"queue": wire::queue(&q, &entries)}))
}

/// Queues with these system tags are left out of lists unless asked for
/// (ClearML's `services.queues.hidden_tags`, plus Labbook's `hidden`).
const HIDDEN_TAGS: [&str; 2] = ["k8s-glue", "hidden"];

/// The `queues.get_all`/`get_all_ex` parameters that are not conditions.
const OWN_KEYS: &[&str] = &[
    "only_fields",
    "order_by",
    "page",
    "page_size",
    "scroll_id",
    "size",
    "refresh_scroll",
    "search_hidden",
    "max_task_entries",
    "search_text",
];

/// `queues.get_all` and `queues.get_all_ex`: ClearML's query language (see
/// [`query`]: `name` a regex, `id`, `tags`, `system_tags`, `metadata.*`),
/// ordered by name unless `order_by` says otherwise. Queues with a
/// [`HIDDEN_TAGS`] system tag are left out unless `search_hidden`, ids or
/// a name are given. `_ex` answers entries' tasks as `{id, name}`.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req, ex: bool) -> AppResult<Value> {
    let conditions = Query::parse(&req, &QUEUE_FIELDS, OWN_KEYS)?;
    let show_hidden = req.bool_or("search_hidden", false)? || req.has("id") || req.has("name");
    let scroll = Scroll::of(&req)?;
    let window = query::window(&req, scroll.as_ref())?;
    let only_fields = req.str_list("only_fields")?;
    let max_entries = req.opt_i64("max_task_entries")?.map(|n| usize::try_from(n.max(0)).unwrap_or(0));
    let live = if ex { crate::server::ops::workers::live(state, actor).await? } else { Vec::new() };
    let mut docs = Vec::new();
    for q in queues::list(state, actor).await? {
        if !show_hidden && q.system_tags.iter().any(|t| HIDDEN_TAGS.contains(&t.as_str())) {
            continue;
        }
        let mut entries = state.store.queue_entries(&q.id).await?;
        if let Some(n) = max_entries {
            entries.truncate(n);
        }
        let mut doc = wire::queue(&q, &entries);
        if ex {
            // `_ex` answers each waiting task as `{id, name}`.
            for (e, v) in entries.iter().zip(doc["entries"].as_array_mut().into_iter().flatten()) {
                let name = state.store.get_task(&e.task).await?.map(|t| t.name);
                v["task"] = json!({"id": e.task, "name": name});
            }
            // And the live workers that pull from it.
            let workers: Vec<Value> = live
                .iter()
                .filter(|(w, _)| w.queues.contains(&q.id))
                .map(|(w, task)| {
                    json!({
                        "name": w.id, "ip": w.ip, "key": wire::worker_key(w),
                        "task": task.as_ref().map(|t| json!({"id": t.id, "name": t.name})),
                    })
                })
                .collect();
            doc["workers"] = json!(workers);
        }
        docs.push(doc);
    }
    let docs = query::select(docs, &conditions, &req.str_list("order_by")?, "name", window);
    let out: Vec<Value> = docs
        .into_iter()
        .map(|d| {
            let tags = d["tags"].clone();
            let mut v = project_fields(d, &only_fields);
            // The agent crashes on a queue without tags (clearml-api.md §8.1).
            if v.get("tags").is_none() {
                v["tags"] = tags;
            }
            v
        })
        .collect();
    let returned = out.len();
    let mut answer = json!({"queues": out});
    if let Some(s) = scroll {
        answer["scroll_id"] = json!(s.next(returned));
    }
    Ok(answer)
}

/// `queues.get_default`: the queue with the `default` system tag.
pub async fn get_default(state: &AppState, actor: &Actor, _req: Req) -> AppResult<Value> {
    let q = queues::default(state, actor).await?;
    Ok(json!({"id": q.id, "name": q.name}))
}

/// `queues.create`.
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let q =
        queues::create(state, actor, &req.str("name")?, &req.str_list("tags")?, &req.str_list("system_tags")?).await?;
    let extra = QueueUpdate {
        display_name: req.opt_str("display_name")?.map(Some),
        metadata: metadata_items(&req)?,
        ..QueueUpdate::default()
    };
    if extra != QueueUpdate::default() {
        queues::update(state, actor, &q.id, &extra).await?;
    }
    Ok(json!({"id": q.id}))
}

/// The `metadata` of a request: a list of `{key, type, value}` or an
/// object of them by key.
fn metadata_items(req: &Req) -> AppResult<Option<Vec<Value>>> {
    Ok(match req.get("metadata") {
        None => None,
        Some(Value::Array(items)) => Some(items.clone()),
        Some(Value::Object(m)) => Some(
            m.iter()
                .map(|(k, v)| {
                    let mut item = v.clone();
                    if item.get("key").is_none() && item.is_object() {
                        item["key"] = json!(k);
                    }
                    item
                })
                .collect(),
        ),
        Some(_) => return Err(AppError::invalid("metadata must be a list of {key, type, value}")),
    })
}

/// `queues.add_or_update_metadata {queue, metadata, replace_metadata?}`.
pub async fn add_or_update_metadata(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let change = QueueUpdate {
        metadata: Some(metadata_items(&req)?.ok_or_else(|| AppError::missing("metadata"))?),
        replace_metadata: req.bool_or("replace_metadata", false)?,
        ..QueueUpdate::default()
    };
    queues::update(state, actor, &req.str("queue")?, &change).await?;
    Ok(json!({"updated": 1}))
}

/// `queues.delete_metadata {queue, keys}`.
pub async fn delete_metadata(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let change = QueueUpdate { remove_metadata: req.nonempty_str_list("keys")?, ..QueueUpdate::default() };
    queues::update(state, actor, &req.str("queue")?, &change).await?;
    Ok(json!({"updated": 1}))
}

/// `queues.get_num_entries`.
pub async fn get_num_entries(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    Ok(json!({"num": queues::entries(state, actor, &req.str("queue")?).await?.len()}))
}

/// `queues.get_next_task {queue}`: the first waiting task, each to exactly
/// one caller; `{}` when the queue is empty.
pub async fn get_next_task(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    Ok(match queues::next_task(state, actor, &req.str("queue")?).await? {
        Some(e) => json!({"entry": wire::queue_entry(&e)}),
        None => json!({}),
    })
}

/// `queues.update {queue, name?, tags?, system_tags?}`.
pub async fn update(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("queue")?;
    let list = |field: &str| -> AppResult<Option<Vec<String>>> {
        if req.has(field) {
            req.str_list(field).map(Some)
        } else {
            Ok(None)
        }
    };
    let change = QueueUpdate {
        name: req.opt_str("name")?,
        display_name: if req.body.contains_key("display_name") { Some(req.opt_str("display_name")?) } else { None },
        tags: list("tags")?,
        system_tags: list("system_tags")?,
        metadata: metadata_items(&req)?,
        // As on ClearML's server, `metadata` in an update is the whole of it.
        replace_metadata: true,
        ..QueueUpdate::default()
    };
    let q = queues::update(state, actor, &id, &change).await?;
    let mut fields = serde_json::Map::new();
    if change.name.is_some() {
        fields.insert("name".into(), json!(q.name));
    }
    if change.tags.is_some() {
        fields.insert("tags".into(), json!(q.tags));
    }
    if change.system_tags.is_some() {
        fields.insert("system_tags".into(), json!(q.system_tags));
    }
    Ok(json!({"updated": 1, "fields": fields}))
}

/// `queues.delete {queue, force?}`.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("queue")?;
    let deleted = queues::delete(state, actor, &id, req.bool_or("force", false)?).await?;
    Ok(json!({"deleted": u8::from(deleted)}))
}

/// The four `queues.move_task_*` calls: `{queue, task, count?}` → `{position}`.
async fn move_task(state: &AppState, actor: &Actor, req: Req, to: fn(usize) -> QueuePosition) -> AppResult<Value> {
    let queue = req.str("queue")?;
    let task = req.str("task")?;
    let count = match req.opt_i64("count")? {
        None => 1,
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(n) => return Err(AppError::invalid(format!("count must be at least 1, got {n}"))),
    };
    Ok(json!({"position": queues::move_task(state, actor, &queue, &task, to(count)).await?}))
}

/// `queues.move_task_to_front`.
pub async fn move_task_to_front(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    move_task(state, actor, req, |_| QueuePosition::Front).await
}

/// `queues.move_task_to_back`.
pub async fn move_task_to_back(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    move_task(state, actor, req, |_| QueuePosition::Back).await
}

/// `queues.move_task_forward {count}`: earlier by `count` places.
pub async fn move_task_forward(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    move_task(state, actor, req, QueuePosition::Forward).await
}

/// `queues.move_task_backward {count}`: later by `count` places.
pub async fn move_task_backward(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    move_task(state, actor, req, QueuePosition::Backward).await
}

/// `queues.remove_task {queue, task, update_task_status?}`: out of the
/// queue; with `update_task_status` also back to the status it had before.
pub async fn remove_task(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let update = req.bool_or("update_task_status", false)?;
    queues::remove_task(state, actor, &req.str("queue")?, &req.str("task")?, update).await?;
    Ok(json!({"removed": 1}))
}

/// `queues.peek_task {queue}`: the first waiting task, left in the queue.
pub async fn peek_task(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let entries = queues::entries(state, actor, &req.str("queue")?).await?;
    Ok(json!({"task": entries.first().map(|e| e.task.clone())}))
}

/// `queues.clear_queue {queue}`: every waiting task out, each back to the
/// status it had before it was enqueued.
pub async fn clear_queue(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let queue = req.str("queue")?;
    let mut removed = Vec::new();
    for e in queues::entries(state, actor, &queue).await? {
        queues::remove_task(state, actor, &queue, &e.task, true).await?;
        removed.push(e.task);
    }
    Ok(json!({"removed_tasks": removed}))
}

/// `queues.add_task {queue, task}`.
pub async fn add_task(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    queues::add_task(state, actor, &req.str("queue")?, &req.str("task")?).await?;
    Ok(json!({"added": 1}))
}

/// `queues.get_queue_metrics {from_date, to_date, interval, queue_ids?}`:
/// each queue's length and mean wait (seconds) per interval, dates in epoch
/// ms; without `queue_ids`, all queues as one series `total`. Asked without
/// a range (Labbook's older form), one sample per queue, now.
pub async fn get_queue_metrics(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    if req.has("from_date") || req.has("to_date") || req.has("interval") {
        let date = |field: &str| -> AppResult<f64> {
            match req.get(field) {
                None | Some(Value::Null) => Err(AppError::missing(field)),
                Some(v) => v.as_f64().ok_or_else(|| AppError::invalid(format!("{field} must be a number of seconds"))),
            }
        };
        let interval = req.opt_i64("interval")?.ok_or_else(|| AppError::missing("interval"))?;
        let range = queues::MetricsRange::new(date("from_date")?, date("to_date")?, interval)?;
        if req.bool_or("refresh", false)? {
            queues::record_all(state).await?;
        }
        let out: Vec<Value> = queues::history(state, actor, &req.str_list("queue_ids")?, range)
            .await?
            .into_iter()
            .map(|(queue, buckets)| {
                let dates: Vec<i64> = buckets.iter().map(|b| b.date).collect();
                let waits: Vec<f64> = buckets.iter().map(|b| b.wait_ms as f64 / 1000.0).collect();
                let lengths: Vec<i64> = buckets.iter().map(|b| b.length).collect();
                json!({"queue": queue, "dates": dates, "avg_waiting_times": waits, "queue_lengths": lengths})
            })
            .collect();
        return Ok(json!({"queues": out}));
    }
    let now = now_ms();
    let out: Vec<Value> = queues::metrics(state, actor, &req.str_list("queue_ids")?)
        .await?
        .into_iter()
        .map(|(q, waits)| {
            json!({
                "queue": q.id, "dates": [now], "avg_waiting_times": [waits.mean_ms as f64 / 1000.0],
                "queue_lengths": [waits.count],
            })
        })
        .collect();
    Ok(json!({"queues": out}))
}
