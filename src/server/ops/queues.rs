//! Execution queues: where enqueued tasks wait for a worker, in order. The
//! default queue exists from the start and cannot be deleted; a queue with
//! waiting tasks is deleted only with `force`, which first sends them back
//! to draft (they would otherwise be `queued` nowhere).

use super::tasks::{dequeue_if_waiting, unqueue};
use super::{lookup, workers, Actor};
use crate::error::{AppError, AppResult, Noun};
use crate::model::history::{HistoryRange, TimeChart, TimeSeries};
use crate::model::queue::{
    queue_buckets, total_buckets, QueueBucket, QueueChoice, QueuePosition, QueueStat, QueueView, WaitingTask,
    DEFAULT_TAG,
};
use crate::model::{check_name, Queue, QueueEntry, QueueWaits, DEFAULT_QUEUE};
use crate::server::clock::now_ms;
use crate::server::state::AppState;
use crate::server::store::{Store, TaskFilter};
use std::collections::HashMap;

/// Creates the default queue unless it exists (at start-up).
pub async fn ensure_default(store: &dyn Store) -> AppResult<()> {
    store.ensure_queue(DEFAULT_QUEUE, &[DEFAULT_TAG.to_string()]).await.map(|_| ())
}

/// One queue.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Queue> {
    lookup::queue(state, id).await
}

/// Every queue, by name.
pub async fn list(state: &AppState, _actor: &Actor) -> AppResult<Vec<Queue>> {
    state.store.list_queues().await
}

/// The default queue (400/707 if there is none).
pub async fn default(state: &AppState, _actor: &Actor) -> AppResult<Queue> {
    lookup::default_queue(state).await
}

/// The tasks waiting in a queue, first to run first.
pub async fn entries(state: &AppState, actor: &Actor, id: &str) -> AppResult<Vec<QueueEntry>> {
    get(state, actor, id).await?;
    state.store.queue_entries(id).await
}

/// A queue name as clients may give it: trimmed, three characters or more.
fn valid_name(name: &str) -> AppResult<&str> {
    check_name("queue", name).map_err(AppError::invalid)?;
    Ok(name.trim())
}

/// `queues.create`: a taken name is 400/801.
pub async fn create(
    state: &AppState,
    _actor: &Actor,
    name: &str,
    tags: &[String],
    system_tags: &[String],
) -> AppResult<Queue> {
    let name = valid_name(name)?;
    state.store.create_queue(name, tags, system_tags).await?.ok_or_else(|| AppError::duplicate(Noun::Queue, name))
}

/// `queues.get_next_task`: hands the first waiting task to the caller,
/// each task to exactly one caller; `None` when the queue is empty. The
/// task stays `queued` until the agent starts it.
pub async fn next_task(state: &AppState, actor: &Actor, id: &str) -> AppResult<Option<QueueEntry>> {
    get(state, actor, id).await?;
    let entry = state.store.pop_queue(id).await?;
    if entry.is_some() {
        record(state, &[id]).await;
    }
    Ok(entry)
}

/// What `queues.update` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueUpdate {
    pub name: Option<String>,
    /// `Some(None)` clears it.
    pub display_name: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    /// Items `{key, type, value}` to add or replace (by key).
    pub metadata: Option<Vec<serde_json::Value>>,
    /// Metadata keys to remove.
    pub remove_metadata: Vec<String>,
    /// With `metadata`: the items replace all the queue had.
    pub replace_metadata: bool,
}

/// `queues.update`: renames (a taken name is 400/801) and retags.
pub async fn update(state: &AppState, actor: &Actor, id: &str, change: &QueueUpdate) -> AppResult<Queue> {
    let mut q = get(state, actor, id).await?;
    if let Some(name) = &change.name {
        q.name = valid_name(name)?.to_string();
    }
    if let Some(tags) = &change.tags {
        q.tags.clone_from(tags);
    }
    if let Some(tags) = &change.system_tags {
        q.system_tags.clone_from(tags);
    }
    if let Some(d) = &change.display_name {
        q.display_name.clone_from(d);
    }
    if let Some(items) = &change.metadata {
        if change.replace_metadata {
            q.metadata.clear();
        }
        for item in items {
            let key = item
                .get("key")
                .and_then(serde_json::Value::as_str)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| AppError::invalid("metadata items need a 'key'"))?;
            q.metadata.insert(key.to_string(), item.clone());
        }
    }
    for key in &change.remove_metadata {
        q.metadata.remove(key);
    }
    if !state.store.update_queue(&q).await? {
        return Err(AppError::duplicate(Noun::Queue, &q.name));
    }
    Ok(q)
}

