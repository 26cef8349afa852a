//! Workers: agents register, report their status while they poll and run
//! tasks, and unregister (clearml-api.md §6.1). One that has not reported
//! for the worker timeout is gone: [`reap`] removes it and fails the task it
//! was running, so no task stays "running" forever.

use super::tasks::{self, StatusChange};
use super::Actor;
use crate::error::{AppError, AppResult};
use crate::model::worker::WorkerView;
use crate::model::{Task, TaskStatus, Worker};
use crate::server::clock::now_ms;
use crate::server::state::AppState;
use serde_json::{Map, Value};

/// A worker id as clients may give it: not blank.
fn check_id(id: &str) -> AppResult<()> {
    if id.trim().is_empty() {
        return Err(AppError::invalid("worker must not be empty"));
    }
    Ok(())
}

/// The stored worker, or a new one registered now.
async fn current(state: &AppState, id: &str) -> AppResult<Worker> {
    check_id(id)?;
    let now = now_ms();
    Ok(state.store.get_worker(id).await?.unwrap_or_else(|| Worker {
        id: id.to_string(),
        registered: now,
        last_seen: now,
        ..Worker::default()
    }))
}

/// `workers.register`: `None` keeps what the worker said before.
pub async fn register(state: &AppState, actor: &Actor, id: &str, reg: Registration) -> AppResult<()> {
    let mut w = current(state, id).await?;
    w.user.clone_from(&actor.user);
    if reg.ip.is_some() {
        w.ip = reg.ip;
    }
    if let Some(q) = reg.queues {
        w.queues = q;
    }
    if let Some(t) = reg.tags {
        w.tags = t;
    }
    if let Some(t) = reg.system_tags {
        w.system_tags = t;
    }
    if let Some(secs) = reg.timeout_s {
        if secs <= 0 {
            return Err(AppError::invalid("timeout must be a positive number of seconds"));
        }
        w.timeout_ms = Some(secs.saturating_mul(1000));
    }
    w.last_seen = now_ms();
    state.store.put_worker(&w).await
}

/// What a worker says when it registers; `None` keeps what it said before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registration {
    pub queues: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    /// How long (seconds) it counts as alive without a report.
    pub timeout_s: Option<i64>,
    /// The address it registers from.
    pub ip: Option<String>,
}

/// What a worker reports with `workers.status_report`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusReport {
    /// The task it runs now; `None` means idle.
    pub task: Option<String>,
    /// The queue that task came from.
    pub queue: Option<String>,
    /// `None` keeps what the worker said before.
    pub queues: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub machine_stats: Option<Map<String, Value>>,
    /// The address it reports from.
    pub ip: Option<String>,
}

