//! The SQL both engines share, written once and instantiated per engine by
//! [`impl_sql_store!`]. Placeholders are `$N`, which SQLite and PostgreSQL
//! both accept; what differs between them goes through [`Dialect`].

use super::{ModelFilter, TagFilter, TaskFilter, TaskOrder};
use crate::error::{AppError, AppResult};
use crate::model::task::{progress_of, MetricSummary, TaskModels};
use crate::model::{Container, Model, Project, Queue, Script, Task};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What differs between the SQL of the two engines.
pub(super) trait Dialect {
    /// A condition: column `col` matches the regex in placeholder `p`, ignoring case.
    fn regex_match(col: &str, p: &str) -> String;
    /// A condition: the JSON array in text column `col` contains the string in `p`.
    fn json_array_contains(col: &str, p: &str) -> String;
    /// A condition: `col` contains the LIKE pattern `p`, ignoring case.
    fn ilike(col: &str, p: &str) -> String;
    /// The regex as this engine wants it (SQLite's REGEXP is case-sensitive).
    fn case_insensitive_regex(re: &str) -> String;
    /// The text at a JSON path (`keys`, bound as placeholder `p` by
    /// [`Dialect::json_path`]) inside text column `col`, or NULL.
    fn json_text(col: &str, p: &str) -> String;
    /// The bind value of a JSON path made of object keys.
    fn json_path(keys: &[&str]) -> String;
    /// `expr` as a number when it reads as one, else NULL (never an error).
    fn numeric_or_null(expr: &str) -> String;
    /// What a row-picking subquery appends so that concurrent pickers each
    /// get another row (PostgreSQL); empty where writers are serialized (SQLite).
    fn skip_locked() -> &'static str;
}

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
}

/// Builds a statement and its binds together, numbering placeholders.
#[derive(Debug, Default)]
pub(super) struct SqlBuilder {
    pub binds: Vec<Bind>,
}

impl SqlBuilder {
    /// Adds a bind and returns its placeholder.
    pub fn text(&mut self, v: impl Into<String>) -> String {
        self.binds.push(Bind::Text(Some(v.into())));
        format!("${}", self.binds.len())
    }

    /// Adds an integer bind and returns its placeholder.
    pub fn int(&mut self, v: i64) -> String {
        self.binds.push(Bind::Int(Some(v)));
        format!("${}", self.binds.len())
    }

    /// `col IN ($a, $b, …)` for text values.
    pub fn in_list(&mut self, col: &str, values: &[String], negate: bool) -> String {
        let ps: Vec<String> = values.iter().map(|v| self.text(v.clone())).collect();
        format!("{col} {}IN ({})", if negate { "NOT " } else { "" }, ps.join(", "))
    }
}

/// The task columns written on insert and update, in bind order.
pub(super) const TASK_WRITE_COLUMNS: &[&str] = &[
    "name",
    "project",
    "type",
    "status",
    "status_reason",
    "status_message",
    "status_changed",
    "comment",
    "parent",
    "user_id",
    "tags",
    "system_tags",
    "created",
    "started",
    "completed",
    "published",
    "last_update",
    "last_change",
    "script_binary",
    "script_repository",
    "script_tag",
    "script_branch",
    "script_version_num",
    "script_entry_point",
    "script_working_dir",
    "script_diff",
    "script_requirements",
    "container_image",
    "container_arguments",
    "container_setup_shell_script",
    "output_destination",
    "output_extra",
    "execution_queue",
    "enqueue_status",
    "execution_extra",
    "hyperparams",
    "configuration",
    "runtime",
    "progress",
    "artifacts",
    "models_input",
    "models_output",
    "last_worker",
    "last_worker_report",
    "archived",
    "hidden",
];

pub(super) fn to_json<T: Serialize>(v: &T) -> String {
    // Serializing maps of strings and JSON values cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: DeserializeOwned + Default>(text: &str, what: &str, id: &str) -> T {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(%id, field = what, error = %e, "unreadable JSON column; using an empty value");
            T::default()
        }
    }
}

/// The binds for [`TASK_WRITE_COLUMNS`], in order.
pub(super) fn task_binds(t: &Task) -> Vec<Bind> {
    let s = |v: &str| Bind::Text(Some(v.to_string()));
    let os = |v: &Option<String>| Bind::Text(v.clone());
    let i = |v: i64| Bind::Int(Some(v));
    let oi = |v: Option<i64>| Bind::Int(v);
    vec![
        s(&t.name),
        os(&t.project),
        s(t.task_type.as_str()),
        s(t.status.as_str()),
        s(&t.status_reason),
        s(&t.status_message),
        i(t.status_changed),
        s(&t.comment),
        os(&t.parent),
        s(&t.user),
        s(&to_json(&t.tags)),
        s(&to_json(&t.system_tags)),
        i(t.created),
        oi(t.started),
        oi(t.completed),
        oi(t.published),
        i(t.last_update),
        i(t.last_change),
        s(&t.script.binary),
        s(&t.script.repository),
        s(&t.script.tag),
        s(&t.script.branch),
        s(&t.script.version_num),
        s(&t.script.entry_point),
        s(&t.script.working_dir),
        s(&t.script.diff),
        s(&to_json(&t.script.requirements)),
        s(&t.container.image),
        s(&t.container.arguments),
        s(&t.container.setup_shell_script),
        os(&t.output_destination),
        s(&to_json(&t.output_extra)),
        os(&t.execution_queue),
        Bind::Text(t.enqueue_status.map(|st| st.as_str().to_string())),
        s(&to_json(&t.execution_extra)),
        s(&to_json(&t.hyperparams)),
        s(&to_json(&t.configuration)),
        s(&to_json(&t.runtime)),
        oi(progress_of(&t.runtime).map(i64::from)),
        s(&to_json(&t.artifacts)),
        s(&to_json(&t.models.input)),
        s(&to_json(&t.models.output)),
        os(&t.last_worker),
        oi(t.last_worker_report),
        i(i64::from(t.system_tags.iter().any(|x| x == "archived"))),
        i(i64::from(t.system_tags.iter().any(|x| x == "hidden"))),
    ]
}

/// `INSERT INTO tasks …` with placeholders for id, the write columns,
/// last_iteration and revision.
pub(super) fn insert_task_sql() -> String {
    let n = TASK_WRITE_COLUMNS.len();
    let ps: Vec<String> = (1..=n + 3).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO tasks (id, {}, last_iteration, revision) VALUES ({})",
        TASK_WRITE_COLUMNS.join(", "),
        ps.join(", ")
    )
}

/// `UPDATE tasks SET …` for the write columns, guarded by id and revision.
/// `last_update` never moves backwards (events may have advanced it).
pub(super) fn update_task_sql() -> String {
    let n = TASK_WRITE_COLUMNS.len();
    let sets: Vec<String> = TASK_WRITE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = i + 1;
            if *c == "last_update" {
                format!("last_update = CASE WHEN ${p} > last_update THEN ${p} ELSE last_update END")
            } else {
                format!("{c} = ${p}")
            }
        })
        .collect();
    format!(
        "UPDATE tasks SET {}, revision = revision + 1 WHERE id = ${} AND revision = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    )
}

/// A task row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct TaskRow {
    id: String,
    name: String,
    project: Option<String>,
    #[sqlx(rename = "type")]
    task_type: String,
    status: String,
    status_reason: String,
    status_message: String,
    status_changed: i64,
    comment: String,
    parent: Option<String>,
    user_id: String,
    tags: String,
    system_tags: String,
    created: i64,
    started: Option<i64>,
    completed: Option<i64>,
    published: Option<i64>,
    last_update: i64,
    last_change: i64,
    script_binary: String,
    script_repository: String,
    script_tag: String,
    script_branch: String,
    script_version_num: String,
    script_entry_point: String,
    script_working_dir: String,
    script_diff: String,
    script_requirements: String,
    container_image: String,
    container_arguments: String,
    container_setup_shell_script: String,
    output_destination: Option<String>,
    output_extra: String,
    execution_queue: Option<String>,
    enqueue_status: Option<String>,
    execution_extra: String,
    hyperparams: String,
    configuration: String,
    runtime: String,
    artifacts: String,
    models_input: String,
    models_output: String,
    last_iteration: i64,
    last_worker: Option<String>,
    last_worker_report: Option<i64>,
    revision: i64,
}

