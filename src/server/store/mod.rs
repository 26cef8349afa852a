//! Storage: one [`Store`] trait, two engines (SQLite by default, PostgreSQL
//! for teams that outgrow one machine), chosen by the database URL scheme.
//!
//! Both engines share their SQL (see [`sql`]), except where the dialects
//! differ ([`Dialect`]). Scalars, the hot path, are stored as packed chunks:
//! one row per series per ingested batch (see [`encode_points`]), with running
//! statistics per series so `last_metrics` never scans points.

mod postgres;
mod sql;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::error::AppResult;
pub use crate::model::task::MetricStat;
use crate::model::task::MetricSummary;
use crate::model::{
    LogEntry, Model, Project, ProjectSummary, Queue, QueueEntry, ScalarPoint, SeriesData, Task, TaskStatus, TaskType,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A stored API key pair (the secret only as a salted hash).
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub access_key: String,
    pub secret_hash: String,
    pub salt: String,
    pub created: i64,
}

/// A column a task list can be ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOrder {
    Name,
    Type,
    Status,
    Created,
    Started,
    Completed,
    LastUpdate,
    LastIteration,
    Progress,
    Id,
    /// A hyperparameter's value (numbers in numeric order, then text).
    Hyperparam {
        section: String,
        name: String,
    },
    /// A statistic of a scalar series.
    Metric {
        metric: String,
        variant: String,
        stat: MetricStat,
    },
}

impl TaskOrder {
    /// Parses a ClearML field name (`last_update`, `started`, …).
    pub fn parse(field: &str) -> Option<TaskOrder> {
        Some(match field {
            "name" => TaskOrder::Name,
            "type" => TaskOrder::Type,
            "status" => TaskOrder::Status,
            "created" => TaskOrder::Created,
            "started" => TaskOrder::Started,
            "completed" => TaskOrder::Completed,
            "last_update" | "last_change" => TaskOrder::LastUpdate,
            "last_iteration" => TaskOrder::LastIteration,
            "progress" | "runtime.progress" => TaskOrder::Progress,
            "id" => TaskOrder::Id,
            _ => return None,
        })
    }

    /// Whether the sort key can be NULL (those sort last either way).
    pub fn nullable(&self) -> bool {
        !matches!(
            self,
            TaskOrder::Name
                | TaskOrder::Type
                | TaskOrder::Status
                | TaskOrder::Created
                | TaskOrder::LastUpdate
                | TaskOrder::LastIteration
                | TaskOrder::Id
        )
    }

    /// The column behind this order; `None` for hyperparameters and metrics.
    pub fn column(&self) -> Option<&'static str> {
        Some(match self {
            TaskOrder::Name => "name",
            TaskOrder::Type => "type",
            TaskOrder::Status => "status",
            TaskOrder::Created => "created",
            TaskOrder::Started => "started",
            TaskOrder::Completed => "completed",
            TaskOrder::LastUpdate => "last_update",
            TaskOrder::LastIteration => "last_iteration",
            TaskOrder::Progress => "progress",
            TaskOrder::Id => "id",
            TaskOrder::Hyperparam { .. } | TaskOrder::Metric { .. } => return None,
        })
    }
}

/// A condition on a list-valued field (tags): `any` of, `all` of, `none` of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagFilter {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

impl TagFilter {
    /// Whether this filter constrains anything.
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.all.is_empty() && self.none.is_empty()
    }
}