/// `queues.delete`: not the default queue; one with waiting tasks only
/// with `force`, which sends them back to draft first. Answers whether the
/// queue was deleted.
pub async fn delete(state: &AppState, actor: &Actor, id: &str, force: bool) -> AppResult<bool> {
    let q = get(state, actor, id).await?;
    if q.is_default() {
        return Err(AppError::invalid("the default queue cannot be deleted"));
    }
    let waiting = state.store.queue_entries(&q.id).await?;
    if !waiting.is_empty() && !force {
        return Err(AppError::QueueNotEmpty { name: q.name, waiting: waiting.len() });
    }
    for e in &waiting {
        dequeue_if_waiting(state, actor, &e.task).await?;
    }
    state.store.delete_queue(&q.id).await
}

/// 400/703: the task does not wait in this queue.
fn not_queued(queue: &Queue, task: &str) -> AppError {
    AppError::NotQueued { queue: queue.id.clone(), queue_name: queue.name.clone(), task: task.to_string() }
}

/// `queues.move_task_*`: moves a waiting task within its queue. Answers its
/// new place (0 = next to run).
pub async fn move_task(state: &AppState, actor: &Actor, id: &str, task: &str, to: QueuePosition) -> AppResult<usize> {
    let q = get(state, actor, id).await?;
    state.store.move_queue_entry(&q.id, task, to).await?.ok_or_else(|| not_queued(&q, task))
}

/// `queues.remove_task`: out of the queue and back to draft (the status it
/// had before it was enqueued).
pub async fn remove_task(
    state: &AppState,
    actor: &Actor,
    id: &str,
    task: &str,
    update_task_status: bool,
) -> AppResult<()> {
    let q = get(state, actor, id).await?;
    if !state.store.queue_entries(&q.id).await?.iter().any(|e| e.task == task) {
        return Err(not_queued(&q, task));
    }
    if update_task_status {
        dequeue_if_waiting(state, actor, task).await
    } else {
        unqueue(state, actor, task).await
    }
}

/// `queues.add_task`: puts a task at the end of a queue, as
/// `tasks.enqueue` does but from whatever status the task has.
pub async fn add_task(state: &AppState, actor: &Actor, id: &str, task: &str) -> AppResult<()> {
    let q = get(state, actor, id).await?;
    super::tasks::enqueue(state, actor, task, &super::tasks::QueueRef::Id(q.id), true, "", "").await.map(|_| ())
}

/// Samples these queues now and keeps the samples for their charts. Called
/// after each change of a queue; a failure is logged, not answered, since
/// the change itself was made.
pub async fn record(state: &AppState, ids: &[&str]) {
    let now = now_ms();
    let mut stats = Vec::new();
    for id in ids {
        match state.store.queue_entries(id).await {
            Ok(entries) => stats.push(QueueStat::of(id, &entries, now)),
            Err(e) => tracing::warn!(queue = %id, error = %e, "could not sample the queue"),
        }
    }
    if let Err(e) = state.store.add_queue_stats(&stats).await {
        tracing::warn!(error = %e, "could not keep the queue samples");
    }
}

/// Samples every queue (once a minute, so a chart shows waits growing
/// while nothing changes), and forgets samples older than
/// [`super::workers::STATS_KEPT_MS`].
pub async fn record_all(state: &AppState) -> AppResult<()> {
    let queues = state.store.list_queues().await?;
    let ids: Vec<&str> = queues.iter().map(|q| q.id.as_str()).collect();
    record(state, &ids).await;
    state.store.prune_queue_stats(now_ms() - super::workers::STATS_KEPT_MS).await.map(|_| ())
}

/// How far before a chart's start samples are read, so that a queue that
/// did not change lately still has a value (ClearML reads an hour).
const SAMPLES_BEFORE_MS: i64 = 3600 * 1000;

/// A chart's time range and interval, epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsRange {
    pub from_ms: i64,
    pub to_ms: i64,
    pub interval_ms: i64,
}

impl MetricsRange {
    /// The range of `from..to` (epoch seconds) in `interval_s` intervals;
    /// 400/16 unless `from < to`, 400 for an interval under one second.
    pub fn new(from: f64, to: f64, interval_s: i64) -> AppResult<MetricsRange> {
        if from.partial_cmp(&to) != Some(std::cmp::Ordering::Less) {
            return Err(AppError::FieldsValue { message: "from_date must be less than to_date".into() });
        }
        if interval_s < 1 {
            return Err(AppError::invalid(format!("interval must be at least 1 second, not {interval_s}")));
        }
        Ok(MetricsRange {
            from_ms: (from * 1000.0) as i64,
            to_ms: (to * 1000.0) as i64,
            interval_ms: interval_s * 1000,
        })
    }
}

