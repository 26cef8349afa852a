//! Storage: one [`Store`] (the sum of a trait per noun), two engines
//! (SQLite by default, PostgreSQL for teams that outgrow one machine),
//! chosen by the database URL scheme.
//!
//! Both engines run the same SQL ([`sql`]), except where the dialects
//! differ ([`sql::Dialect`]). Scalars, the hot path, are stored as packed
//! chunks ([`scalars`]) with running statistics per series, so
//! `last_metrics` never scans points. Method names follow the use cases;
//! every method is traced (`tracing` spans at debug level).

mod postgres;
pub mod scalars;
mod sql;
mod sqlite;

use crate::error::{AppError, AppResult};
use crate::model::event::MetricFilter;
pub use crate::model::queue::QueuePosition;
use crate::model::queue::QueueStat;
pub use crate::model::task::MetricStat;
use crate::model::task::MetricSummary;
use crate::model::worker::WorkerStat;
use crate::model::{
    LogEntry, Model, Project, ProjectSummary, Queue, QueueEntry, ScalarPoint, SeriesData, Task, TaskStatus, TaskType,
    User, Worker,
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
    /// The user it belongs to (`None` only for keys older than accounts,
    /// until start-up gives them to the first admin).
    pub user: Option<String>,
    /// When it last logged in (epoch ms).
    pub last_used: Option<i64>,
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
    /// Children of these tasks only (their `parent`); empty for any.
    pub parents: Vec<String>,
    /// Tasks that use any of these models as an input; empty for any.
    pub input_models: Vec<String>,
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
    /// The x axis' title of a series, where its events give one.
    pub x_axis_labels: BTreeMap<(String, String), String>,
    pub logs: Vec<LogEntry>,
    /// Other events (plots, debug samples), verbatim.
    pub others: Vec<OtherEvent>,
}

impl TaskEvents {
    /// How many events this is.
    pub fn len(&self) -> usize {
        self.logs.len() + self.others.len() + self.scalars.values().map(Vec::len).sum::<usize>()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
    /// Only ready (published) models when `Some(true)`, only drafts when `Some(false)`.
    pub ready: Option<bool>,
    /// Only models of this framework.
    pub framework: Option<String>,
    /// The sort key; creation time when `None`.
    pub sort: Option<crate::model::model::ModelSort>,
    /// Ascending (oldest first, A to Z) when true; descending otherwise.
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

/// Which console entries `events.clear_task_log` deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogClearing {
    /// Only those reported before this time (epoch ms).
    pub before: Option<i64>,
    /// Only those of these metrics (empty: any).
    pub include_metrics: Vec<String>,
    /// Not those of these metrics.
    pub exclude_metrics: Vec<String>,
}

/// Where a console read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCursor {
    /// Oldest first, after this entry id (from the start when `None`).
    After(Option<i64>),
    /// Newest first, before this entry id (from the end when `None`).
    Before(Option<i64>),
    /// Oldest first, reported after this time (epoch ms).
    AfterTime(i64),
    /// Newest first, reported before this time (epoch ms).
    BeforeTime(i64),
}

/// Server-wide settings and API keys.
#[async_trait]
pub trait SettingsStore: Send + Sync {
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
    /// Revokes a key pair; false if there was none.
    async fn delete_credential(&self, access_key: &str) -> AppResult<bool>;
    /// Gives every key without a user to `user`; answers how many.
    async fn adopt_credentials(&self, user: &str) -> AppResult<u64>;
    /// The keys of `user` (every key when `None`), oldest first.
    async fn list_credentials(&self, user: Option<&str>) -> AppResult<Vec<Credential>>;
    /// Records that a key logged in at `at` (epoch ms).
    async fn touch_credential(&self, access_key: &str, at: i64) -> AppResult<()>;
    /// Tells every server process on this database that the standing of a
    /// key or user changed (`what`: `key:<access key>` or `user:<id>`).
    /// PostgreSQL sends it with NOTIFY; SQLite has no other process to tell
    /// but `labbook user`, whose changes a server sees within
    /// [`STANDING_TTL_MS`](crate::server::auth::STANDING_TTL_MS).
    async fn announce_auth_change(&self, what: &str) -> AppResult<()>;
    /// What other processes announce, as it comes (`*`: something may have
    /// been missed, forget everything); `None` on an engine without it.
    async fn auth_changes(&self) -> AppResult<Option<futures::stream::BoxStream<'static, String>>>;
}

/// Accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// How many users exist.
    async fn count_users(&self) -> AppResult<i64>;
    /// Adds a user with a password hash; a taken login is a duplicate (801).
    async fn insert_user(&self, user: &User, password_hash: &str) -> AppResult<()>;
    /// One user by id.
    async fn get_user(&self, id: &str) -> AppResult<Option<User>>;
    /// One user by login, with their password hash.
    async fn find_user(&self, login: &str) -> AppResult<Option<(User, String)>>;
    /// Every user, by login.
    async fn list_users(&self) -> AppResult<Vec<User>>;
    /// Saves a user's display name, role and disabled flag; false if gone.
    async fn update_user(&self, user: &User) -> AppResult<bool>;
    /// The user an API key belongs to (one query: the per-request check).
    async fn key_owner(&self, access_key: &str) -> AppResult<Option<User>>;
    /// Replaces a user's password hash; false if gone.
    async fn set_password_hash(&self, id: &str, hash: &str) -> AppResult<bool>;
    /// Stores a dashboard session (by the hash of its token).
    async fn insert_session(&self, session: &Session) -> AppResult<()>;
    /// The user of a session unexpired at `now` (epoch ms).
    async fn session_user(&self, token_hash: &str, now: i64) -> AppResult<Option<User>>;
    /// Ends one session; false if there was none.
    async fn delete_session(&self, token_hash: &str) -> AppResult<bool>;
    /// Ends every session of a user (and expired ones of anyone); answers
    /// how many of the user's ended.
    async fn delete_user_sessions(&self, user: &str, now: i64) -> AppResult<u64>;
}

/// A dashboard sign-in, as stored: only the hash of the cookie's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user: String,
    /// Epoch ms.
    pub created: i64,
    /// Epoch ms.
    pub expires: i64,
}

/// Projects, nested by path.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Makes projects public or private; answers how many changed.
    async fn set_projects_public(&self, ids: &[String], public: bool) -> AppResult<u64>;
    /// Finds the project with this full path, creating it and missing parents.
    async fn ensure_project(&self, path: &str, description: &str) -> AppResult<Project>;
    /// One project.
    async fn get_project(&self, id: &str) -> AppResult<Option<Project>>;
    /// All projects, ordered by name.
    async fn list_projects(&self) -> AppResult<Vec<Project>>;
    /// All projects with their task counts, direct and with sub-projects.
    async fn project_summaries(&self) -> AppResult<Vec<ProjectSummary>>;
    /// The direct sub-projects of a project with their task counts, direct
    /// and with their own sub-projects.
    async fn child_summaries(&self, parent: &str) -> AppResult<Vec<ProjectSummary>>;
    /// Gives a project (and with it its sub-projects) a new full path, in one
    /// transaction: a rename when only the last segment changes, a move when
    /// the parent does. Missing parents are created. Refuses a path that is
    /// taken or that lies inside the project itself.
    async fn relocate_project(&self, id: &str, new_path: &str) -> AppResult<Project>;
    /// Writes a project's description, tags, system tags and default output
    /// destination (not its name: see [`ProjectStore::relocate_project`]).
    async fn update_project(&self, project: &Project) -> AppResult<()>;
    /// Deletes an empty project (no tasks, models or sub-projects); false if
    /// it does not exist or is not empty.
    async fn delete_empty_project(&self, id: &str) -> AppResult<bool>;
    /// The ids of the tasks and of the models in these projects.
    async fn project_contents(&self, projects: &[String]) -> AppResult<(Vec<String>, Vec<String>)>;
}

/// Tasks, their revision-guarded writes and their queue entries.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Makes tasks public or private; answers how many changed.
    async fn set_tasks_public(&self, ids: &[String], public: bool) -> AppResult<u64>;
    /// Stores a new task.
    async fn insert_task(&self, task: &Task) -> AppResult<()>;
    /// One task.
    async fn get_task(&self, id: &str) -> AppResult<Option<Task>>;
    /// Writes every editable field of `task` if its stored revision is still
    /// `task.revision`; returns false (and writes nothing) otherwise.
    async fn update_task(&self, task: &Task) -> AppResult<bool>;
    /// Writes the task like [`TaskStore::update_task`] and changes its queue
    /// entry in the same transaction.
    async fn update_task_queue(&self, task: &Task, change: QueueChange) -> AppResult<bool>;
    /// A page of tasks, and how many match in all (when asked for, else -1).
    async fn query_tasks(&self, filter: &TaskFilter) -> AppResult<(Vec<Task>, i64)>;
    /// How many tasks match `filter` (its page aside) in each status, in no
    /// particular order; statuses without tasks left out.
    async fn count_tasks_by_status(&self, filter: &TaskFilter) -> AppResult<Vec<(TaskStatus, i64)>>;
    /// The tags of the tasks matching `filter` (its page aside), each with
    /// how many carry it, most used first (then by name), at most `limit`.
    async fn task_tag_counts(&self, filter: &TaskFilter, limit: i64) -> AppResult<Vec<(String, i64)>>;
    /// Which of these ids exist.
    async fn existing_task_ids(&self, ids: &[String]) -> AppResult<Vec<String>>;
    /// Deletes a task with its events and queue entry; false if it did not exist.
    async fn delete_task(&self, id: &str) -> AppResult<bool>;
}

