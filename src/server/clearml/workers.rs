//! `workers.*`: agents register, report their status while they poll and
//! run tasks, and unregister (clearml-api.md §6.1). A worker that has not
//! reported for its timeout is gone: [`reap`] removes it and fails the task
//! it was running, so no task stays "running" forever.

use super::request::{ApiError, Req};
use super::Ctx;
use crate::model::Worker;
use crate::server::clock::{iso, now_ms};
use serde_json::{json, Value};

/// The timeout in milliseconds.
fn timeout_ms(state: &crate::server::state::AppState) -> i64 {
    i64::try_from(state.config.worker_timeout).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
}

/// The worker id of a request: present and not blank.
fn worker_id(req: &Req) -> Result<String, ApiError> {
    let id = req.str("worker")?;
    if id.trim().is_empty() {
        return Err(ApiError::invalid("worker must not be empty"));
    }
    Ok(id)
}

/// The stored worker, or a new one registered now.
async fn current(ctx: &Ctx, id: &str) -> Result<Worker, ApiError> {
    let now = now_ms();
    Ok(ctx.state.store.get_worker(id).await?.unwrap_or_else(|| Worker {
        id: id.to_string(),
        registered: now,
        last_seen: now,
        ..Worker::default()
    }))
}

/// `workers.register {worker, queues?, tags?}`.
pub async fn register(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = worker_id(&req)?;
    let mut w = current(ctx, &id).await?;
    if req.has("queues") {
        w.queues = req.str_list("queues")?;
    }
    if req.has("tags") {
        w.tags = req.str_list("tags")?;
    }
    w.last_seen = now_ms();
    ctx.state.store.put_worker(&w).await?;
    Ok(json!({}))
}

/// `workers.status_report {worker, timestamp, machine_stats, task?, queue?, queues?, tags?}`:
/// what the worker runs now (no `task` means idle) and its machine.
pub async fn status_report(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = worker_id(&req)?;
    let mut w = current(ctx, &id).await?;
    w.task = req.opt_str("task")?.filter(|t| !t.is_empty());
    w.queue = req.opt_str("queue")?.filter(|q| !q.is_empty());
    if req.has("queues") {
        w.queues = req.str_list("queues")?;
    }
    if req.has("tags") {
        w.tags = req.str_list("tags")?;
    }
    if let Some(stats) = req.opt_object("machine_stats")? {
        w.machine_stats = stats.clone();
    }
    w.last_seen = now_ms();
    ctx.state.store.put_worker(&w).await?;
    Ok(json!({}))
}

/// `workers.unregister {worker}`.
pub async fn unregister(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = worker_id(&req)?;
    ctx.state.store.delete_worker(&id).await?;
    Ok(json!({}))
}

/// The workers heard from within the timeout, each with the task it runs.
pub async fn live_workers(
    state: &crate::server::state::AppState,
) -> crate::error::AppResult<Vec<(Worker, Option<crate::model::Task>)>> {
    let now = now_ms();
    let timeout = timeout_ms(state);
    let mut out = Vec::new();
    for w in state.store.list_workers().await?.into_iter().filter(|w| now - w.last_seen <= timeout) {
        let task = match &w.task {
            Some(t) => state.store.get_task(t).await?,
            None => None,
        };
        out.push((w, task));
    }
    Ok(out)
}

/// `workers.get_all`: the live workers, with their queues and current task
/// named (§8.4).
pub async fn get_all(ctx: &Ctx, _req: Req) -> Result<Value, ApiError> {
    let now = now_ms();
    let queues = ctx.state.store.list_queues().await?;
    let mut out = Vec::new();
    for (w, task) in live_workers(&ctx.state).await? {
        let task = task.map(|t| {
            let running = t.started.map_or(0, |s| (now - s) / 1000);
            json!({"id": t.id, "name": t.name, "running_time": running, "last_iteration": t.last_iteration})
        });
        let named: Vec<Value> = w
            .queues
            .iter()
            .map(|q| {
                let name = queues.iter().find(|x| &x.id == q).map(|x| x.name.clone());
                json!({"id": q, "name": name, "display_name": null})
            })
            .collect();
        out.push(json!({
            "id": w.id, "user": {"id": "", "name": ""}, "company": {"id": crate::server::auth::COMPANY, "name": ""},
            "register_time": iso(w.registered), "last_activity_time": iso(w.last_seen), "last_report_time": iso(w.last_seen),
            "task": task, "queue": w.queue, "queues": named, "tags": w.tags, "system_tags": [],
            "machine_stats": w.machine_stats,
        }));
    }
    Ok(json!({"workers": out}))
}

/// Removes the workers not heard from within the timeout; a task one was
/// running that is still `in_progress` is marked failed with the reason.
/// Answers how many tasks were failed. Safe to run from several server
/// processes at once: the status change is revision-guarded and a task
/// already failed is left alone.
pub async fn reap(state: &crate::server::state::AppState) -> crate::error::AppResult<usize> {
    let now = now_ms();
    let timeout = timeout_ms(state);
    let mut failed = 0;
    for w in state.store.list_workers().await?.into_iter().filter(|w| now - w.last_seen > timeout) {
        if let Some(task) = &w.task {
            let running =
                state.store.get_task(task).await?.is_some_and(|t| t.status == crate::model::TaskStatus::InProgress);
            if running {
                let reason = format!("worker {} stopped reporting (no status for {} s)", w.id, timeout / 1000);
                let body =
                    json!({"task": task, "force": true, "status_reason": reason, "status_message": "worker lost"});
                match super::call(state, "labbook", "tasks.failed", body).await {
                    Ok(_) => failed += 1,
                    Err(e) => tracing::warn!(task = %task, error = %e.msg, "could not fail the task of a lost worker"),
                }
            }
        }
        state.store.delete_worker(&w.id).await?;
        tracing::info!(worker = %w.id, "worker gone (no report within the timeout)");
    }
    Ok(failed)
}

/// Runs [`reap`] every few seconds (a tenth of the timeout, at most 30 s).
pub async fn reap_forever(state: crate::server::state::AppState) {
    let every = std::time::Duration::from_secs((state.config.worker_timeout / 10).clamp(1, 30));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = reap(&state).await {
            tracing::warn!(error = %e, "reaping lost workers failed");
        }
    }
}
