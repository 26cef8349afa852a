//! Queues and workers for the web UI: what waits where, for how long, and
//! who runs what. Every change goes through the `queues.*` and `tasks.*`
//! endpoints, so the checks and messages are the API's.

use crate::model::QueueWaits;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A task waiting in a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingTask {
    pub id: String,
    pub name: String,
    /// How long it has waited, in milliseconds.
    pub waited_ms: i64,
}

/// A queue with its waiting tasks in the order they will run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub id: String,
    pub name: String,
    /// The queue tasks go to when none is named; it cannot be deleted.
    pub default: bool,
    pub waits: QueueWaits,
    pub tasks: Vec<WaitingTask>,
    /// Ids of the live workers that take tasks from it.
    pub workers: Vec<String>,
}

/// A live worker: what it serves, runs and last reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerView {
    pub id: String,
    /// Queue names.
    pub queues: Vec<String>,
    /// (id, name) of the task it runs.
    pub task: Option<(String, String)>,
    /// Seconds its task has run.
    pub running_s: i64,
    /// Epoch milliseconds of its last report.
    pub last_seen: i64,
    /// Milliseconds since that report, when the list was made.
    pub silent_ms: i64,
    /// Mean CPU use over its cores, percent.
    pub cpu: Option<f64>,
    /// Memory used and free, MB.
    pub memory: Option<(f64, f64)>,
    /// Free disk, percent.
    pub disk_free: Option<f64>,
}

/// What to do with a waiting task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueOp {
    /// Run it next.
    Top,
    /// One place earlier.
    Up,
    /// One place later.
    Down,
    /// Run it last.
    Bottom,
    /// Out of the queue, back to draft.
    Remove,
    /// To the end of another queue (by id).
    MoveTo(String),
}

/// The live workers and the ids of the queues each serves.
#[cfg(feature = "ssr")]
async fn workers_with_queues() -> Result<Vec<(WorkerView, Vec<String>)>, ServerFnError> {
    let st = super::state()?;
    let now = crate::server::clock::now_ms();
    let queues = st.store.list_queues().await.map_err(super::to_client)?;
    let workers = crate::server::clearml::workers::live_workers(&st).await.map_err(super::to_client)?;
    Ok(workers
        .into_iter()
        .map(|(w, task)| {
            let stats = &w.machine_stats;
            let number = |k: &str| stats.get(k).and_then(serde_json::Value::as_f64);
            let cpu = stats.get("cpu_usage").and_then(serde_json::Value::as_array).filter(|c| !c.is_empty()).map(|c| {
                let v: Vec<f64> = c.iter().filter_map(serde_json::Value::as_f64).collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            });
            let view = WorkerView {
                id: w.id.clone(),
                queues: w
                    .queues
                    .iter()
                    .filter_map(|id| queues.iter().find(|q| &q.id == id))
                    .map(|q| q.name.clone())
                    .collect(),
                running_s: task.as_ref().and_then(|t| t.started).map_or(0, |s| (now - s) / 1000),
                task: task.map(|t| (t.id, t.name)),
                last_seen: w.last_seen,
                silent_ms: (now - w.last_seen).max(0),
                cpu,
                memory: number("memory_used").zip(number("memory_free")),
                disk_free: number("disk_free_home"),
            };
            (view, w.queues)
        })
        .collect())
}

/// The live workers, as `workers.get_all` lists them.
#[server(prefix = "/rpc", endpoint = "list_workers", output = Json)]
pub async fn list_workers() -> Result<Vec<WorkerView>, ServerFnError> {
    Ok(workers_with_queues().await?.into_iter().map(|(w, _)| w).collect())
}

/// Every queue with its waiting tasks, the default queue first.
#[server(prefix = "/rpc", endpoint = "list_queue_views", output = Json)]
pub async fn list_queue_views() -> Result<Vec<QueueView>, ServerFnError> {
    let st = super::state()?;
    let now = crate::server::clock::now_ms();
    let workers = workers_with_queues().await?;
    let mut out = Vec::new();
    for q in st.store.list_queues().await.map_err(super::to_client)? {
        let entries = st.store.queue_entries(&q.id).await.map_err(super::to_client)?;
        let ids: Vec<String> = entries.iter().map(|e| e.task.clone()).collect();
        let names: std::collections::HashMap<String, String> = if ids.is_empty() {
            Default::default()
        } else {
            let page_size = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            let filter = crate::server::store::TaskFilter { ids, page_size, ..Default::default() };
            let (tasks, _) = st.store.query_tasks(&filter).await.map_err(super::to_client)?;
            tasks.into_iter().map(|t| (t.id, t.name)).collect()
        };
        out.push(QueueView {
            default: q.system_tags.iter().any(|t| t == "default"),
            waits: QueueWaits::of(&entries, now),
            tasks: entries
                .iter()
                .map(|e| WaitingTask {
                    id: e.task.clone(),
                    name: names.get(&e.task).cloned().unwrap_or_else(|| e.task.clone()),
                    waited_ms: (now - e.added).max(0),
                })
                .collect(),
            workers: workers.iter().filter(|(_, qs)| qs.contains(&q.id)).map(|(w, _)| w.id.clone()).collect(),
            id: q.id,
            name: q.name,
        });
    }
    out.sort_by(|a, b| b.default.cmp(&a.default).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Creates a queue; answers its id.
#[server(prefix = "/rpc", endpoint = "create_queue")]
pub async fn create_queue(name: String) -> Result<String, ServerFnError> {
    let out = super::call("queues.create", serde_json::json!({"name": name})).await?;
    out["id"].as_str().map(str::to_string).ok_or_else(|| ServerFnError::new("the new queue has no id"))
}

/// Renames a queue.
#[server(prefix = "/rpc", endpoint = "rename_queue")]
pub async fn rename_queue(id: String, name: String) -> Result<(), ServerFnError> {
    super::call("queues.update", serde_json::json!({"queue": id, "name": name})).await.map(|_| ())
}

/// Deletes a queue; with `force`, its waiting tasks go back to draft first.
#[server(prefix = "/rpc", endpoint = "delete_queue")]
pub async fn delete_queue(id: String, force: bool) -> Result<(), ServerFnError> {
    super::call("queues.delete", serde_json::json!({"queue": id, "force": force})).await.map(|_| ())
}

/// Reorders, removes or moves a waiting task.
#[server(prefix = "/rpc", endpoint = "queue_task", input = Json)]
pub async fn queue_task(queue: String, task: String, op: QueueOp) -> Result<(), ServerFnError> {
    use serde_json::json;
    let (endpoint, body) = match op {
        QueueOp::Top => ("queues.move_task_to_front", json!({"queue": queue, "task": task})),
        QueueOp::Up => ("queues.move_task_forward", json!({"queue": queue, "task": task, "count": 1})),
        QueueOp::Down => ("queues.move_task_backward", json!({"queue": queue, "task": task, "count": 1})),
        QueueOp::Bottom => ("queues.move_task_to_back", json!({"queue": queue, "task": task})),
        QueueOp::Remove => ("queues.remove_task", json!({"queue": queue, "task": task})),
        QueueOp::MoveTo(to) => ("tasks.enqueue", json!({"task": task, "queue": to})),
    };
    super::call(endpoint, body).await.map(|_| ())
}