/// What `tasks.get_all` and the task table ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub ids: Vec<String>,
    pub projects: Vec<String>,
    /// A regex matched case-insensitively against the name ("contains" unless anchored).
    pub name_regex: Option<String>,
    pub statuses: Vec<TaskStatus>,
    pub exclude_statuses: Vec<TaskStatus>,
    pub types: Vec<TaskType>,
    pub exclude_types: Vec<TaskType>,
    pub tags: TagFilter,
    pub system_tags: TagFilter,
    /// Plain text searched in id, name and comment.
    pub search_text: Option<String>,
    /// Whether `search_text` is a regex (case-insensitive) rather than plain text.
    pub search_regex: bool,
    /// Owners (user ids); empty for anyone.
    pub users: Vec<String>,
    /// Last updated at or after this time (epoch ms).
    pub updated_from: Option<i64>,
    /// Last updated before this time (epoch ms).
    pub updated_until: Option<i64>,
    /// Columns with `true` for descending.
    pub order: Vec<(TaskOrder, bool)>,
    pub page: i64,
    pub page_size: i64,
    /// Whether to count every match too (a second query); without it the
    /// total returned is -1.
    pub count_total: bool,
}

/// Everything one `events.add_batch` adds for one task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEvents {
    /// Scalar points by (metric, variant), in arrival order.
    pub scalars: BTreeMap<(String, String), Vec<ScalarPoint>>,
    pub logs: Vec<LogEntry>,
    /// Other events (plots, debug samples), verbatim.
    pub others: Vec<OtherEvent>,
}

/// An event that is neither a scalar nor a console line.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherEvent {
    pub event_type: String,
    pub timestamp: i64,
    pub iter: i64,
    pub metric: String,
    pub variant: String,
    /// The whole event as JSON.
    pub body: String,
}

/// What happens to a task's queue entry when the task is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueChange {
    /// Leave it as it is.
    Keep,
    /// Put the task at the end of this queue (leaving any other).
    Enqueue(String),
    /// Take the task out of any queue.
    Remove,
}

/// Where [`Store::move_queue_entry`] puts a waiting task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuePosition {
    /// First to run.
    Front,
    /// Last to run.
    Back,
    /// This many places earlier (stopping at the front).
    Forward(usize),
    /// This many places later (stopping at the back).
    Backward(usize),
}

impl QueuePosition {
    /// The index an entry now at `from` moves to in a queue of `len` entries.
    pub fn target(self, from: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            QueuePosition::Front => 0,
            QueuePosition::Back => last,
            QueuePosition::Forward(n) => from.saturating_sub(n),
            QueuePosition::Backward(n) => from.saturating_add(n).min(last),
        }
    }
}

/// What `models.get_all` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFilter {
    pub ids: Vec<String>,
    /// A regex matched case-insensitively against the name.
    pub name_regex: Option<String>,
    pub projects: Vec<String>,
    pub tasks: Vec<String>,
    pub tags: TagFilter,
    pub system_tags: TagFilter,
    /// Only ready (published) models when `Some(true)`.
    pub ready: Option<bool>,
    /// Oldest first when true; newest first otherwise.
    pub oldest_first: bool,
    pub page: i64,
    pub page_size: i64,
}

/// An event stored verbatim, with its row id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub event: OtherEvent,
}

/// Where a console read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCursor {
    /// Oldest first, after this entry id (from the start when `None`).
    After(Option<i64>),
    /// Newest first, before this entry id (from the end when `None`).
    Before(Option<i64>),
}