impl TaskRow {
    /// The domain task. Unknown enum text is reported, not guessed.
    pub fn into_task(self) -> AppResult<Task> {
        let id = self.id;
        let status = self.status.parse().map_err(|e: String| {
            tracing::error!(%id, error = %e, "bad status in database");
            AppError::Internal
        })?;
        let task_type = self.task_type.parse().map_err(|e: String| {
            tracing::error!(%id, error = %e, "bad type in database");
            AppError::Internal
        })?;
        Ok(Task {
            name: self.name,
            project: self.project,
            task_type,
            status,
            status_reason: self.status_reason,
            status_message: self.status_message,
            status_changed: self.status_changed,
            comment: self.comment,
            parent: self.parent,
            user: self.user_id,
            tags: from_json(&self.tags, "tags", &id),
            system_tags: from_json(&self.system_tags, "system_tags", &id),
            created: self.created,
            started: self.started,
            completed: self.completed,
            published: self.published,
            last_update: self.last_update,
            last_change: self.last_change,
            script: Script {
                binary: self.script_binary,
                repository: self.script_repository,
                tag: self.script_tag,
                branch: self.script_branch,
                version_num: self.script_version_num,
                entry_point: self.script_entry_point,
                working_dir: self.script_working_dir,
                diff: self.script_diff,
                requirements: from_json(&self.script_requirements, "script_requirements", &id),
            },
            container: Container {
                image: self.container_image,
                arguments: self.container_arguments,
                setup_shell_script: self.container_setup_shell_script,
            },
            output_destination: self.output_destination,
            output_extra: from_json(&self.output_extra, "output_extra", &id),
            execution_queue: self.execution_queue,
            enqueue_status: self.enqueue_status.and_then(|s| s.parse().ok()),
            execution_extra: from_json(&self.execution_extra, "execution_extra", &id),
            hyperparams: from_json(&self.hyperparams, "hyperparams", &id),
            configuration: from_json(&self.configuration, "configuration", &id),
            runtime: from_json(&self.runtime, "runtime", &id),
            artifacts: from_json(&self.artifacts, "artifacts", &id),
            models: TaskModels {
                input: from_json(&self.models_input, "models_input", &id),
                output: from_json(&self.models_output, "models_output", &id),
            },
            last_iteration: self.last_iteration,
            last_worker: self.last_worker,
            last_worker_report: self.last_worker_report,
            revision: self.revision,
            id,
        })
    }
}

/// A project row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ProjectRow {
    id: String,
    name: String,
    basename: String,
    parent: Option<String>,
    description: String,
    tags: String,
    system_tags: String,
    default_output_destination: Option<String>,
    created: i64,
    last_update: i64,
}

impl ProjectRow {
    /// The domain project.
    pub fn into_project(self) -> Project {
        Project {
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            id: self.id,
            name: self.name,
            basename: self.basename,
            parent: self.parent,
            description: self.description,
            default_output_destination: self.default_output_destination,
            created: self.created,
            last_update: self.last_update,
        }
    }
}

/// A queue row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct QueueRow {
    id: String,
    name: String,
    tags: String,
    system_tags: String,
    created: i64,
    last_update: i64,
}

impl QueueRow {
    /// The domain queue.
    pub fn into_queue(self) -> Queue {
        Queue {
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            id: self.id,
            name: self.name,
            created: self.created,
            last_update: self.last_update,
        }
    }
}

/// The model columns written on insert and update, in bind order (after `id`).
pub(super) const MODEL_WRITE_COLUMNS: &[&str] = &[
    "name",
    "uri",
    "framework",
    "design",
    "labels",
    "ready",
    "public",
    "comment",
    "tags",
    "system_tags",
    "project",
    "task",
    "parent",
    "user_id",
    "metadata",
    "created",
    "last_update",
];

/// The binds for [`MODEL_WRITE_COLUMNS`], in order.
pub(super) fn model_binds(m: &Model) -> Vec<Bind> {
    let s = |v: &str| Bind::Text(Some(v.to_string()));
    vec![
        s(&m.name),
        s(&m.uri),
        Bind::Text(m.framework.clone()),
        s(&to_json(&m.design)),
        s(&to_json(&m.labels)),
        Bind::Int(Some(i64::from(m.ready))),
        Bind::Int(Some(i64::from(m.public))),
        s(&m.comment),
        s(&to_json(&m.tags)),
        s(&to_json(&m.system_tags)),
        Bind::Text(m.project.clone()),
        Bind::Text(m.task.clone()),
        Bind::Text(m.parent.clone()),
        s(&m.user),
        s(&to_json(&m.metadata)),
        Bind::Int(Some(m.created)),
        Bind::Int(Some(m.last_update)),
    ]
}

/// A model row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ModelRow {
    id: String,
    name: String,
    uri: String,
    framework: Option<String>,
    design: String,
    labels: String,
    ready: i64,
    public: i64,
    comment: String,
    tags: String,
    system_tags: String,
    project: Option<String>,
    task: Option<String>,
    parent: Option<String>,
    user_id: String,
    metadata: String,
    created: i64,
    last_update: i64,
}

impl ModelRow {
    /// The domain model.
    pub fn into_model(self) -> Model {
        Model {
            design: from_json(&self.design, "design", &self.id),
            labels: from_json(&self.labels, "labels", &self.id),
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            metadata: from_json(&self.metadata, "metadata", &self.id),
            id: self.id,
            name: self.name,
            uri: self.uri,
            framework: self.framework,
            ready: self.ready != 0,
            public: self.public != 0,
            comment: self.comment,
            project: self.project,
            task: self.task,
            parent: self.parent,
            user: self.user_id,
            created: self.created,
            last_update: self.last_update,
        }
    }
}

/// The conditions tasks and models share: ids, projects and a name regex.
fn base_conditions<D: Dialect>(
    b: &mut SqlBuilder,
    ids: &[String],
    projects: &[String],
    name_regex: Option<&str>,
) -> Vec<String> {
    let mut conds = Vec::new();
    if !ids.is_empty() {
        conds.push(b.in_list("id", ids, false));
    }
    if !projects.is_empty() {
        conds.push(b.in_list("project", projects, false));
    }
    if let Some(re) = name_regex {
        let p = b.text(D::case_insensitive_regex(re));
        conds.push(D::regex_match("name", &p));
    }
    conds
}

/// The WHERE clause (possibly empty) of a model filter.
pub(super) fn model_where<D: Dialect>(b: &mut SqlBuilder, f: &ModelFilter) -> String {
    let mut conds = base_conditions::<D>(b, &f.ids, &f.projects, f.name_regex.as_deref());
    if !f.tasks.is_empty() {
        conds.push(b.in_list("task", &f.tasks, false));
    }
    if let Some(ready) = f.ready {
        let p = b.int(i64::from(ready));
        conds.push(format!("ready = {p}"));
    }
    tag_condition::<D>(b, "tags", &f.tags, &mut conds);
    tag_condition::<D>(b, "system_tags", &f.system_tags, &mut conds);
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

/// A scalar series' statistics as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct SeriesRow {
    pub task: String,
    metric: String,
    variant: String,
    count: i64,
    sum_value: f64,
    first_value: f64,
    first_iter: i64,
    last_value: f64,
    last_iter: i64,
    min_value: f64,
    min_iter: i64,
    max_value: f64,
    max_iter: i64,
}

impl SeriesRow {
    /// The `last_metrics` entry of this series.
    pub fn into_summary(self) -> MetricSummary {
        MetricSummary {
            metric: self.metric,
            variant: self.variant,
            value: self.last_value,
            last_iteration: self.last_iter,
            min_value: self.min_value,
            min_value_iteration: self.min_iter,
            max_value: self.max_value,
            max_value_iteration: self.max_iter,
            first_value: self.first_value,
            first_value_iteration: self.first_iter,
            mean_value: if self.count > 0 { self.sum_value / self.count as f64 } else { 0.0 },
            count: self.count,
        }
    }
}

