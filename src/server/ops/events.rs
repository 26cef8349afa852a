//! What tasks report: console lines, scalars, plots and debug samples.
//! A batch is stored task by task; events for a task that does not exist
//! are refused line by line, and a batch of which nothing could be stored
//! is refused whole (400/131).

use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::event::{ConsoleTail, MetricFilter, PlotData, SampleData, SampleKind, SingleValue};
use crate::model::{LogEntry, SeriesData, SINGLE_VALUE_ITERATION};
use crate::server::files::media_url;
use crate::server::state::AppState;
use crate::server::store::{LogClearing, LogCursor, StoredEvent, TaskEvents};
use std::collections::BTreeMap;

/// A batch as parsed from the wire: events by task, and the lines that
/// could not be used, with why.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    pub tasks: BTreeMap<String, TaskEvents>,
    /// Model events (`model_event: true`) by model: scalars, plots and
    /// debug samples, never console lines.
    pub models: BTreeMap<String, TaskEvents>,
    /// How many events were usable.
    pub accepted: usize,
    /// (1-based line number, reason); 0 for a reason about a whole task.
    pub errors: Vec<(usize, String)>,
}

/// Whose events a read is about: a task's, or a model's (ClearML's
/// `model_events: true`; model ids and task ids never clash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    Task(&'a str),
    Model(&'a str),
}

impl<'a> Owner<'a> {
    /// The owner named by `id`: a model's when `model_events`, else a task's.
    pub fn of(id: &'a str, model_events: bool) -> Self {
        if model_events {
            Owner::Model(id)
        } else {
            Owner::Task(id)
        }
    }

    /// The owner's id, as the event store keys it.
    pub fn id(self) -> &'a str {
        match self {
            Owner::Task(id) | Owner::Model(id) => id,
        }
    }

    /// The owner's name (400/101, or 400/201 for a model, unless it exists).
    pub async fn name(self, state: &AppState) -> AppResult<String> {
        match self {
            Owner::Task(id) => Ok(lookup::task(state, id).await?.name),
            Owner::Model(id) => Ok(lookup::model(state, id).await?.name),
        }
    }

    /// 400/101 (or 400/201 for a model) unless the owner exists.
    pub async fn require(self, state: &AppState) -> AppResult<()> {
        match self {
            Owner::Task(id) => lookup::require_task(state, id).await,
            Owner::Model(id) => lookup::model(state, id).await.map(|_| ()),
        }
    }
}

/// What storing a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    /// (line, reason) for each line or task that was not stored.
    pub errors: Vec<(usize, String)>,
}

/// The `errors_info` of ClearML's answer: reasons by line.
pub fn errors_info(errors: &[(usize, String)]) -> BTreeMap<String, String> {
    errors.iter().map(|(line, e)| (format!("line {line}"), e.clone())).collect()
}

/// `events.add_batch`: stores each task's (and model's) events atomically.
/// Events of a task or model that does not exist are reported, not stored; if nothing at all
/// can be stored the batch is refused (400/131).
pub async fn add(state: &AppState, _actor: &Actor, mut batch: Batch) -> AppResult<Added> {
    if batch.accepted == 0 && batch.errors.is_empty() {
        return Err(AppError::invalid("empty batch: expected one JSON event per line"));
    }
    let ids: Vec<String> = batch.tasks.keys().cloned().collect();
    let existing = state.store.existing_task_ids(&ids).await?;
    let mut added = 0usize;
    for (model, events) in std::mem::take(&mut batch.models) {
        let n = events.len();
        if state.store.get_model(&model).await?.is_none() {
            batch.errors.push((0, format!("invalid model id '{model}': {n} event(s) not stored")));
            continue;
        }
        state.store.add_events(&model, &events).await?;
        added += n;
    }
    for (task, events) in std::mem::take(&mut batch.tasks) {
        let n = events.len();
        if n == 0 {
            continue;
        }
        if !existing.contains(&task) {
            batch.errors.push((0, format!("invalid task id '{task}': {n} event(s) not stored")));
            continue;
        }
        state.store.add_events(&task, &events).await?;
        added += n;
    }
    if added == 0 {
        return Err(AppError::EventsNotAdded { errors: batch.errors.len(), errors_info: errors_info(&batch.errors) });
    }
    Ok(Added { added, errors: batch.errors })
}