/// The storage engine.
#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// A server-wide setting, if set.
    async fn get_setting(&self, key: &str) -> AppResult<Option<String>>;
    /// Stores `value` under `key` unless a value is there; returns the stored value.
    async fn init_setting(&self, key: &str, value: &str) -> AppResult<String>;

    /// How many API keys exist.
    async fn count_credentials(&self) -> AppResult<i64>;
    /// Adds or replaces a key pair.
    async fn put_credential(&self, cred: &Credential) -> AppResult<()>;
    /// Looks a key pair up.
    async fn get_credential(&self, access_key: &str) -> AppResult<Option<Credential>>;

    /// Finds the project with this full path, creating it and missing parents.
    async fn ensure_project(&self, path: &str, description: &str) -> AppResult<Project>;
    /// One project.
    async fn get_project(&self, id: &str) -> AppResult<Option<Project>>;
    /// All projects, ordered by name.
    async fn list_projects(&self) -> AppResult<Vec<Project>>;
    /// All projects with their direct task counts.
    async fn project_summaries(&self) -> AppResult<Vec<ProjectSummary>>;
    /// The direct sub-projects of a project with their direct task counts.
    async fn child_summaries(&self, parent: &str) -> AppResult<Vec<ProjectSummary>>;
    /// Gives a project (and with it its sub-projects) a new full path, in one
    /// transaction: a rename when only the last segment changes, a move when
    /// the parent does. Missing parents are created. Refuses a path that is
    /// taken or that lies inside the project itself.
    async fn relocate_project(&self, id: &str, new_path: &str) -> AppResult<Project>;
    /// Deletes an empty project (no tasks, models or sub-projects); false if
    /// it does not exist or is not empty.
    async fn delete_empty_project(&self, id: &str) -> AppResult<bool>;
    /// The ids of the tasks and of the models in these projects.
    async fn project_contents(&self, projects: &[String]) -> AppResult<(Vec<String>, Vec<String>)>;

    /// Stores a new task.
    async fn insert_task(&self, task: &Task) -> AppResult<()>;
    /// One task.
    async fn get_task(&self, id: &str) -> AppResult<Option<Task>>;
    /// Writes every editable field of `task` if its stored revision is still
    /// `task.revision`; returns false (and writes nothing) otherwise.
    async fn update_task(&self, task: &Task) -> AppResult<bool>;
    /// A page of tasks, and how many match in all (when asked for, else -1).
    async fn query_tasks(&self, filter: &TaskFilter) -> AppResult<(Vec<Task>, i64)>;
    /// Which of these ids exist.
    async fn existing_task_ids(&self, ids: &[String]) -> AppResult<Vec<String>>;

    /// Writes the task like [`Store::update_task`] and changes its queue
    /// entry in the same transaction.
    async fn update_task_queue(&self, task: &Task, change: QueueChange) -> AppResult<bool>;
    /// Deletes a task with its events and queue entry; false if it did not exist.
    async fn delete_task(&self, id: &str) -> AppResult<bool>;
    /// Deletes a task's events (console, scalars, plots, samples) and sets
    /// its last iteration back to 0, as a reset does.
    async fn clear_task_events(&self, id: &str) -> AppResult<()>;

    /// Finds the queue with this name, creating it if missing.
    async fn ensure_queue(&self, name: &str, system_tags: &[String]) -> AppResult<Queue>;
    /// Creates a queue; `None` if the name is taken.
    async fn create_queue(&self, name: &str, tags: &[String], system_tags: &[String]) -> AppResult<Option<Queue>>;
    /// One queue.
    async fn get_queue(&self, id: &str) -> AppResult<Option<Queue>>;
    /// All queues, by name.
    async fn list_queues(&self) -> AppResult<Vec<Queue>>;
    /// The tasks waiting in a queue, first to run first.
    async fn queue_entries(&self, queue: &str) -> AppResult<Vec<QueueEntry>>;
    /// Writes a queue's name and tags; false if another queue has the name.
    async fn update_queue(&self, queue: &Queue) -> AppResult<bool>;
    /// Deletes a queue with its entries; false if it did not exist.
    async fn delete_queue(&self, id: &str) -> AppResult<bool>;
    /// Moves a waiting task within its queue and answers its new index
    /// (0 = next to run); `None` if the task is not waiting in that queue.
    async fn move_queue_entry(&self, queue: &str, task: &str, to: QueuePosition) -> AppResult<Option<usize>>;
    /// Takes the first entry off a queue and answers it: each entry is
    /// handed out once, also to concurrent callers and server processes.
    async fn pop_queue(&self, queue: &str) -> AppResult<Option<QueueEntry>>;
    /// Adds or replaces a worker.
    async fn put_worker(&self, worker: &crate::model::Worker) -> AppResult<()>;
    /// One worker.
    async fn get_worker(&self, id: &str) -> AppResult<Option<crate::model::Worker>>;
    /// Every worker, by id.
    async fn list_workers(&self) -> AppResult<Vec<crate::model::Worker>>;
    /// Removes a worker; false if it was not there.
    async fn delete_worker(&self, id: &str) -> AppResult<bool>;

    /// Stores a new model.
    async fn insert_model(&self, model: &Model) -> AppResult<()>;
    /// One model.
    async fn get_model(&self, id: &str) -> AppResult<Option<Model>>;
    /// Writes every field of a model.
    async fn update_model(&self, model: &Model) -> AppResult<()>;
    /// Deletes a model; false if it did not exist.
    async fn delete_model(&self, id: &str) -> AppResult<bool>;
    /// A page of models.
    async fn query_models(&self, filter: &ModelFilter) -> AppResult<Vec<Model>>;

    /// Appends a batch of events for one task, atomically.
    async fn add_events(&self, task: &str, events: &TaskEvents) -> AppResult<()>;
    /// At most `limit` console entries of a task with their ids: oldest
    /// first after a cursor, or newest first before one.
    async fn task_log(&self, task: &str, cursor: LogCursor, limit: i64) -> AppResult<Vec<(i64, LogEntry)>>;
    /// How many console entries a task has.
    async fn count_task_log(&self, task: &str) -> AppResult<i64>;
    /// Statistics of every scalar series of a task.
    async fn metric_summaries(&self, task: &str) -> AppResult<Vec<MetricSummary>>;
    /// The metric summaries of many tasks in one query, by task id (tasks
    /// without scalars are absent).
    async fn metric_summaries_of(&self, tasks: &[String]) -> AppResult<BTreeMap<String, Vec<MetricSummary>>>;
    /// Stored events of one type (`plot`, `training_debug_image`, …) of a
    /// task, newest first, at most `limit`.
    async fn task_events(&self, task: &str, event_type: &str, limit: i64) -> AppResult<Vec<StoredEvent>>;
    /// Every point of every scalar series of a task, by iteration, the last
    /// write winning for a repeated iteration.
    async fn scalar_series(&self, task: &str) -> AppResult<Vec<SeriesData>>;
}

