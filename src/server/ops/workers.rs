//! Workers: agents register, report their status while they poll and run
//! tasks, and unregister (clearml-api.md §6.1). One that has not reported
//! for the worker timeout is gone: [`reap`] removes it and fails the task it
//! was running, so no task stays "running" forever.

use super::tasks::{self, StatusChange};
use super::Actor;
use crate::error::{AppError, AppResult};
use crate::model::history::{HistoryRange, TimeChart, TimeSeries};
use crate::model::worker::{WorkerStat, WorkerView};
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
    /// When it measured its machine (epoch ms); now when not given.
    pub timestamp: Option<i64>,
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
        let at = report.timestamp.unwrap_or_else(now_ms);
        state.store.add_worker_stats(&WorkerStat::of_report(id, at, w.task.as_deref(), &stats)).await?;
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
    state.store.prune_worker_stats(now - STATS_KEPT_MS).await?;
    Ok(failed)
}

/// How long workers' machine statistics are kept: 30 days.
pub const STATS_KEPT_MS: i64 = 30 * 24 * 3600 * 1000;

/// ClearML's narrowest chart interval for worker statistics, seconds.
const MIN_INTERVAL_S: i64 = 40;

/// How a statistic is reduced over an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Avg,
    Min,
    Max,
}

impl Aggregation {
    /// The reduction of `values` (0 for none, as ClearML's charts show gaps).
    fn of(self, values: &[f64]) -> f64 {
        if values.is_empty() {
            return 0.0;
        }
        match self {
            Aggregation::Avg => values.iter().sum::<f64>() / values.len() as f64,
            Aggregation::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Aggregation::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

impl std::str::FromStr for Aggregation {
    type Err = AppError;
    fn from_str(s: &str) -> AppResult<Aggregation> {
        match s {
            "avg" => Ok(Aggregation::Avg),
            "min" => Ok(Aggregation::Min),
            "max" => Ok(Aggregation::Max),
            other => Err(AppError::invalid(format!("aggregation must be avg, min or max, not '{other}'"))),
        }
    }
}

/// A time range cut into intervals, as ClearML's charts of worker
/// statistics cut it: intervals of at least 40 s aligned on the epoch,
/// from the one holding `from` to the one holding `to` (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intervals {
    /// Epoch ms of the first interval's start.
    pub first: i64,
    /// Interval length, ms.
    pub step: i64,
    /// How many intervals.
    pub count: usize,
    from_ms: i64,
    to_ms: i64,
}

impl Intervals {
    /// The intervals of `from..to` (seconds); 400/16 unless `from < to`.
    pub fn new(from: f64, to: f64, interval_s: i64) -> AppResult<Intervals> {
        if from.partial_cmp(&to) != Some(std::cmp::Ordering::Less) {
            return Err(AppError::FieldsValue { message: "from_date must be less than to_date".into() });
        }
        let step = interval_s.max(MIN_INTERVAL_S) * 1000;
        let (from_ms, to_ms) = (from.trunc() as i64 * 1000, to.trunc() as i64 * 1000);
        let first = from_ms.div_euclid(step) * step;
        let last = to_ms.div_euclid(step) * step;
        let count = usize::try_from((last - first) / step + 1).unwrap_or(0);
        Ok(Intervals { first, step, count, from_ms, to_ms })
    }

    /// Leaves out the last intervals that start within 90% of an interval
    /// of the end (their data is not all in yet), as ClearML's server does.
    pub fn complete_only(mut self, to: f64) -> Intervals {
        let cutoff = ((to - 0.9 * (self.step / 1000) as f64) * 1000.0) as i64;
        while self.count > 0 && self.first + (self.count as i64 - 1) * self.step >= cutoff {
            self.count -= 1;
        }
        self
    }

    /// The intervals' starts, epoch ms.
    pub fn dates(&self) -> Vec<i64> {
        (0..self.count as i64).map(|i| self.first + i * self.step).collect()
    }

    /// Which interval holds `t` (epoch ms), if any.
    fn index(&self, t: i64) -> Option<usize> {
        let i = usize::try_from((t - self.first).div_euclid(self.step)).ok()?;
        (i < self.count).then_some(i)
    }
}

/// One worker's chart of one statistic: a value per interval, and with
/// `split_by_resource` one series per GPU (when there is more than one).
#[derive(Debug, Clone, PartialEq)]
pub struct StatChart {
    pub worker: String,
    pub metric: String,
    pub aggregation: Aggregation,
    pub values: Vec<f64>,
    /// (variant, values per interval).
    pub resources: Vec<(String, Vec<f64>)>,
}

/// `workers.get_stats`: for each (metric, aggregation) of `items`, each
/// worker's values per interval of `range` (only workers with values).
pub async fn stats(
    state: &AppState,
    _actor: &Actor,
    items: &[(String, Aggregation)],
    range: Intervals,
    workers: &[String],
    split_by_resource: bool,
) -> AppResult<Vec<StatChart>> {
    let mut out = Vec::new();
    for (metric, aggregation) in items {
        let rows = state.store.worker_stats(Some(metric), range.from_ms, range.to_ms, workers).await?;
        let mut by_worker: std::collections::BTreeMap<&str, Vec<&WorkerStat>> = Default::default();
        for r in &rows {
            by_worker.entry(r.worker.as_str()).or_default().push(r);
        }
        for (worker, rows) in by_worker {
            let reduce = |rows: &[&WorkerStat]| {
                let mut per: Vec<Vec<f64>> = vec![Vec::new(); range.count];
                for r in rows {
                    if let Some(i) = range.index(r.timestamp) {
                        per[i].push(r.value);
                    }
                }
                per.iter().map(|v| aggregation.of(v)).collect::<Vec<f64>>()
            };
            let mut resources = Vec::new();
            if split_by_resource && metric.starts_with("gpu_") {
                let mut variants: Vec<&str> = rows.iter().map(|r| r.variant.as_str()).collect();
                variants.sort_unstable();
                variants.dedup();
                if variants.len() > 1 {
                    for v in variants {
                        let mine: Vec<&WorkerStat> = rows.iter().copied().filter(|r| r.variant == v).collect();
                        resources.push((v.to_string(), reduce(&mine)));
                    }
                }
            }
            out.push(StatChart {
                worker: worker.to_string(),
                metric: metric.clone(),
                aggregation: *aggregation,
                values: reduce(&rows),
                resources,
            });
        }
    }
    Ok(out)
}

/// `workers.get_activity_report`: how many workers reported in each
/// interval of `range`, and how many of them ran a task.
pub async fn activity(state: &AppState, _actor: &Actor, range: Intervals) -> AppResult<(Vec<usize>, Vec<usize>)> {
    let rows = state.store.worker_stats(None, range.from_ms, range.to_ms, &[]).await?;
    let mut total: Vec<std::collections::BTreeSet<&str>> = vec![Default::default(); range.count];
    let mut active = total.clone();
    for r in &rows {
        if let Some(i) = range.index(r.timestamp) {
            total[i].insert(&r.worker);
            if r.task.is_some() {
                active[i].insert(&r.worker);
            }
        }
    }
    Ok((total.iter().map(|s| s.len()).collect(), active.iter().map(|s| s.len()).collect()))
}

/// The machine statistics the workers page charts, per worker: the
/// metric, the chart's title and unit, and the factor from the reported
/// unit (the agents report memory in MB).
const CHARTED_STATS: [(&str, &str, &str, f64); 4] = [
    ("cpu_usage", "CPU usage", "%", 1.0),
    ("memory_used", "Memory used", "GB", 1.0 / 1024.0),
    ("gpu_usage", "GPU usage", "%", 1.0),
    ("gpu_memory_used", "GPU memory used", "GB", 1.0 / 1024.0),
];

/// The workers page's charts over the `range` that ends now: how many
/// workers reported and how many ran a task, then each worker's CPU,
/// memory and (where reported) GPU load, averaged per interval. An
/// interval a worker did not report in is a gap (zero values are never
/// kept: [`WorkerStat::of_report`]).
pub async fn charts(state: &AppState, actor: &Actor, range: HistoryRange) -> AppResult<Vec<TimeChart>> {
    // The next whole second: the range ends in whole seconds and must
    // hold what was reported a moment ago.
    let now = (now_ms() / 1000 + 1) as f64;
    let span = Intervals::new(now - range.seconds() as f64, now, range.interval_s())?;
    let dates = span.dates();
    let line = |name: &str, y: Vec<Option<f64>>| TimeSeries { name: name.to_string(), t: dates.clone(), y };
    let (total, active) = activity(state, actor, span).await?;
    let count = |v: Vec<usize>| v.into_iter().map(|n| Some(n as f64)).collect();
    let mut workers = TimeChart::new("Workers", "workers");
    workers.series = vec![line("reporting", count(total)), line("running a task", count(active))];
    let items: Vec<(String, Aggregation)> =
        CHARTED_STATS.iter().map(|(metric, ..)| (metric.to_string(), Aggregation::Avg)).collect();
    let stats = stats(state, actor, &items, span, &[], false).await?;
    let mut out = vec![workers];
    for (metric, title, unit, factor) in CHARTED_STATS {
        let mut chart = TimeChart::new(title, unit);
        for s in stats.iter().filter(|s| s.metric == metric) {
            let y = s.values.iter().map(|&v| (v != 0.0).then_some(v * factor)).collect();
            chart.series.push(line(&s.worker, y));
        }
        if chart.has_values() {
            out.push(chart);
        }
    }
    Ok(out)
}

/// `workers.get_metric_keys`: the statistics the workers (any when empty)
/// reported, by category; 400/1005 when there are none.
pub async fn stat_keys(state: &AppState, _actor: &Actor, workers: &[String]) -> AppResult<Vec<(String, Vec<String>)>> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (category, metric) in state.store.worker_stat_keys(workers).await? {
        match out.last_mut() {
            Some((c, metrics)) if *c == category => metrics.push(metric),
            _ => out.push((category, vec![metric])),
        }
    }
    if out.is_empty() {
        return Err(AppError::WorkerStatsNotFound { workers: workers.to_vec() });
    }
    Ok(out)
}

/// How often every queue is sampled for its charts.
const QUEUE_SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs [`reap`] every few seconds (a tenth of the timeout, at most 30 s),
/// and samples the queues once a minute.
pub async fn reap_forever(state: AppState) {
    let every = std::time::Duration::from_secs((state.config.worker_timeout / 10).clamp(1, 30));
    let mut last_sample: Option<std::time::Instant> = None;
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = reap(&state).await {
            tracing::warn!(error = %e, "reaping lost workers failed");
        }
        if last_sample.is_none_or(|t| t.elapsed() >= QUEUE_SAMPLE_EVERY) {
            last_sample = Some(std::time::Instant::now());
            if let Err(e) = super::queues::record_all(&state).await {
                tracing::warn!(error = %e, "sampling the queues failed");
            }
        }
    }
}