/// A page of a task's console (the entries of the metrics `metrics`
/// admits): at most `limit` entries after or before a cursor, with their
/// ids, and how many there are in all.
pub async fn log(
    state: &AppState,
    _actor: &Actor,
    task: &str,
    cursor: LogCursor,
    limit: i64,
    metrics: &MetricFilter,
) -> AppResult<(Vec<(i64, LogEntry)>, i64)> {
    lookup::require_task(state, task).await?;
    let rows = state.store.task_log(task, cursor, limit, metrics).await?;
    Ok((rows, state.store.count_task_log(task, metrics).await?))
}

/// `events.clear_task_log`: deletes console entries of a task; a
/// published task's only with `allow_locked`. Answers how many.
pub async fn clear_log(
    state: &AppState,
    _actor: &Actor,
    task: &str,
    clear: &LogClearing,
    allow_locked: bool,
) -> AppResult<u64> {
    let t = lookup::task(state, task).await?;
    if t.status == crate::model::TaskStatus::Published && !allow_locked {
        return Err(AppError::invalid_status(
            "the log of a published task is only cleared with allow_locked",
            t.status.as_str(),
        ));
    }
    state.store.clear_task_log(task, clear).await
}

/// The newest `limit` console entries of a task, oldest first, and how
/// many it has in all (a running task's tail, for the console tab).
pub async fn console_tail(state: &AppState, actor: &Actor, task: &str, limit: i64) -> AppResult<ConsoleTail> {
    let (mut rows, total) = log(state, actor, task, LogCursor::Before(None), limit, &MetricFilter::default()).await?;
    rows.reverse();
    let last_id = rows.last().map(|(id, _)| *id);
    Ok(ConsoleTail { entries: rows.into_iter().map(|(_, e)| e).collect(), total, last_id })
}

/// The console entries stored after entry `after` (oldest first, at most
/// `limit`): what a live tail appends.
pub async fn console_after(
    state: &AppState,
    actor: &Actor,
    task: &str,
    after: i64,
    limit: i64,
) -> AppResult<ConsoleTail> {
    let (rows, total) = log(state, actor, task, LogCursor::After(Some(after)), limit, &MetricFilter::default()).await?;
    let last_id = rows.last().map(|(id, _)| *id);
    Ok(ConsoleTail { entries: rows.into_iter().map(|(_, e)| e).collect(), total, last_id })
}

/// Every scalar series of a task, whole, without its single values
/// (iteration -2³¹: they are a summary, not a point of a history, and
/// ClearML's server leaves them out of scalar histories too). A series of
/// nothing but a single value is left out.
pub async fn scalars(state: &AppState, _actor: &Actor, owner: Owner<'_>) -> AppResult<Vec<SeriesData>> {
    owner.require(state).await?;
    Ok(state
        .store
        .scalar_series(owner.id())
        .await?
        .into_iter()
        .map(|s| {
            if s.x.first() == Some(&SINGLE_VALUE_ITERATION) {
                s.window(SINGLE_VALUE_ITERATION + 1, i64::MAX)
            } else {
                s
            }
        })
        .filter(|s| !s.x.is_empty())
        .collect())
}

/// Every scalar series of a task reduced to `buckets` min/max buckets
/// (spikes stay visible), optionally only iterations `from..=to` (a zoomed
/// chart asks again for its window at full resolution).
pub async fn chart_series(
    state: &AppState,
    actor: &Actor,
    task: &str,
    buckets: usize,
    range: Option<(i64, i64)>,
) -> AppResult<Vec<SeriesData>> {
    Ok(scalars(state, actor, Owner::Task(task))
        .await?
        .into_iter()
        .map(|s| match range {
            Some((from, to)) => s.window(from, to).downsample(buckets),
            None => s.downsample(buckets),
        })
        .collect())
}