/// Opens the store for a database URL: `postgres://…` (or `postgresql://…`)
/// selects PostgreSQL, `sqlite:…` SQLite. Migrations run before it returns.
pub async fn connect(url: &str) -> AppResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(crate::error::AppError::Invalid(format!(
            "unsupported database URL '{url}': use sqlite:PATH or postgres://…"
        )))
    }
}

/// Size of one packed point: iter, timestamp, value.
const POINT_BYTES: usize = 24;

/// Packs points as little-endian (iter i64, timestamp i64, value f64) triples.
pub fn encode_points(points: &[ScalarPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * POINT_BYTES);
    for p in points {
        out.extend_from_slice(&p.iter.to_le_bytes());
        out.extend_from_slice(&p.timestamp.to_le_bytes());
        out.extend_from_slice(&p.value.to_le_bytes());
    }
    out
}

/// One packed point (`POINT_BYTES` bytes).
fn decode_point(c: &[u8]) -> ScalarPoint {
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&c[i * 8..i * 8 + 8]);
        b
    };
    ScalarPoint {
        iter: i64::from_le_bytes(word(0)),
        timestamp: i64::from_le_bytes(word(1)),
        value: f64::from_le_bytes(word(2)),
    }
}

/// Builds a [`SeriesData`] from its packed chunks, in write order, decoding
/// straight into the x/y/t columns. Points out of iteration order or
/// repeated are put right (as [`dedupe_by_iteration`] does) at the end.
pub struct SeriesBuilder {
    series: crate::model::SeriesData,
    /// Whether every point so far came after the one before it.
    ordered: bool,
}