/// Execution queues and the tasks waiting in them.
#[async_trait]
pub trait QueueStore: Send + Sync {
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
    /// Keeps samples of queues' state.
    async fn add_queue_stats(&self, stats: &[QueueStat]) -> AppResult<()>;
    /// The samples taken from `from` to `to` (epoch ms) of these queues
    /// (all when empty), oldest first.
    async fn queue_stats(&self, queues: &[String], from: i64, to: i64) -> AppResult<Vec<QueueStat>>;
    /// Forgets the samples older than `before`; answers how many.
    async fn prune_queue_stats(&self, before: i64) -> AppResult<u64>;
}

/// Workers as they last reported.
#[async_trait]
pub trait WorkerStore: Send + Sync {
    /// Keeps the statistics of one report.
    async fn add_worker_stats(&self, stats: &[WorkerStat]) -> AppResult<()>;
    /// The (category, metric) pairs the workers (any when empty) reported.
    async fn worker_stat_keys(&self, workers: &[String]) -> AppResult<Vec<(String, String)>>;
    /// The statistics of `metric` (any when `None`) reported in
    /// `from..=to` (epoch ms) by `workers` (any when empty), oldest first.
    async fn worker_stats(
        &self,
        metric: Option<&str>,
        from: i64,
        to: i64,
        workers: &[String],
    ) -> AppResult<Vec<WorkerStat>>;
    /// Deletes statistics reported before `before` (epoch ms).
    async fn prune_worker_stats(&self, before: i64) -> AppResult<u64>;
    /// Adds or replaces a worker.
    async fn put_worker(&self, worker: &Worker) -> AppResult<()>;
    /// One worker.
    async fn get_worker(&self, id: &str) -> AppResult<Option<Worker>>;
    /// Every worker, by id.
    async fn list_workers(&self) -> AppResult<Vec<Worker>>;
    /// Removes a worker; false if it was not there.
    async fn delete_worker(&self, id: &str) -> AppResult<bool>;
}

/// Registered models.
#[async_trait]
pub trait ModelStore: Send + Sync {
    /// Makes models public or private; answers how many changed.
    async fn set_models_public(&self, ids: &[String], public: bool) -> AppResult<u64>;
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
    /// How many models the filter matches (its page ignored).
    async fn count_models(&self, filter: &ModelFilter) -> AppResult<i64>;
}

/// What tasks report: console lines, scalars, plots and debug samples.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends a batch of events for one task, atomically.
    async fn add_events(&self, task: &str, events: &TaskEvents) -> AppResult<()>;
    /// Deletes a task's events (console, scalars, plots, samples) and sets
    /// its last iteration back to 0, as a reset does.
    async fn clear_task_events(&self, id: &str) -> AppResult<()>;
    /// At most `limit` console entries of a task with their ids: oldest
    /// first after a cursor, or newest first before one.
    /// Only entries of the metrics `metrics` admits.
    async fn task_log(
        &self,
        task: &str,
        cursor: LogCursor,
        limit: i64,
        metrics: &MetricFilter,
    ) -> AppResult<Vec<(i64, LogEntry)>>;
    /// How many console entries (of the metrics `metrics` admits) a task has.
    async fn count_task_log(&self, task: &str, metrics: &MetricFilter) -> AppResult<i64>;
    /// Deletes console entries of a task; answers how many.
    async fn clear_task_log(&self, task: &str, clear: &LogClearing) -> AppResult<u64>;
    /// The (metric, variant) pairs a task's console entries name, sorted
    /// (entries that name none are left out).
    async fn log_metric_variants(&self, task: &str) -> AppResult<Vec<(String, String)>>;
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

/// The storage engine: every noun's store in one.
pub trait Store:
    SettingsStore + UserStore + ProjectStore + TaskStore + QueueStore + WorkerStore + ModelStore + EventStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

/// Opens the store for a database URL: `postgres://…` (or `postgresql://…`)
/// selects PostgreSQL, `sqlite:…` SQLite. Migrations run before it returns.
pub async fn connect(url: &str) -> AppResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::connect(url).await?))
    } else {
        Err(AppError::invalid(format!("unsupported database URL '{url}': use sqlite:PATH or postgres://…")))
    }
}