/// The SQL of one tag condition (any / all / none) on a JSON-array column.
fn tag_condition<D: Dialect>(b: &mut SqlBuilder, col: &str, f: &TagFilter, out: &mut Vec<String>) {
    if !f.any.is_empty() {
        let ors: Vec<String> = f.any.iter().map(|t| D::json_array_contains(col, &b.text(t.clone()))).collect();
        out.push(format!("({})", ors.join(" OR ")));
    }
    for t in &f.all {
        let p = b.text(t.clone());
        out.push(D::json_array_contains(col, &p));
    }
    for t in &f.none {
        let p = b.text(t.clone());
        out.push(format!("NOT {}", D::json_array_contains(col, &p)));
    }
}

/// System tags with a column of their own (0/1), filtered through it.
const SYSTEM_TAG_COLUMNS: [&str; 2] = ["archived", "hidden"];

/// Like [`tag_condition`] on `system_tags`, with `archived` and `hidden`
/// answered by their indexed columns instead of the JSON array.
fn system_tag_condition<D: Dialect>(b: &mut SqlBuilder, f: &TagFilter, out: &mut Vec<String>) {
    let column = |t: &String| SYSTEM_TAG_COLUMNS.contains(&t.as_str());
    let mut rest = TagFilter { any: Vec::new(), all: Vec::new(), none: Vec::new() };
    for t in &f.all {
        if column(t) {
            out.push(format!("{t} = 1"));
        } else {
            rest.all.push(t.clone());
        }
    }
    for t in &f.none {
        if column(t) {
            out.push(format!("{t} = 0"));
        } else {
            rest.none.push(t.clone());
        }
    }
    // `any` mixes both kinds in one OR: keep it whole unless all are columns.
    if f.any.iter().all(column) && !f.any.is_empty() {
        let ors: Vec<String> = f.any.iter().map(|t| format!("{t} = 1")).collect();
        out.push(format!("({})", ors.join(" OR ")));
    } else {
        rest.any = f.any.clone();
    }
    tag_condition::<D>(b, "system_tags", &rest, out);
}

/// The WHERE clause (possibly empty) of a task filter.
pub(super) fn task_where<D: Dialect>(b: &mut SqlBuilder, f: &TaskFilter) -> String {
    let mut conds = base_conditions::<D>(b, &f.ids, &f.projects, f.name_regex.as_deref());
    let names = |v: &[crate::model::TaskStatus]| v.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();
    if !f.statuses.is_empty() {
        conds.push(b.in_list("status", &names(&f.statuses), false));
    }
    if !f.exclude_statuses.is_empty() {
        conds.push(b.in_list("status", &names(&f.exclude_statuses), true));
    }
    let types = |v: &[crate::model::TaskType]| v.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();
    if !f.types.is_empty() {
        conds.push(b.in_list("type", &types(&f.types), false));
    }
    if !f.exclude_types.is_empty() {
        conds.push(b.in_list("type", &types(&f.exclude_types), true));
    }
    tag_condition::<D>(b, "tags", &f.tags, &mut conds);
    system_tag_condition::<D>(b, &f.system_tags, &mut conds);
    if !f.users.is_empty() {
        conds.push(b.in_list("user_id", &f.users, false));
    }
    if let Some(from) = f.updated_from {
        let p = b.int(from);
        conds.push(format!("last_update >= {p}"));
    }
    if let Some(until) = f.updated_until {
        let p = b.int(until);
        conds.push(format!("last_update < {p}"));
    }
    let search = f.search_text.as_deref().filter(|t| !t.is_empty());
    if let Some(re) = search.filter(|_| f.search_regex) {
        let p = b.text(D::case_insensitive_regex(re));
        conds.push(format!(
            "({} OR {} OR {})",
            D::regex_match("id", &p),
            D::regex_match("name", &p),
            D::regex_match("comment", &p)
        ));
    } else if let Some(text) = search {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let p = b.text(format!("%{escaped}%"));
        conds.push(format!("({} OR {} OR {})", D::ilike("id", &p), D::ilike("name", &p), D::ilike("comment", &p)));
    }
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

/// The `scalar_series` column holding a statistic.
fn series_column(stat: super::MetricStat) -> &'static str {
    match stat {
        super::MetricStat::Last => "last_value",
        super::MetricStat::Min => "min_value",
        super::MetricStat::Max => "max_value",
    }
}

/// The ORDER BY clause of a task filter: NULLs last either way, id last for
/// a stable order. Hyperparameters sort numbers numerically, then as text.
pub(super) fn task_order<D: Dialect>(b: &mut SqlBuilder, f: &TaskFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    let order = if f.order.is_empty() { vec![(TaskOrder::LastUpdate, true)] } else { f.order.clone() };
    for (col, desc) in order {
        let dir = if desc { "DESC" } else { "ASC" };
        let keys = match &col {
            TaskOrder::Hyperparam { section, name } => {
                let v = D::json_text("hyperparams", &b.text(D::json_path(&[section, name, "value"])));
                vec![D::numeric_or_null(&v), v]
            }
            TaskOrder::Metric { metric, variant, stat } => {
                let (m, v) = (b.text(metric.clone()), b.text(variant.clone()));
                vec![format!(
                    "(SELECT s.{} FROM scalar_series s WHERE s.task = tasks.id AND s.metric = {m} AND s.variant = {v})",
                    series_column(*stat)
                )]
            }
            other => other.column().map(|c| vec![c.to_string()]).unwrap_or_default(),
        };
        // NOT NULL columns need no NULLs-last key (which would keep the
        // database from walking an index in order).
        let nullable = col.nullable();
        for k in keys {
            if nullable {
                parts.push(format!("({k} IS NULL)"));
            }
            parts.push(format!("{k} {dir}"));
        }
    }
    parts.push("id ASC".into());
    format!(" ORDER BY {}", parts.join(", "))
}

/// A `workers` row.
#[derive(sqlx::FromRow)]
pub(super) struct WorkerRow {
    id: String,
    queues: String,
    tags: String,
    task: Option<String>,
    queue: Option<String>,
    machine_stats: String,
    registered: i64,
    last_seen: i64,
}

impl WorkerRow {
    /// The worker; JSON columns that do not parse read as empty.
    pub(super) fn into_worker(self) -> crate::model::Worker {
        crate::model::Worker {
            id: self.id,
            queues: serde_json::from_str(&self.queues).unwrap_or_default(),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            task: self.task,
            queue: self.queue,
            machine_stats: serde_json::from_str(&self.machine_stats).unwrap_or_default(),
            registered: self.registered,
            last_seen: self.last_seen,
        }
    }
}

/// Per-project task counts: project, tasks, running tasks, newest update
/// (served by the `tasks_project_stats` index alone).
pub(super) const PROJECT_COUNTS: &str = "SELECT project, COUNT(*), \
     SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), MAX(last_update) FROM tasks";

/// Projects joined with their [`PROJECT_COUNTS`] rows.
pub(super) fn summaries(
    projects: Vec<crate::model::Project>,
    counts: Vec<(Option<String>, i64, i64, Option<i64>)>,
) -> Vec<crate::model::ProjectSummary> {
    let by_project: std::collections::HashMap<String, (i64, i64, Option<i64>)> =
        counts.into_iter().filter_map(|(p, n, r, u)| p.map(|p| (p, (n, r, u)))).collect();
    projects
        .into_iter()
        .map(|project| {
            let (task_count, running_count, tasks_last_update) =
                by_project.get(&project.id).copied().unwrap_or((0, 0, None));
            crate::model::ProjectSummary { project, task_count, running_count, tasks_last_update }
        })
        .collect()
}

/// The series statistic a task table is ordered by, when a metric column is
/// the only sort key: such pages are read from the series index in order
/// (see [`metric_page_sql`]) instead of sorting every task.
pub(super) fn metric_order(f: &TaskFilter) -> Option<(&str, &str, super::MetricStat, bool)> {
    match f.order.as_slice() {
        [(TaskOrder::Metric { metric, variant, stat }, desc)] => Some((metric, variant, *stat, *desc)),
        _ => None,
    }
}