impl SeriesBuilder {
    /// An empty series.
    pub fn new(metric: String, variant: String) -> SeriesBuilder {
        SeriesBuilder { series: crate::model::SeriesData { metric, variant, ..Default::default() }, ordered: true }
    }

    /// Appends one chunk's points.
    pub fn add_chunk(&mut self, bytes: &[u8]) {
        let s = &mut self.series;
        let n = bytes.len() / POINT_BYTES;
        s.x.reserve(n);
        s.y.reserve(n);
        s.t.reserve(n);
        for p in bytes.chunks_exact(POINT_BYTES).map(decode_point) {
            if s.x.last().is_some_and(|&last| p.iter <= last) {
                self.ordered = false;
            }
            s.x.push(p.iter);
            s.t.push(p.timestamp);
            s.y.push(p.value.is_finite().then_some(p.value));
        }
    }

    /// The series, ordered by iteration, the last write of an iteration winning.
    pub fn finish(mut self) -> crate::model::SeriesData {
        if !self.ordered {
            let s = &mut self.series;
            let mut pts: Vec<ScalarPoint> = (0..s.x.len())
                .map(|i| ScalarPoint { iter: s.x[i], timestamp: s.t[i], value: s.y[i].unwrap_or(f64::NAN) })
                .collect();
            dedupe_by_iteration(&mut pts);
            s.x = pts.iter().map(|p| p.iter).collect();
            s.t = pts.iter().map(|p| p.timestamp).collect();
            s.y = pts.iter().map(|p| p.value.is_finite().then_some(p.value)).collect();
        }
        self.series
    }
}

/// Orders points by iteration; for a repeated iteration the last written wins.
pub fn dedupe_by_iteration(points: &mut Vec<ScalarPoint>) {
    // Series are almost always reported in order: sort only when not.
    // A stable sort keeps write order within one iteration.
    if !points.is_sorted_by_key(|p| p.iter) {
        points.sort_by_key(|p| p.iter);
    }
    // Compact in place, the later point of a repeated iteration winning.
    let mut kept = 0;
    for i in 0..points.len() {
        if kept > 0 && points[kept - 1].iter == points[i].iter {
            points[kept - 1] = points[i];
        } else {
            points[kept] = points[i];
            kept += 1;
        }
    }
    points.truncate(kept);
}

/// Statistics of one batch of one series, merged into `scalar_series`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BatchStats {
    pub count: i64,
    pub sum: f64,
    pub first: (f64, i64),
    pub last: (f64, i64),
    pub min: (f64, i64),
    pub max: (f64, i64),
}

impl BatchStats {
    /// The statistics of a batch without a finite value: merging it changes nothing.
    pub const EMPTY: BatchStats =
        BatchStats { count: 0, sum: 0.0, first: (0.0, 0), last: (0.0, 0), min: (0.0, 0), max: (0.0, 0) };