/// `workers.status_report`: what the worker runs now and its machine.
pub async fn status_report(state: &AppState, actor: &Actor, id: &str, report: StatusReport) -> AppResult<()> {
    let mut w = current(state, id).await?;
    // The task it names is served by this worker now: `tasks.stop` hands
    // it over (status message "stopping") instead of stopping it at once.
    if let Some(task) = report.task.as_deref().filter(|t| !t.is_empty()) {
        let served = tasks::modify(state, actor, task, |t| {
            t.last_worker = Some(id.to_string());
            t.last_worker_report = Some(now_ms());
            Ok(())
        })
        .await;
        match served {
            Ok(_) | Err(AppError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    w.user.clone_from(&actor.user);
    if report.ip.is_some() {
        w.ip = report.ip;
    }
    w.task = report.task.filter(|t| !t.is_empty());
    w.queue = report.queue.filter(|q| !q.is_empty());
    if let Some(q) = report.queues {
        w.queues = q;
    }
    if let Some(t) = report.tags {
        w.tags = t;
    }
    if let Some(stats) = report.machine_stats {
        w.machine_stats = stats;
    }
    w.last_seen = now_ms();
    state.store.put_worker(&w).await
}

/// `workers.get_runtime_properties`: what the worker set (nothing for a
/// worker never heard of).
pub async fn runtime_properties(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Vec<Value>> {
    check_id(id)?;
    Ok(state.store.get_worker(id).await?.map(|w| w.runtime_properties).unwrap_or_default())
}

/// `workers.set_runtime_properties`: sets properties by key (`{key, value,
/// expiry?}`), keeping the others.
pub async fn set_runtime_properties(state: &AppState, _actor: &Actor, id: &str, items: &[Value]) -> AppResult<()> {
    let mut w = current(state, id).await?;
    for item in items {
        let key = item
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| AppError::invalid("runtime_properties items need a 'key'"))?;
        w.runtime_properties.retain(|p| p.get("key").and_then(Value::as_str) != Some(key));
        w.runtime_properties.push(item.clone());
    }
    state.store.put_worker(&w).await
}

/// `workers.unregister`.
pub async fn unregister(state: &AppState, _actor: &Actor, id: &str) -> AppResult<()> {
    check_id(id)?;
    state.store.delete_worker(id).await.map(|_| ())
}

/// The workers heard from within the timeout, each with the task it runs.
pub async fn live(state: &AppState, _actor: &Actor) -> AppResult<Vec<(Worker, Option<Task>)>> {
    let now = now_ms();
    let timeout = state.worker_timeout_ms();
    let mut out = Vec::new();
    for w in state.store.list_workers().await?.into_iter().filter(|w| w.is_live(now, timeout)) {
        let task = match &w.task {
            Some(t) => state.store.get_task(t).await?,
            None => None,
        };
        out.push((w, task));
    }
    Ok(out)
}

/// The live workers as the workers page shows them.
pub async fn views(state: &AppState, actor: &Actor) -> AppResult<Vec<WorkerView>> {
    let now = now_ms();
    let queues = state.store.list_queues().await?;
    Ok(live(state, actor)
        .await?
        .into_iter()
        .map(|(w, task)| {
            let names = w.queues.iter().filter_map(|id| queues.iter().find(|q| &q.id == id)).map(|q| q.name.clone());
            WorkerView::new(&w, task.map(|t| (t.id, t.name, t.started)), names.collect(), now)
        })
        .collect())
}

/// Removes the workers not heard from within the timeout; a task one was
/// running that is still `in_progress` is marked failed with the reason.
/// Answers how many tasks were failed. Safe to run from several server
/// processes at once: the status change is revision-guarded and a task
/// already failed is left alone.
pub async fn reap(state: &AppState) -> AppResult<usize> {
    let now = now_ms();
    let timeout = state.worker_timeout_ms();
    let actor = Actor::server();
    let mut failed = 0;
    for w in state.store.list_workers().await?.into_iter().filter(|w| !w.is_live(now, timeout)) {
        if let Some(task) = &w.task {
            let running = state.store.get_task(task).await?.is_some_and(|t| t.status == TaskStatus::InProgress);
            if running {
                let change = StatusChange {
                    force: true,
                    reason: format!("worker {} stopped reporting (no status for {} s)", w.id, timeout / 1000),
                    message: "worker lost".into(),
                    ..StatusChange::to(TaskStatus::Failed)
                };
                match tasks::set_status(state, &actor, task, &change).await {
                    Ok(_) => failed += 1,
                    Err(e) => tracing::warn!(task = %task, error = %e, "could not fail the task of a lost worker"),
                }
            }
        }
        state.store.delete_worker(&w.id).await?;
        tracing::info!(worker = %w.id, "worker gone (no report within the timeout)");
    }
    Ok(failed)
}

/// Runs [`reap`] every few seconds (a tenth of the timeout, at most 30 s).
pub async fn reap_forever(state: AppState) {
    let every = std::time::Duration::from_secs((state.config.worker_timeout / 10).clamp(1, 30));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = reap(&state).await {
            tracing::warn!(error = %e, "reaping lost workers failed");
        }
    }
}