/// Ids of the tasks matching `wh` that have the series, in the order of its
/// statistic (ties by id), one page: `wh` must come from [`task_where`] on
/// the same builder.
pub(super) fn metric_page_sql(
    b: &mut SqlBuilder,
    wh: &str,
    (metric, variant, stat, desc): (&str, &str, super::MetricStat, bool),
    limit: i64,
    offset: i64,
) -> String {
    let (m, v) = (b.text(metric.to_string()), b.text(variant.to_string()));
    let (limit, offset) = (b.int(limit), b.int(offset));
    let dir = if desc { "DESC" } else { "ASC" };
    // The subquery exposes no `id`, so the task conditions stay unambiguous.
    format!(
        "SELECT id FROM tasks JOIN (SELECT task, {} AS v FROM scalar_series WHERE metric = {m} AND variant = {v}) s \
         ON s.task = tasks.id{wh} ORDER BY s.v {dir}, id ASC LIMIT {limit} OFFSET {offset}",
        series_column(stat)
    )
}

/// The tasks matching `wh` without the series (they sort last, by id).
pub(super) fn metric_missing_sql(b: &mut SqlBuilder, wh: &str, metric: &str, variant: &str, count: bool) -> String {
    let (m, v) = (b.text(metric.to_string()), b.text(variant.to_string()));
    let missing = format!(
        "NOT EXISTS (SELECT 1 FROM scalar_series s WHERE s.task = tasks.id AND s.metric = {m} AND s.variant = {v})"
    );
    let wh = if wh.is_empty() { format!(" WHERE {missing}") } else { format!("{wh} AND {missing}") };
    if count {
        format!("SELECT COUNT(*) FROM tasks{wh}")
    } else {
        format!("SELECT id FROM tasks{wh} ORDER BY id ASC")
    }
}