    /// Statistics of a batch; `None` when it has no finite value. Non-finite
    /// values (NaN, ±inf) are stored as points but left out of the statistics.
    pub fn of(points: &[ScalarPoint]) -> Option<BatchStats> {
        let mut finite = points.iter().filter(|p| p.value.is_finite());
        let p0 = finite.next()?;
        let mut s = BatchStats {
            count: 1,
            sum: p0.value,
            first: (p0.value, p0.iter),
            last: (p0.value, p0.iter),
            min: (p0.value, p0.iter),
            max: (p0.value, p0.iter),
        };
        for p in finite {
            s.count += 1;
            s.sum += p.value;
            if p.iter >= s.last.1 {
                s.last = (p.value, p.iter);
            }
            if p.value < s.min.0 {
                s.min = (p.value, p.iter);
            }
            if p.value > s.max.0 {
                s.max = (p.value, p.iter);
            }
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(iter: i64, value: f64) -> ScalarPoint {
        ScalarPoint { iter, timestamp: 1000 + iter, value }
    }

    #[test]
    fn points_round_trip_through_packing() {
        let pts = vec![pt(0, 1.0), pt(1, -0.5), pt(i64::MIN, f64::MAX)];
        let bytes = encode_points(&pts);
        assert_eq!(bytes.len(), 3 * POINT_BYTES);
        let mut back = Vec::new();
        decode_points(&bytes, &mut back);
        assert_eq!(back, pts);
        // A torn tail is ignored rather than misread.
        let mut back = Vec::new();
        decode_points(&bytes[..bytes.len() - 3], &mut back);
        assert_eq!(back.len(), 2);
    }

    /// Unpacks what [`encode_points`] wrote (the read path decodes through
    /// [`SeriesBuilder`]); a trailing partial point is ignored.
    fn decode_points(bytes: &[u8], out: &mut Vec<ScalarPoint>) {
        out.extend(bytes.chunks_exact(POINT_BYTES).map(decode_point));
    }

    #[test]
    fn repeated_iterations_keep_the_last_write() {
        let mut pts = vec![pt(2, 2.0), pt(0, 0.0), pt(2, 2.5), pt(1, 1.0)];
        dedupe_by_iteration(&mut pts);
        let got: Vec<(i64, f64)> = pts.iter().map(|p| (p.iter, p.value)).collect();
        assert_eq!(got, vec![(0, 0.0), (1, 1.0), (2, 2.5)]);
        // Already in order (the usual case), with a repeat.
        let mut pts = vec![pt(0, 0.0), pt(1, 1.0), pt(1, 1.5), pt(2, 2.0)];
        dedupe_by_iteration(&mut pts);
        let got: Vec<(i64, f64)> = pts.iter().map(|p| (p.iter, p.value)).collect();
        assert_eq!(got, vec![(0, 0.0), (1, 1.5), (2, 2.0)]);
    }

    #[test]
    fn a_series_is_built_in_iteration_order_from_its_chunks() {
        let mut b = SeriesBuilder::new("m".into(), "v".into());
        b.add_chunk(&encode_points(&[pt(0, 0.0), pt(1, 1.0)]));
        b.add_chunk(&encode_points(&[pt(2, f64::NAN), pt(3, 3.0)]));
        let s = b.finish();
        assert_eq!(s.x, vec![0, 1, 2, 3]);
        assert_eq!(s.y, vec![Some(0.0), Some(1.0), None, Some(3.0)]);
        // A later chunk rewriting iteration 1, out of order.
        let mut b = SeriesBuilder::new("m".into(), "v".into());
        b.add_chunk(&encode_points(&[pt(0, 0.0), pt(1, 1.0), pt(2, 2.0)]));
        b.add_chunk(&encode_points(&[pt(1, 9.0)]));
        let s = b.finish();
        assert_eq!(s.x, vec![0, 1, 2]);
        assert_eq!(s.y, vec![Some(0.0), Some(9.0), Some(2.0)]);
        assert_eq!(s.t.len(), 3);
    }

    #[test]
    fn batch_stats() {
        let s = BatchStats::of(&[pt(0, 3.0), pt(1, 1.0), pt(2, 5.0), pt(3, 2.0)]).unwrap();
        assert_eq!(s.count, 4);
        assert_eq!(s.sum, 11.0);
        assert_eq!(s.first, (3.0, 0));
        assert_eq!(s.last, (2.0, 3));
        assert_eq!(s.min, (1.0, 1));
        assert_eq!(s.max, (5.0, 2));
        assert!(BatchStats::of(&[]).is_none());
        let s = BatchStats::of(&[pt(0, f64::NAN), pt(1, 2.0), pt(2, f64::INFINITY)]).unwrap();
        assert_eq!((s.count, s.sum, s.min, s.max), (1, 2.0, (2.0, 1), (2.0, 1)));
        assert!(BatchStats::of(&[pt(0, f64::NAN)]).is_none());
    }
}