/// `queues.get_queue_metrics` over a range: for each of `ids` (unknown ones
/// left out) its length and mean wait per interval, or with no `ids` all
/// queues together as one series named `total`. Intervals without a
/// sample are left out, as ClearML's server leaves them.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    range: MetricsRange,
) -> AppResult<Vec<(String, Vec<QueueBucket>)>> {
    let known: Vec<String> =
        list(state, actor).await?.into_iter().map(|q| q.id).filter(|id| ids.is_empty() || ids.contains(id)).collect();
    if known.is_empty() {
        return Ok(Vec::new());
    }
    let samples = state.store.queue_stats(&known, range.from_ms - SAMPLES_BEFORE_MS, range.to_ms).await?;
    let per_queue = queue_buckets(&samples, range.interval_ms);
    let start = range.from_ms - range.interval_ms;
    let shown = |buckets: Vec<QueueBucket>| buckets.into_iter().filter(|b| b.date >= start).collect::<Vec<_>>();
    if ids.is_empty() {
        return Ok(vec![("total".to_string(), shown(total_buckets(&per_queue)))]);
    }
    let mut per_queue = per_queue;
    Ok(known.into_iter().map(|id| (id.clone(), shown(per_queue.remove(&id).unwrap_or_default()))).collect())
}

/// The queues page's charts over the `range` that ends now: each queue's
/// length and the mean wait of its tasks (seconds), by queue name.
pub async fn charts(state: &AppState, actor: &Actor, range: HistoryRange) -> AppResult<Vec<TimeChart>> {
    // The next whole second: the range ends in whole seconds and must
    // hold what was reported a moment ago.
    let now = (now_ms() / 1000 + 1) as f64;
    let span = MetricsRange::new(now - range.seconds() as f64, now, range.interval_s())?;
    let queues = list(state, actor).await?;
    let names: HashMap<&str, &str> = queues.iter().map(|q| (q.id.as_str(), q.name.as_str())).collect();
    let ids: Vec<String> = queues.iter().map(|q| q.id.clone()).collect();
    let (mut length, mut wait) = (TimeChart::new("Queue length", "tasks"), TimeChart::new("Mean wait", "s"));
    for (id, buckets) in history(state, actor, &ids, span).await? {
        let name = names.get(id.as_str()).copied().unwrap_or(&id).to_string();
        let t: Vec<i64> = buckets.iter().map(|b| b.date).collect();
        let lengths = buckets.iter().map(|b| Some(b.length as f64)).collect();
        let waits = buckets.iter().map(|b| Some(b.wait_ms as f64 / 1000.0)).collect();
        length.series.push(TimeSeries { name: name.clone(), t: t.clone(), y: lengths });
        wait.series.push(TimeSeries { name, t, y: waits });
    }
    Ok(vec![length, wait])
}

/// `queues.get_queue_metrics` without a range: each queue (of `ids`, or
/// all) with how many tasks wait in it now and how long they have waited.
pub async fn metrics(state: &AppState, actor: &Actor, ids: &[String]) -> AppResult<Vec<(Queue, QueueWaits)>> {
    let now = now_ms();
    let mut out = Vec::new();
    for q in list(state, actor).await? {
        if !ids.is_empty() && !ids.contains(&q.id) {
            continue;
        }
        let waits = QueueWaits::of(&state.store.queue_entries(&q.id).await?, now);
        out.push((q, waits));
    }
    Ok(out)
}

/// The queues tasks can be enqueued to, the default first.
pub async fn choices(state: &AppState, actor: &Actor) -> AppResult<Vec<QueueChoice>> {
    let mut out: Vec<QueueChoice> = list(state, actor)
        .await?
        .into_iter()
        .map(|q| QueueChoice { default: q.is_default(), id: q.id, name: q.name })
        .collect();
    out.sort_by(|a, b| b.default.cmp(&a.default).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// Every queue with its waiting tasks in order and the live workers that
/// serve it, the default queue first.
pub async fn views(state: &AppState, actor: &Actor) -> AppResult<Vec<QueueView>> {
    let now = now_ms();
    let workers = workers::live(state, actor).await?;
    let mut out = Vec::new();
    for q in list(state, actor).await? {
        let entries = state.store.queue_entries(&q.id).await?;
        let ids: Vec<String> = entries.iter().map(|e| e.task.clone()).collect();
        let names: HashMap<String, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            let page_size = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            let (tasks, _) = state.store.query_tasks(&TaskFilter { ids, page_size, ..Default::default() }).await?;
            tasks.into_iter().map(|t| (t.id, t.name)).collect()
        };
        out.push(QueueView {
            default: q.is_default(),
            waits: QueueWaits::of(&entries, now),
            tasks: entries
                .iter()
                .map(|e| WaitingTask {
                    id: e.task.clone(),
                    name: names.get(&e.task).cloned().unwrap_or_else(|| e.task.clone()),
                    waited_ms: (now - e.added).max(0),
                })
                .collect(),
            workers: workers.iter().filter(|(w, _)| w.queues.contains(&q.id)).map(|(w, _)| w.id.clone()).collect(),
            id: q.id,
            name: q.name,
        });
    }
    out.sort_by(|a, b| b.default.cmp(&a.default).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}