/// A task's (or model's) stored events of one type, newest first, at most
/// `limit`.
pub async fn of_type(
    state: &AppState,
    _actor: &Actor,
    owner: Owner<'_>,
    event_type: &str,
    limit: i64,
) -> AppResult<Vec<StoredEvent>> {
    owner.require(state).await?;
    state.store.task_events(owner.id(), event_type, limit).await
}

/// The plots of a task, newest first, at most `limit`.
pub async fn plots(state: &AppState, actor: &Actor, task: &str, limit: i64) -> AppResult<Vec<PlotData>> {
    Ok(of_type(state, actor, Owner::Task(task), "plot", limit)
        .await?
        .into_iter()
        .map(|e| {
            let body: serde_json::Value = serde_json::from_str(&e.event.body).unwrap_or_default();
            PlotData {
                plot_str: body.get("plot_str").and_then(|p| p.as_str()).unwrap_or("{}").to_string(),
                metric: e.event.metric,
                variant: e.event.variant,
                iter: e.event.iter,
            }
        })
        .collect())
}

/// The plots of compared tasks (see [`super::tasks::compare_ids`]): per
/// task, in the order asked, the newest figure of each metric and variant
/// among its newest `limit`.
pub async fn compare_plots(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    limit: i64,
) -> AppResult<Vec<Vec<PlotData>>> {
    let mut out = Vec::new();
    for id in super::tasks::compare_ids(ids)? {
        let mut newest: Vec<PlotData> = Vec::new();
        // Newest first: the first of each series is the one kept.
        for plot in plots(state, actor, &id, limit).await? {
            if !newest.iter().any(|n| n.metric == plot.metric && n.variant == plot.variant) {
                newest.push(plot);
            }
        }
        out.push(newest);
    }
    Ok(out)
}

/// The debug samples of compared tasks: per task, in the order asked, what
/// [`samples`] answers for it.
pub async fn compare_samples(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    limit: i64,
) -> AppResult<Vec<Vec<SampleData>>> {
    let mut out = Vec::new();
    for id in super::tasks::compare_ids(ids)? {
        out.push(samples(state, actor, &id, limit).await?);
    }
    Ok(out)
}

/// The debug samples of a task (at most `limit`), by metric, variant and
/// iteration, each with where the browser loads it from.
pub async fn samples(state: &AppState, actor: &Actor, task: &str, limit: i64) -> AppResult<Vec<SampleData>> {
    let mut out: Vec<SampleData> = of_type(state, actor, Owner::Task(task), "training_debug_image", limit)
        .await?
        .into_iter()
        .filter_map(|e| {
            let body: serde_json::Value = serde_json::from_str(&e.event.body).ok()?;
            let url = body.get("url").and_then(|u| u.as_str())?.to_string();
            Some(SampleData {
                kind: SampleKind::of(&url),
                url: media_url(state, &url),
                metric: e.event.metric,
                variant: e.event.variant,
                iter: e.event.iter,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.metric, &a.variant, a.iter).cmp(&(&b.metric, &b.variant, b.iter)));
    Ok(out)
}

/// The values a task reported with `report_single_value` (iteration -2³¹),
/// the newest report of each metric and variant.
pub async fn single_values(
    state: &AppState,
    _actor: &Actor,
    owner: Owner<'_>,
) -> AppResult<(String, Vec<SingleValue>)> {
    let name = owner.name(state).await?;
    let values = state
        .store
        .scalar_series(owner.id())
        .await?
        .into_iter()
        .filter_map(|s| {
            // Series are ordered by iteration, the last write of one winning:
            // a single value, if any, is the first point.
            (s.x.first() == Some(&SINGLE_VALUE_ITERATION)).then(|| SingleValue {
                value: s.y.first().copied().flatten(),
                timestamp: s.t.first().copied().unwrap_or_default(),
                metric: s.metric,
                variant: s.variant,
            })
        })
        .collect();
    Ok((name, values))
}