/// Implements [`super::Store`] for a store struct with a `pool` field of
/// the given sqlx pool type, using the SQL above and the engine's dialect.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $dialect:ty, $name:literal) => {
        impl $store {
            fn bind_all<'q>(
                mut q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
                binds: &'q [$crate::server::store::sql::Bind],
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                use $crate::server::store::sql::Bind;
                for b in binds {
                    q = match b {
                        Bind::Text(v) => q.bind(v.as_deref()),
                        Bind::Int(v) => q.bind(*v),
                    };
                }
                q
            }
        }

        #[async_trait::async_trait]
        impl $crate::server::store::Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            #[tracing::instrument(skip(self))]
            async fn get_setting(&self, key: &str) -> $crate::error::AppResult<Option<String>> {
                let v: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(v.map(|r| r.0))
            }

            #[tracing::instrument(skip(self, value))]
            async fn init_setting(&self, key: &str, value: &str) -> $crate::error::AppResult<String> {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                let v: (String,) = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(v.0)
            }

            async fn count_credentials(&self) -> $crate::error::AppResult<i64> {
                let v: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM credentials").fetch_one(&self.pool).await?;
                Ok(v.0)
            }

            #[tracing::instrument(skip(self, cred), fields(access_key = %cred.access_key))]
            async fn put_credential(&self, cred: &$crate::server::store::Credential) -> $crate::error::AppResult<()> {
                sqlx::query(
                    "INSERT INTO credentials (access_key, secret_hash, salt, created) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (access_key) DO UPDATE SET secret_hash = excluded.secret_hash, salt = excluded.salt",
                )
                .bind(&cred.access_key)
                .bind(&cred.secret_hash)
                .bind(&cred.salt)
                .bind(cred.created)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn get_credential(
                &self,
                access_key: &str,
            ) -> $crate::error::AppResult<Option<$crate::server::store::Credential>> {
                let row: Option<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT access_key, secret_hash, salt, created FROM credentials WHERE access_key = $1",
                )
                .bind(access_key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(access_key, secret_hash, salt, created)| $crate::server::store::Credential {
                    access_key,
                    secret_hash,
                    salt,
                    created,
                }))
            }

            #[tracing::instrument(skip(self, description))]
            async fn ensure_project(
                &self,
                path: &str,
                description: &str,
            ) -> $crate::error::AppResult<$crate::model::Project> {
                let prefixes = $crate::model::project::path_prefixes(path).map_err($crate::error::AppError::Invalid)?;
                let mut conn = self.pool.acquire().await?;
                Self::ensure_prefixes(&mut conn, &prefixes, description)
                    .await?
                    .ok_or_else(|| $crate::error::AppError::Invalid("empty project name".into()))
            }

            async fn get_project(&self, id: &str) -> $crate::error::AppResult<Option<$crate::model::Project>> {
                use $crate::server::store::sql::ProjectRow;
                let row: Option<ProjectRow> = sqlx::query_as("SELECT * FROM projects WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(ProjectRow::into_project))
            }

            async fn list_projects(&self) -> $crate::error::AppResult<Vec<$crate::model::Project>> {
                use $crate::server::store::sql::ProjectRow;
                let rows: Vec<ProjectRow> =
                    sqlx::query_as("SELECT * FROM projects ORDER BY name").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(ProjectRow::into_project).collect())
            }

            async fn project_summaries(&self) -> $crate::error::AppResult<Vec<$crate::model::ProjectSummary>> {
                let projects = self.list_projects().await?;
                let counts: Vec<(Option<String>, i64, i64, Option<i64>)> =
                    sqlx::query_as(&format!("{} GROUP BY project", $crate::server::store::sql::PROJECT_COUNTS))
                        .fetch_all(&self.pool)
                        .await?;
                Ok($crate::server::store::sql::summaries(projects, counts))
            }

            async fn child_summaries(&self, parent: &str) -> $crate::error::AppResult<Vec<$crate::model::ProjectSummary>> {
                use $crate::server::store::sql::{ProjectRow, SqlBuilder, PROJECT_COUNTS};
                let rows: Vec<ProjectRow> = sqlx::query_as("SELECT * FROM projects WHERE parent = $1 ORDER BY name")
                    .bind(parent)
                    .fetch_all(&self.pool)
                    .await?;
                let projects: Vec<$crate::model::Project> = rows.into_iter().map(ProjectRow::into_project).collect();
                if projects.is_empty() {
                    return Ok(Vec::new());
                }
                let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
                let mut b = SqlBuilder::default();
                let cond = b.in_list("project", &ids, false);
                let sql = format!("{PROJECT_COUNTS} WHERE {cond} GROUP BY project");
                let counts: Vec<(Option<String>, i64, i64, Option<i64>)> =
                    Self::bind_all_as(sqlx::query_as(&sql), &b.binds).fetch_all(&self.pool).await?;
                Ok($crate::server::store::sql::summaries(projects, counts))
            }

            async fn relocate_project(
                &self,
                id: &str,
                new_path: &str,
            ) -> $crate::error::AppResult<$crate::model::Project> {
                use $crate::error::AppError;
                use $crate::model::project::{basename, path_prefixes};
                use $crate::server::store::sql::ProjectRow;
                let prefixes = path_prefixes(new_path).map_err(AppError::Invalid)?;
                let new_path = prefixes.last().cloned().unwrap_or_default();
                let mut tx = self.pool.begin().await?;
                let rows: Vec<ProjectRow> = sqlx::query_as("SELECT * FROM projects").fetch_all(&mut *tx).await?;
                let all: Vec<$crate::model::Project> = rows.into_iter().map(ProjectRow::into_project).collect();
                let project = all.iter().find(|p| p.id == id).ok_or_else(|| AppError::NotFound(format!("project {id}")))?;
                let old = project.name.clone();
                if old == new_path {
                    return Ok(project.clone());
                }
                if new_path.starts_with(&format!("{old}/")) {
                    return Err(AppError::Invalid(format!("cannot move project '{old}' into itself ('{new_path}')")));
                }
                let inside = |name: &str| name == old || name.starts_with(&format!("{old}/"));
                let renamed = |name: &str| format!("{new_path}{}", &name[old.len()..]);
                if let Some(taken) = all.iter().find(|p| !inside(&p.name) && all.iter().any(|q| inside(&q.name) && renamed(&q.name) == p.name)) {
                    return Err(AppError::Conflict(format!("a project named '{}' already exists", taken.name)));
                }
                let now = $crate::server::clock::now_ms();
                // The new parent chain, created as needed.
                let parent = Self::ensure_prefixes(&mut tx, &prefixes[..prefixes.len() - 1], "").await?.map(|p| p.id);
                // Names are unique: park the moving ones on temporary names first.
                for p in all.iter().filter(|p| inside(&p.name)) {
                    sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
                        .bind(format!("~relocating~/{}", p.id))
                        .bind(&p.id)
                        .execute(&mut *tx)
                        .await?;
                }
                for p in all.iter().filter(|p| inside(&p.name)) {
                    let name = renamed(&p.name);
                    let parent = if p.id == id { parent.clone() } else { p.parent.clone() };
                    sqlx::query("UPDATE projects SET name = $1, basename = $2, parent = $3, last_update = $4 WHERE id = $5")
                        .bind(&name)
                        .bind(basename(&name))
                        .bind(parent)
                        .bind(now)
                        .bind(&p.id)
                        .execute(&mut *tx)
                        .await?;
                }
                let row: ProjectRow = sqlx::query_as("SELECT * FROM projects WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(row.into_project())
            }

            async fn delete_empty_project(&self, id: &str) -> $crate::error::AppResult<bool> {
                let done = sqlx::query(
                    "DELETE FROM projects WHERE id = $1 \
                     AND NOT EXISTS (SELECT 1 FROM tasks WHERE project = $1) \
                     AND NOT EXISTS (SELECT 1 FROM models WHERE project = $1) \
                     AND NOT EXISTS (SELECT 1 FROM projects c WHERE c.parent = $1)",
                )
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn project_contents(
                &self,
                projects: &[String],
            ) -> $crate::error::AppResult<(Vec<String>, Vec<String>)> {
                use $crate::server::store::sql::SqlBuilder;
                if projects.is_empty() {
                    return Ok((Vec::new(), Vec::new()));
                }
                let mut b = SqlBuilder::default();
                let cond = b.in_list("project", projects, false);
                let tasks: Vec<(String,)> = Self::bind_all_as(sqlx::query_as(&format!("SELECT id FROM tasks WHERE {cond}")), &b.binds)
                    .fetch_all(&self.pool)
                    .await?;
                let models: Vec<(String,)> =
                    Self::bind_all_as(sqlx::query_as(&format!("SELECT id FROM models WHERE {cond}")), &b.binds)
                        .fetch_all(&self.pool)
                        .await?;
                Ok((tasks.into_iter().map(|r| r.0).collect(), models.into_iter().map(|r| r.0).collect()))
            }

            #[tracing::instrument(skip(self, task), fields(id = %task.id))]
            async fn insert_task(&self, task: &$crate::model::Task) -> $crate::error::AppResult<()> {
                use $crate::server::store::sql::{insert_task_sql, task_binds, Bind};
                let mut binds = vec![Bind::Text(Some(task.id.clone()))];
                binds.extend(task_binds(task));
                binds.push(Bind::Int(Some(task.last_iteration)));
                binds.push(Bind::Int(Some(task.revision)));
                let sql = insert_task_sql();
                Self::bind_all(sqlx::query(&sql), &binds).execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn get_task(&self, id: &str) -> $crate::error::AppResult<Option<$crate::model::Task>> {
                use $crate::server::store::sql::TaskRow;
                let row: Option<TaskRow> = sqlx::query_as("SELECT * FROM tasks WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(TaskRow::into_task).transpose()
            }

            #[tracing::instrument(skip(self, task), fields(id = %task.id, revision = task.revision))]
            async fn update_task(&self, task: &$crate::model::Task) -> $crate::error::AppResult<bool> {
                self.update_task_queue(task, $crate::server::store::QueueChange::Keep).await
            }

            #[tracing::instrument(skip(self))]
            async fn query_tasks(
                &self,
                filter: &$crate::server::store::TaskFilter,
            ) -> $crate::error::AppResult<(Vec<$crate::model::Task>, i64)> {
                use $crate::server::store::sql::{metric_order, task_order, task_where, SqlBuilder};
                if let Some(by) = metric_order(filter) {
                    let (ids, total) = self.metric_ordered_ids(filter, by).await?;
                    return self.tasks_in_order(ids, total).await;
                }
                let mut b = SqlBuilder::default();
                let wh = task_where::<$dialect>(&mut b, filter);
                let count_binds = b.binds.len();
                let order = task_order::<$dialect>(&mut b, filter);
                let limit = b.int(filter.page_size.max(1));
                let offset = b.int(filter.page.max(0) * filter.page_size.max(1));
                // A text search scans every row anyway: count in the same scan
                // (a window over the matches). Otherwise the count is its own
                // index-only query and the page stops after `limit` rows.
                let scan_counts = filter.count_total && filter.search_text.as_deref().is_some_and(|t| !t.is_empty());
                let total_col = if scan_counts { "COUNT(*) OVER ()" } else { "CAST(-1 AS BIGINT)" };
                // Ids first (a narrow sort), then whole rows for the page only.
                let sql = format!("SELECT id, {total_col} FROM tasks{wh}{order} LIMIT {limit} OFFSET {offset}");
                let page: Vec<(String, i64)> =
                    Self::bind_all_as(sqlx::query_as(&sql), &b.binds).fetch_all(&self.pool).await?;
                let total = match (filter.count_total, page.first()) {
                    (false, _) => -1,
                    (true, Some((_, n))) if scan_counts => *n,
                    (true, _) => {
                        let count_sql = format!("SELECT COUNT(*) FROM tasks{wh}");
                        let (n,): (i64,) =
                            Self::bind_all_as(sqlx::query_as(&count_sql), &b.binds[..count_binds]).fetch_one(&self.pool).await?;
                        n
                    }
                };
                self.tasks_in_order(page.into_iter().map(|(id, _)| id).collect(), total).await
            }

            async fn existing_task_ids(&self, ids: &[String]) -> $crate::error::AppResult<Vec<String>> {
                use $crate::server::store::sql::SqlBuilder;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut b = SqlBuilder::default();
                let cond = b.in_list("id", ids, false);
                let sql = format!("SELECT id FROM tasks WHERE {cond}");
                let rows: Vec<(String,)> = Self::bind_all_as(sqlx::query_as(&sql), &b.binds).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            #[tracing::instrument(skip(self, task), fields(id = %task.id, revision = task.revision))]
            async fn update_task_queue(
                &self,
                task: &$crate::model::Task,
                change: $crate::server::store::QueueChange,
            ) -> $crate::error::AppResult<bool> {
                use $crate::server::store::sql::{task_binds, update_task_sql, Bind};
                use $crate::server::store::QueueChange;
                let mut binds = task_binds(task);
                binds.push(Bind::Text(Some(task.id.clone())));
                binds.push(Bind::Int(Some(task.revision)));
                let sql = update_task_sql();
                if change == QueueChange::Keep {
                    // One statement: no transaction needed.
                    let done = Self::bind_all(sqlx::query(&sql), &binds).execute(&self.pool).await?;
                    return Ok(done.rows_affected() == 1);
                }
                let mut tx = self.pool.begin().await?;
                let done = Self::bind_all(sqlx::query(&sql), &binds).execute(&mut *tx).await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                match change {
                    QueueChange::Keep => {}
                    QueueChange::Remove => {
                        sqlx::query("DELETE FROM queue_entries WHERE task = $1").bind(&task.id).execute(&mut *tx).await?;
                    }
                    QueueChange::Enqueue(queue) => {
                        sqlx::query("DELETE FROM queue_entries WHERE task = $1").bind(&task.id).execute(&mut *tx).await?;
                        sqlx::query(
                            "INSERT INTO queue_entries (task, queue, added, position) VALUES ($1, $2, $3, \
                             (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_entries WHERE queue = $2))",
                        )
                        .bind(&task.id)
                        .bind(&queue)
                        .bind($crate::server::clock::now_ms())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_task(&self, id: &str) -> $crate::error::AppResult<bool> {
                let done = sqlx::query("DELETE FROM tasks WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn clear_task_events(&self, id: &str) -> $crate::error::AppResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM scalar_chunks WHERE series IN (SELECT id FROM scalar_series WHERE task = $1)")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for sql in [
                    "DELETE FROM scalar_series WHERE task = $1",
                    "DELETE FROM task_logs WHERE task = $1",
                    "DELETE FROM task_events WHERE task = $1",
                    "UPDATE tasks SET last_iteration = 0 WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn ensure_queue(
                &self,
                name: &str,
                system_tags: &[String],
            ) -> $crate::error::AppResult<$crate::model::Queue> {
                use $crate::server::store::sql::QueueRow;
                let now = $crate::server::clock::now_ms();
                sqlx::query(
                    "INSERT INTO queues (id, name, tags, system_tags, created, last_update) VALUES ($1, $2, '[]', $3, $4, $4) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind($crate::server::clock::new_id())
                .bind(name)
                .bind(serde_json::to_string(system_tags).unwrap_or_else(|_| "[]".into()))
                .bind(now)
                .execute(&self.pool)
                .await?;
                let row: QueueRow =
                    sqlx::query_as("SELECT * FROM queues WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
                Ok(row.into_queue())
            }

            async fn create_queue(
                &self,
                name: &str,
                tags: &[String],
                system_tags: &[String],
            ) -> $crate::error::AppResult<Option<$crate::model::Queue>> {
                let now = $crate::server::clock::now_ms();
                let id = $crate::server::clock::new_id();
                let done = sqlx::query(
                    "INSERT INTO queues (id, name, tags, system_tags, created, last_update) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(&id)
                .bind(name)
                .bind(serde_json::to_string(tags).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(system_tags).unwrap_or_else(|_| "[]".into()))
                .bind(now)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                self.get_queue(&id).await
            }

            async fn get_queue(&self, id: &str) -> $crate::error::AppResult<Option<$crate::model::Queue>> {
                use $crate::server::store::sql::QueueRow;
                let row: Option<QueueRow> =
                    sqlx::query_as("SELECT * FROM queues WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(QueueRow::into_queue))
            }

            async fn list_queues(&self) -> $crate::error::AppResult<Vec<$crate::model::Queue>> {
                use $crate::server::store::sql::QueueRow;
                let rows: Vec<QueueRow> = sqlx::query_as("SELECT * FROM queues ORDER BY name").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(QueueRow::into_queue).collect())
            }

            async fn queue_entries(&self, queue: &str) -> $crate::error::AppResult<Vec<$crate::model::QueueEntry>> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT task, added FROM queue_entries WHERE queue = $1 ORDER BY position, added")
                        .bind(queue)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(task, added)| $crate::model::QueueEntry { task, added }).collect())
            }

            async fn update_queue(&self, q: &$crate::model::Queue) -> $crate::error::AppResult<bool> {
                use $crate::server::store::sql::to_json;
                let done = sqlx::query("UPDATE queues SET name = $1, tags = $2, system_tags = $3, last_update = $4 WHERE id = $5")
                    .bind(&q.name)
                    .bind(to_json(&q.tags))
                    .bind(to_json(&q.system_tags))
                    .bind($crate::server::clock::now_ms())
                    .bind(&q.id)
                    .execute(&self.pool)
                    .await;
                match done {
                    Ok(_) => Ok(true),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                    Err(e) => Err(e.into()),
                }
            }

            async fn delete_queue(&self, id: &str) -> $crate::error::AppResult<bool> {
                // Its entries go with it (ON DELETE CASCADE).
                let done = sqlx::query("DELETE FROM queues WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn move_queue_entry(
                &self,
                queue: &str,
                task: &str,
                to: $crate::server::store::QueuePosition,
            ) -> $crate::error::AppResult<Option<usize>> {
                let mut tx = self.pool.begin().await?;
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT task, position FROM queue_entries WHERE queue = $1 ORDER BY position, added")
                        .bind(queue)
                        .fetch_all(&mut *tx)
                        .await?;
                let Some(from) = rows.iter().position(|(t, _)| t == task) else {
                    return Ok(None);
                };
                let dest = to.target(from, rows.len());
                if dest != from {
                    let mut order: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
                    let moved = order.remove(from);
                    order.insert(dest, moved);
                    // The entries between the two places take that range's
                    // positions in their new order; the others keep theirs.
                    // Equal positions (from concurrent enqueues) renumber all.
                    let distinct = rows.windows(2).all(|w| w[0].1 < w[1].1);
                    let (lo, hi) = if distinct { (from.min(dest), from.max(dest)) } else { (0, rows.len() - 1) };
                    for (i, t) in order.iter().enumerate().take(hi + 1).skip(lo) {
                        let position = if distinct { rows[i].1 } else { i as i64 + 1 };
                        sqlx::query("UPDATE queue_entries SET position = $1 WHERE task = $2")
                            .bind(position)
                            .bind(*t)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(Some(dest))
            }

            async fn pop_queue(&self, queue: &str) -> $crate::error::AppResult<Option<$crate::model::QueueEntry>> {
                let sql = format!(
                    "DELETE FROM queue_entries WHERE task = (SELECT task FROM queue_entries WHERE queue = $1 \
                     ORDER BY position, added LIMIT 1{}) RETURNING task, added",
                    <$dialect as $crate::server::store::sql::Dialect>::skip_locked()
                );
                let row: Option<(String, i64)> = sqlx::query_as(&sql).bind(queue).fetch_optional(&self.pool).await?;
                Ok(row.map(|(task, added)| $crate::model::QueueEntry { task, added }))
            }

            async fn put_worker(&self, w: &$crate::model::Worker) -> $crate::error::AppResult<()> {
                use $crate::server::store::sql::to_json;
                sqlx::query(
                    "INSERT INTO workers (id, queues, tags, task, queue, machine_stats, registered, last_seen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET queues = excluded.queues, \
                     tags = excluded.tags, task = excluded.task, queue = excluded.queue, \
                     machine_stats = excluded.machine_stats, last_seen = excluded.last_seen",
                )
                .bind(&w.id)
                .bind(to_json(&w.queues))
                .bind(to_json(&w.tags))
                .bind(&w.task)
                .bind(&w.queue)
                .bind(to_json(&w.machine_stats))
                .bind(w.registered)
                .bind(w.last_seen)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn get_worker(&self, id: &str) -> $crate::error::AppResult<Option<$crate::model::Worker>> {
                use $crate::server::store::sql::WorkerRow;
                let row: Option<WorkerRow> =
                    sqlx::query_as("SELECT * FROM workers WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(WorkerRow::into_worker))
            }

            async fn list_workers(&self) -> $crate::error::AppResult<Vec<$crate::model::Worker>> {
                use $crate::server::store::sql::WorkerRow;
                let rows: Vec<WorkerRow> = sqlx::query_as("SELECT * FROM workers ORDER BY id").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(WorkerRow::into_worker).collect())
            }

            async fn delete_worker(&self, id: &str) -> $crate::error::AppResult<bool> {
                let done = sqlx::query("DELETE FROM workers WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_model(&self, model: &$crate::model::Model) -> $crate::error::AppResult<()> {
                use $crate::server::store::sql::{model_binds, Bind, MODEL_WRITE_COLUMNS};
                let mut binds = vec![Bind::Text(Some(model.id.clone()))];
                binds.extend(model_binds(model));
                let ps: Vec<String> = (1..=binds.len()).map(|i| format!("${i}")).collect();
                let sql = format!("INSERT INTO models (id, {}) VALUES ({})", MODEL_WRITE_COLUMNS.join(", "), ps.join(", "));
                Self::bind_all(sqlx::query(&sql), &binds).execute(&self.pool).await?;
                Ok(())
            }

            async fn get_model(&self, id: &str) -> $crate::error::AppResult<Option<$crate::model::Model>> {
                use $crate::server::store::sql::ModelRow;
                let row: Option<ModelRow> =
                    sqlx::query_as("SELECT * FROM models WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(ModelRow::into_model))
            }

            async fn update_model(&self, model: &$crate::model::Model) -> $crate::error::AppResult<()> {
                use $crate::server::store::sql::{model_binds, Bind, MODEL_WRITE_COLUMNS};
                let mut binds = model_binds(model);
                let sets: Vec<String> =
                    MODEL_WRITE_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
                binds.push(Bind::Text(Some(model.id.clone())));
                let sql = format!("UPDATE models SET {} WHERE id = ${}", sets.join(", "), binds.len());
                Self::bind_all(sqlx::query(&sql), &binds).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_model(&self, id: &str) -> $crate::error::AppResult<bool> {
                let done = sqlx::query("DELETE FROM models WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn query_models(
                &self,
                filter: &$crate::server::store::ModelFilter,
            ) -> $crate::error::AppResult<Vec<$crate::model::Model>> {
                use $crate::server::store::sql::{model_where, ModelRow, SqlBuilder};
                let mut b = SqlBuilder::default();
                let wh = model_where::<$dialect>(&mut b, filter);
                let limit = b.int(filter.page_size.max(1));
                let offset = b.int(filter.page.max(0) * filter.page_size.max(1));
                let dir = if filter.oldest_first { "ASC" } else { "DESC" };
                let sql = format!("SELECT * FROM models{wh} ORDER BY created {dir}, id LIMIT {limit} OFFSET {offset}");
                let rows: Vec<ModelRow> = Self::bind_all_as(sqlx::query_as(&sql), &b.binds).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(ModelRow::into_model).collect())
            }

            async fn task_events(
                &self,
                task: &str,
                event_type: &str,
                limit: i64,
            ) -> $crate::error::AppResult<Vec<$crate::server::store::StoredEvent>> {
                let rows: Vec<(i64, String, i64, i64, String, String, String)> = sqlx::query_as(
                    "SELECT id, type, timestamp, iter, metric, variant, body FROM task_events \
                     WHERE task = $1 AND type = $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(task)
                .bind(event_type)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, event_type, timestamp, iter, metric, variant, body)| $crate::server::store::StoredEvent {
                        id,
                        event: $crate::server::store::OtherEvent { event_type, timestamp, iter, metric, variant, body },
                    })
                    .collect())
            }

            #[tracing::instrument(skip(self, events), fields(scalars = events.scalars.len(), logs = events.logs.len()))]
            async fn add_events(
                &self,
                task: &str,
                events: &$crate::server::store::TaskEvents,
            ) -> $crate::error::AppResult<()> {
                use $crate::server::store::{encode_points, BatchStats};
                let mut tx = self.pool.begin().await?;
                let mut max_iter: Option<i64> = None;
                let mut max_ts: i64 = 0;
                for ((metric, variant), points) in &events.scalars {
                    let st = BatchStats::of(points).unwrap_or(BatchStats::EMPTY);
                    for p in points {
                        max_ts = max_ts.max(p.timestamp);
                        if p.iter != $crate::model::SINGLE_VALUE_ITERATION {
                            max_iter = Some(max_iter.map_or(p.iter, |m: i64| m.max(p.iter)));
                        }
                    }
                    let (series,): (i64,) = sqlx::query_as(
                        "INSERT INTO scalar_series (task, metric, variant, count, sum_value, first_value, first_iter, \
                         last_value, last_iter, min_value, min_iter, max_value, max_iter) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (task, metric, variant) DO UPDATE SET \
                         count = scalar_series.count + excluded.count, \
                         sum_value = scalar_series.sum_value + excluded.sum_value, \
                         first_value = CASE WHEN scalar_series.count = 0 THEN excluded.first_value ELSE scalar_series.first_value END, \
                         first_iter = CASE WHEN scalar_series.count = 0 THEN excluded.first_iter ELSE scalar_series.first_iter END, \
                         last_value = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.last_iter >= scalar_series.last_iter) THEN excluded.last_value ELSE scalar_series.last_value END, \
                         last_iter = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.last_iter >= scalar_series.last_iter) THEN excluded.last_iter ELSE scalar_series.last_iter END, \
                         min_value = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.min_value < scalar_series.min_value) THEN excluded.min_value ELSE scalar_series.min_value END, \
                         min_iter = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.min_value < scalar_series.min_value) THEN excluded.min_iter ELSE scalar_series.min_iter END, \
                         max_value = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.max_value > scalar_series.max_value) THEN excluded.max_value ELSE scalar_series.max_value END, \
                         max_iter = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.max_value > scalar_series.max_value) THEN excluded.max_iter ELSE scalar_series.max_iter END \
                         RETURNING id",
                    )
                    .bind(task)
                    .bind(metric)
                    .bind(variant)
                    .bind(st.count)
                    .bind(st.sum)
                    .bind(st.first.0)
                    .bind(st.first.1)
                    .bind(st.last.0)
                    .bind(st.last.1)
                    .bind(st.min.0)
                    .bind(st.min.1)
                    .bind(st.max.0)
                    .bind(st.max.1)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("INSERT INTO scalar_chunks (series, points) VALUES ($1, $2)")
                        .bind(series)
                        .bind(encode_points(points))
                        .execute(&mut *tx)
                        .await?;
                }
                for log in &events.logs {
                    max_ts = max_ts.max(log.timestamp);
                    sqlx::query("INSERT INTO task_logs (task, timestamp, level, worker, msg) VALUES ($1, $2, $3, $4, $5)")
                        .bind(task)
                        .bind(log.timestamp)
                        .bind(&log.level)
                        .bind(&log.worker)
                        .bind(&log.msg)
                        .execute(&mut *tx)
                        .await?;
                }
                for ev in &events.others {
                    max_ts = max_ts.max(ev.timestamp);
                    if ev.iter >= 0 {
                        max_iter = Some(max_iter.map_or(ev.iter, |m: i64| m.max(ev.iter)));
                    }
                    sqlx::query(
                        "INSERT INTO task_events (task, type, timestamp, iter, metric, variant, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(task)
                    .bind(&ev.event_type)
                    .bind(ev.timestamp)
                    .bind(ev.iter)
                    .bind(&ev.metric)
                    .bind(&ev.variant)
                    .bind(&ev.body)
                    .execute(&mut *tx)
                    .await?;
                }
                let now = $crate::server::clock::now_ms().max(max_ts);
                sqlx::query(
                    "UPDATE tasks SET last_update = CASE WHEN $2 > last_update THEN $2 ELSE last_update END, \
                     last_iteration = CASE WHEN $3 > last_iteration THEN $3 ELSE last_iteration END WHERE id = $1",
                )
                .bind(task)
                .bind(now)
                .bind(max_iter.unwrap_or(0))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn task_log(
                &self,
                task: &str,
                cursor: $crate::server::store::LogCursor,
                limit: i64,
            ) -> $crate::error::AppResult<Vec<(i64, $crate::model::LogEntry)>> {
                use $crate::server::store::LogCursor;
                let (sql, bound) = match cursor {
                    LogCursor::After(after) => (
                        "SELECT id, timestamp, level, worker, msg FROM task_logs WHERE task = $1 AND id > $2 ORDER BY id ASC LIMIT $3",
                        after.unwrap_or(i64::MIN),
                    ),
                    LogCursor::Before(before) => (
                        "SELECT id, timestamp, level, worker, msg FROM task_logs WHERE task = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                        before.unwrap_or(i64::MAX),
                    ),
                };
                let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(sql)
                    .bind(task)
                    .bind(bound)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, timestamp, level, worker, msg)| (id, $crate::model::LogEntry { timestamp, level, worker, msg }))
                    .collect())
            }

            async fn count_task_log(&self, task: &str) -> $crate::error::AppResult<i64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM task_logs WHERE task = $1")
                    .bind(task)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn metric_summaries(
                &self,
                task: &str,
            ) -> $crate::error::AppResult<Vec<$crate::model::task::MetricSummary>> {
                Ok(self.metric_summaries_of(&[task.to_string()]).await?.remove(task).unwrap_or_default())
            }

            async fn metric_summaries_of(
                &self,
                tasks: &[String],
            ) -> $crate::error::AppResult<
                std::collections::BTreeMap<String, Vec<$crate::model::task::MetricSummary>>,
            > {
                use $crate::server::store::sql::{SeriesRow, SqlBuilder};
                let mut out = std::collections::BTreeMap::<String, Vec<_>>::new();
                if tasks.is_empty() {
                    return Ok(out);
                }
                let mut b = SqlBuilder::default();
                let cond = b.in_list("task", tasks, false);
                let sql = format!(
                    "SELECT task, metric, variant, count, sum_value, first_value, first_iter, last_value, last_iter, \
                     min_value, min_iter, max_value, max_iter FROM scalar_series WHERE {cond} AND count > 0 \
                     ORDER BY task, metric, variant"
                );
                let rows: Vec<SeriesRow> = Self::bind_all_as(sqlx::query_as(&sql), &b.binds).fetch_all(&self.pool).await?;
                for r in rows {
                    out.entry(r.task.clone()).or_default().push(r.into_summary());
                }
                Ok(out)
            }

            #[tracing::instrument(skip(self))]
            async fn scalar_series(&self, task: &str) -> $crate::error::AppResult<Vec<$crate::model::SeriesData>> {
                use futures::TryStreamExt;
                use $crate::server::store::SeriesBuilder;
                // Streamed chunk by chunk, decoded straight into the series'
                // columns: a million-point series is never held twice.
                let mut rows = sqlx::query_as::<_, (i64, String, String, Vec<u8>)>(
                    "SELECT s.id, s.metric, s.variant, c.points FROM scalar_series s \
                     JOIN scalar_chunks c ON c.series = s.id WHERE s.task = $1 ORDER BY s.metric, s.variant, c.id",
                )
                .bind(task)
                .fetch(&self.pool);
                let mut out: Vec<$crate::model::SeriesData> = Vec::new();
                let mut current: Option<(i64, SeriesBuilder)> = None;
                while let Some((id, metric, variant, blob)) = rows.try_next().await? {
                    if current.as_ref().map(|c| c.0) != Some(id) {
                        if let Some((_, b)) = current.take() {
                            out.push(b.finish());
                        }
                        current = Some((id, SeriesBuilder::new(metric, variant)));
                    }
                    if let Some((_, b)) = current.as_mut() {
                        b.add_chunk(&blob);
                    }
                }
                if let Some((_, b)) = current.take() {
                    out.push(b.finish());
                }
                Ok(out)
            }
        }

        impl $store {
            /// Finds or creates each project of a path's prefixes (`a`,
            /// `a/b`, …) in order on `conn`, the last with `description`;
            /// answers the last one (`None` for no prefixes).
            async fn ensure_prefixes(
                conn: &mut <$db as sqlx::Database>::Connection,
                prefixes: &[String],
                description: &str,
            ) -> $crate::error::AppResult<Option<$crate::model::Project>> {
                use $crate::server::store::sql::ProjectRow;
                let now = $crate::server::clock::now_ms();
                let mut last: Option<$crate::model::Project> = None;
                for (i, name) in prefixes.iter().enumerate() {
                    let desc = if i + 1 == prefixes.len() { description } else { "" };
                    sqlx::query(
                        "INSERT INTO projects (id, name, basename, parent, description, created, last_update) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind($crate::server::clock::new_id())
                    .bind(name)
                    .bind($crate::model::project::basename(name))
                    .bind(last.as_ref().map(|p| p.id.clone()))
                    .bind(desc)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                    let row: ProjectRow =
                        sqlx::query_as("SELECT * FROM projects WHERE name = $1").bind(name).fetch_one(&mut *conn).await?;
                    last = Some(row.into_project());
                }
                Ok(last)
            }

            /// Whole tasks for `ids`, in that order (one missing since the
            /// ids were read is left out), with `total` passed through.
            async fn tasks_in_order(
                &self,
                ids: Vec<String>,
                total: i64,
            ) -> $crate::error::AppResult<(Vec<$crate::model::Task>, i64)> {
                use $crate::server::store::sql::{SqlBuilder, TaskRow};
                if ids.is_empty() {
                    return Ok((Vec::new(), total));
                }
                let mut fetch = SqlBuilder::default();
                let cond = fetch.in_list("id", &ids, false);
                let rows: Vec<TaskRow> =
                    Self::bind_all_as(sqlx::query_as(&format!("SELECT * FROM tasks WHERE {cond}")), &fetch.binds)
                        .fetch_all(&self.pool)
                        .await?;
                let mut by_id: std::collections::HashMap<String, $crate::model::Task> = rows
                    .into_iter()
                    .map(|r| r.into_task().map(|t| (t.id.clone(), t)))
                    .collect::<Result<_, _>>()?;
                Ok((ids.iter().filter_map(|id| by_id.remove(id)).collect(), total))
            }

            /// One page of ids ordered by a series statistic: the tasks with
            /// the series straight from its index, then (NULLs last) those
            /// without it, by id; and the total when asked for.
            async fn metric_ordered_ids(
                &self,
                filter: &$crate::server::store::TaskFilter,
                by: (&str, &str, $crate::server::store::MetricStat, bool),
            ) -> $crate::error::AppResult<(Vec<String>, i64)> {
                use $crate::server::store::sql::{metric_missing_sql, metric_page_sql, task_where, SqlBuilder};
                let (limit, offset) = (filter.page_size.max(1), filter.page.max(0) * filter.page_size.max(1));
                let mut b = SqlBuilder::default();
                let wh = task_where::<$dialect>(&mut b, filter);
                let where_binds = b.binds.clone();
                let sql = metric_page_sql(&mut b, &wh, by, limit, offset);
                let mut ids: Vec<String> = Self::bind_all_as(sqlx::query_as::<_, (String,)>(&sql), &b.binds)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(|r| r.0)
                    .collect();
                // How many tasks match in all: read at most once.
                let mut matching: Option<i64> = None;
                let count_sql = format!("SELECT COUNT(*) FROM tasks{wh}");
                if (ids.len() as i64) < limit {
                    // The page runs past the tasks with the series. How many
                    // have it is known from this page unless it came back empty.
                    let with_series = if ids.is_empty() {
                        let mut b = SqlBuilder { binds: where_binds.clone() };
                        let missing = metric_missing_sql(&mut b, &wh, by.0, by.1, true);
                        let (n_all,): (i64,) =
                            Self::bind_all_as(sqlx::query_as(&count_sql), &where_binds).fetch_one(&self.pool).await?;
                        matching = Some(n_all);
                        let (n_missing,): (i64,) =
                            Self::bind_all_as(sqlx::query_as(&missing), &b.binds).fetch_one(&self.pool).await?;
                        n_all - n_missing
                    } else {
                        offset + ids.len() as i64
                    };
                    let mut b = SqlBuilder { binds: where_binds.clone() };
                    let rest = metric_missing_sql(&mut b, &wh, by.0, by.1, false);
                    let (l, o) = (b.int(limit - ids.len() as i64), b.int((offset - with_series).max(0)));
                    let rest = format!("{rest} LIMIT {l} OFFSET {o}");
                    ids.extend(
                        Self::bind_all_as(sqlx::query_as::<_, (String,)>(&rest), &b.binds)
                            .fetch_all(&self.pool)
                            .await?
                            .into_iter()
                            .map(|r| r.0),
                    );
                }
                let total = match (filter.count_total, matching) {
                    (false, _) => -1,
                    (true, Some(n)) => n,
                    (true, None) => {
                        let (n,): (i64,) =
                            Self::bind_all_as(sqlx::query_as(&count_sql), &where_binds).fetch_one(&self.pool).await?;
                        n
                    }
                };
                Ok((ids, total))
            }

            fn bind_all_as<'q, O>(
                mut q: sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments<'q>>,
                binds: &'q [$crate::server::store::sql::Bind],
            ) -> sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments<'q>> {
                use $crate::server::store::sql::Bind;
                for b in binds {
                    q = match b {
                        Bind::Text(v) => q.bind(v.as_deref()),
                        Bind::Int(v) => q.bind(*v),
                    };
                }
                q
            }
        }
    };
}

pub(super) use impl_sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_update_statements_number_every_column() {
        let n = TASK_WRITE_COLUMNS.len();
        let ins = insert_task_sql();
        assert!(ins.contains(&format!("${}", n + 3)));
        assert!(!ins.contains(&format!("${}", n + 4)));
        let upd = update_task_sql();
        assert!(upd.ends_with(&format!("WHERE id = ${} AND revision = ${}", n + 1, n + 2)));
        assert_eq!(task_binds(&Task::default()).len(), n);
    }
}
