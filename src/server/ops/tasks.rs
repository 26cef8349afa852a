//! Tasks: create, read, edit, and move through their statuses.
//!
//! Every write is read-modify-write guarded by the task's revision
//! ([`modify`]): a concurrent writer causes a retry, never a lost change.
//! The state machine and the edit rules are `model::status`'s; this module
//! applies them and says what each use case changes. What tasks carry
//! besides their core fields (hyperparameters one by one, artifacts, model
//! links) and the web UI's forms are in [`super::task_fields`]; changes to
//! many tasks at once in [`super::table`].

use super::lookup;
use super::Actor;
use crate::error::{AppError, AppResult};
use crate::model::task::{
    Comparison, Configuration, Hyperparams, LinkKind, ModelLink, TaskDetail, TaskModel, TaskPatch, COMPARE_MAX,
    COMPARE_MIN,
};
use crate::model::{Container, Project, Task, TaskStatus, TaskType, DEVELOPMENT};
use crate::server::clock::{iso, new_id, now_ms};
use crate::server::files::media_url;
use crate::server::state::AppState;
use crate::server::store::{QueueChange, TaskFilter};
use serde_json::{Map, Value};

/// How often a write is retried when another writer keeps getting there first.
const WRITE_ATTEMPTS: usize = 8;

/// Reads, changes and writes a task, retrying when another writer got
/// there first, and changes its queue entry in the same transaction.
/// Answers what `change` answered and the task as written.
pub(super) async fn modify_with_queue<T>(
    state: &AppState,
    actor: &Actor,
    id: &str,
    mut change: impl FnMut(&mut Task) -> AppResult<(T, QueueChange)>,
) -> AppResult<(T, Task)> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut task = lookup::task(state, id).await?;
        if task.public {
            return Err(lookup::read_only("task", id));
        }
        let was_in = task.execution_queue.clone();
        let (out, queue) = change(&mut task)?;
        let now = now_ms();
        task.last_update = now;
        task.last_change = now;
        task.last_changed_by = actor.user.clone();
        let changed: Vec<String> = match &queue {
            QueueChange::Keep => Vec::new(),
            QueueChange::Enqueue(to) => was_in.into_iter().filter(|q| q != to).chain([to.clone()]).collect(),
            QueueChange::Remove => was_in.into_iter().collect(),
        };
        if state.store.update_task_queue(&task, queue).await? {
            task.revision += 1;
            let changed: Vec<&str> = changed.iter().map(String::as_str).collect();
            super::queues::record(state, &changed).await;
            return Ok((out, task));
        }
    }
    Err(AppError::Contended)
}

/// Like [`modify_with_queue`], leaving the queue entry alone.
pub(super) async fn modify<T>(
    state: &AppState,
    actor: &Actor,
    id: &str,
    mut change: impl FnMut(&mut Task) -> AppResult<T>,
) -> AppResult<(T, Task)> {
    modify_with_queue(state, actor, id, |t| change(t).map(|v| (v, QueueChange::Keep))).await
}

/// Changes a task only if it is still at revision `expected` (a form saved
/// from an older read is refused with [`AppError::Stale`], never merged).
/// Answers the new revision.
pub(super) async fn modify_at(
    state: &AppState,
    actor: &Actor,
    id: &str,
    expected: i64,
    change: impl FnOnce(&mut Task) -> AppResult<()>,
) -> AppResult<i64> {
    let mut task = lookup::task(state, id).await?;
    if task.public {
        return Err(lookup::read_only("task", id));
    }
    if task.revision != expected {
        return Err(AppError::Stale { current: task.revision });
    }
    change(&mut task)?;
    let now = now_ms();
    task.last_update = now;
    task.last_change = now;
    task.last_changed_by = actor.user.clone();
    if state.store.update_task(&task).await? {
        Ok(expected + 1)
    } else {
        let current = state.store.get_task(id).await?.map_or(expected, |t| t.revision);
        Err(AppError::Stale { current })
    }
}

/// One task.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Task> {
    lookup::task(state, id).await
}

/// A page of tasks, and how many match (when the filter asks to count).
pub async fn query(state: &AppState, _actor: &Actor, filter: &TaskFilter) -> AppResult<(Vec<Task>, i64)> {
    state.store.query_tasks(filter).await
}

/// `tasks.create`: a new draft owned by the actor; a training task unless
/// the patch says otherwise. The name is required; a project must exist.
pub async fn create(state: &AppState, actor: &Actor, patch: &TaskPatch) -> AppResult<String> {
    if patch.name.is_none() {
        return Err(AppError::missing("name"));
    }
    patch.check()?;
    lookup::require_project(state, patch.project.as_deref()).await?;
    let now = now_ms();
    let mut t = Task {
        id: new_id(),
        status: TaskStatus::Created,
        task_type: TaskType::Training,
        status_changed: now,
        user: actor.user.clone(),
        created: now,
        last_update: now,
        last_change: now,
        revision: 1,
        ..Task::default()
    };
    patch.apply(&mut t);
    state.store.insert_task(&t).await?;
    Ok(t.id)
}

/// `tasks.make_public` (`public`) / `make_private`: answers how many changed.
pub async fn set_public(state: &AppState, _actor: &Actor, ids: &[String], public: bool) -> AppResult<u64> {
    let f = TaskFilter { ids: ids.to_vec(), page_size: i64::MAX, ..TaskFilter::default() };
    let current: Vec<(String, bool)> =
        state.store.query_tasks(&f).await?.0.into_iter().map(|t| (t.id, t.public)).collect();
    lookup::check_sharing(crate::error::Noun::Task, ids, &current, public)?;
    state.store.set_tasks_public(ids, public).await
}

/// The steps of the pipelines among `ids` (a controller's steps are the
/// tasks whose parent it is), not already among `ids`.
pub async fn pipeline_steps(state: &AppState, _actor: &Actor, ids: &[String]) -> AppResult<Vec<String>> {
    let f = TaskFilter {
        ids: ids.to_vec(),
        types: vec![TaskType::Controller],
        page_size: i64::MAX,
        ..TaskFilter::default()
    };
    let controllers: Vec<String> = state.store.query_tasks(&f).await?.0.into_iter().map(|t| t.id).collect();
    if controllers.is_empty() {
        return Ok(Vec::new());
    }
    let f = TaskFilter { parents: controllers, page_size: i64::MAX, ..TaskFilter::default() };
    Ok(state.store.query_tasks(&f).await?.0.into_iter().map(|t| t.id).filter(|id| !ids.contains(id)).collect())
}

/// `tasks.validate`: whether `patch` would make a valid task, without
/// making one: its fields, its project, its parent (a deleted one, named
/// `__DELETED__<id>`, is accepted) and its input models must exist.
pub async fn validate(state: &AppState, _actor: &Actor, patch: &TaskPatch) -> AppResult<()> {
    patch.check()?;
    lookup::require_project(state, patch.project.as_deref()).await?;
    if let Some(Some(parent)) = &patch.parent {
        if !parent.starts_with(super::models::DELETED_PREFIX) {
            lookup::require_task(state, parent).await?;
        }
    }
    for link in patch.input_models.iter().flatten() {
        lookup::model(state, &link.model).await?;
    }
    Ok(())
}

/// `tasks.edit`: only drafts, unless `force`. A patch with any invalid
/// field changes nothing.
pub async fn edit(state: &AppState, actor: &Actor, id: &str, patch: &TaskPatch, force: bool) -> AppResult<Task> {
    patch.check()?;
    lookup::require_project(state, patch.project.as_deref()).await?;
    let ((), task) = modify(state, actor, id, |t| {
        t.status.check_edit(crate::model::TaskPart::Inputs, force)?;
        let before = t.status;
        patch.apply(t);
        if t.status != before {
            t.status_changed = now_ms();
        }
        Ok(())
    })
    .await?;
    Ok(task)
}

/// A status change a client reports (`tasks.started`, `completed`,
/// `failed`, `stopped`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub to: TaskStatus,
    /// Skip the state machine's check.
    pub force: bool,
    pub reason: String,
    pub message: String,
    /// With `to` completed: publish at once.
    pub publish: bool,
}

impl StatusChange {
    /// A change to `to`, unforced, without reason or message.
    pub fn to(to: TaskStatus) -> StatusChange {
        StatusChange { to, force: false, reason: String::new(), message: String::new(), publish: false }
    }
}

/// Moves a task to a new status, checking the transition unless forced.
/// A task that starts running records the actor's worker. Answers the task
/// as written.
pub async fn set_status(state: &AppState, actor: &Actor, id: &str, change: &StatusChange) -> AppResult<Task> {
    let to = change.to;
    let publish = to == TaskStatus::Completed && change.publish;
    let ((), task) = modify(state, actor, id, |t| {
        let from = t.status;
        if !change.force && !from.can_become(to) {
            return Err(AppError::InvalidStatus {
                message: format!("cannot change status from {from} to {to}"),
                status: from.as_str().into(),
                change: Some((t.id.clone(), to.as_str().into())),
            });
        }
        let now = now_ms();
        t.status = if publish { TaskStatus::Published } else { to };
        t.status_changed = now;
        t.status_reason.clone_from(&change.reason);
        t.status_message.clone_from(&change.message);
        match to {
            TaskStatus::InProgress => {
                if t.started.is_none() || from != TaskStatus::InProgress {
                    t.started = Some(t.started.filter(|_| from == TaskStatus::InProgress).unwrap_or(now));
                }
                t.completed = None;
                if let Some(w) = &actor.worker {
                    t.last_worker = Some(w.clone());
                    t.last_worker_report = Some(now);
                }
            }
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Stopped => t.completed = Some(now),
            _ => {}
        }
        if publish {
            t.published = Some(now);
        }
        Ok(())
    })
    .await?;
    Ok(task)
}

/// Which queue a task is enqueued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRef {
    /// A queue by id (400/701 if there is none).
    Id(String),
    /// A queue by name, created if missing.
    Name(String),
    /// The default queue (400/707 if there is none).
    Default,
}

/// Resolves a [`QueueRef`].
pub(super) async fn resolve_queue(state: &AppState, queue: &QueueRef) -> AppResult<crate::model::Queue> {
    match queue {
        QueueRef::Id(id) => lookup::queue(state, id).await,
        QueueRef::Name(name) => lookup::ensure_queue(state, name).await,
        QueueRef::Default => lookup::default_queue(state).await,
    }
}

/// `tasks.enqueue`: puts the task at the end of the queue (leaving any
/// other it waited in) and makes it pending. Answers the queue's id.
pub async fn enqueue(
    state: &AppState,
    actor: &Actor,
    id: &str,
    queue: &QueueRef,
    force: bool,
    reason: &str,
    message: &str,
) -> AppResult<String> {
    let queue_id = resolve_queue(state, queue).await?.id;
    modify_with_queue(state, actor, id, |t| {
        t.status
            .check_transition(TaskStatus::Queued, force, || format!("cannot enqueue a task that is {}", t.status))?;
        if t.status != TaskStatus::Queued {
            t.enqueue_status = Some(t.status);
        }
        t.status = TaskStatus::Queued;
        t.status_changed = now_ms();
        t.status_reason = reason.to_string();
        t.status_message = message.to_string();
        t.execution_queue = Some(queue_id.clone());
        // A task run remotely is no longer the developer's local run (the
        // SDK's `execute_remotely` relies on this, as on ClearML's server).
        t.system_tags.retain(|tag| tag != DEVELOPMENT);
        Ok(((), QueueChange::Enqueue(queue_id.clone())))
    })
    .await?;
    Ok(queue_id)
}

/// `tasks.dequeue`: a waiting task goes back to the status it had before it
/// was enqueued (or `new_status`, as an agent sends for a task it started).
/// Answers the new status.
pub async fn dequeue(
    state: &AppState,
    actor: &Actor,
    id: &str,
    new_status: Option<TaskStatus>,
) -> AppResult<TaskStatus> {
    let (status, _) = modify_with_queue(state, actor, id, |t| {
        match (t.status, new_status) {
            (TaskStatus::Queued, _) => {
                t.status = new_status.or(t.enqueue_status).unwrap_or(TaskStatus::Created);
                t.status_changed = now_ms();
                t.status_reason = "dequeued".into();
            }
            (_, Some(st)) => {
                if t.status != st {
                    t.status = st;
                    t.status_changed = now_ms();
                }
            }
            (st, None) => {
                return Err(AppError::invalid_status(format!("cannot dequeue a task that is {st}"), st.as_str()))
            }
        }
        t.enqueue_status = None;
        t.execution_queue = None;
        Ok((t.status, QueueChange::Remove))
    })
    .await?;
    Ok(status)
}

/// Sends a waiting task back to the status it had before it was enqueued;
/// a task taken by a worker or dequeued meanwhile is left alone.
pub(super) async fn dequeue_if_waiting(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    match dequeue(state, actor, id, None).await {
        Ok(_) | Err(AppError::InvalidStatus { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes a task out of whatever queue holds it and changes nothing else
/// (`queues.remove_task` without `update_task_status`: the task stays
/// `queued`, as on ClearML's server).
pub(super) async fn unqueue(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    modify_with_queue(state, actor, id, |_| Ok(((), QueueChange::Remove))).await.map(|_| ())
}

/// Where a clone goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CloneProject {
    /// The source's project.
    #[default]
    Same,
    /// A project by id (400/401 if there is none).
    Id(String),
    /// A project by full name, created if missing.
    Name(String),
}

/// What a clone changes from its source (`tasks.clone`'s `new_task_*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CloneSpec {
    /// Empty or absent: "Clone Of <source name>", as ClearML's web app names it.
    pub name: Option<String>,
    pub comment: Option<String>,
    pub project: CloneProject,
    /// Absent: the source's parent, or else the source itself.
    pub parent: Option<String>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    pub hyperparams: Option<Hyperparams>,
    pub configuration: Option<Configuration>,
    pub container: Option<Container>,
    pub input_models: Option<Vec<ModelLink>>,
    /// `execution` fields to set on the clone: `artifacts` (only input ones
    /// are kept), `model` (the input model, pre-2.13), `queue` (ignored:
    /// a clone is a draft) and any other, kept as given.
    pub execution_overrides: Map<String, Value>,
    /// Check that the clone's project, parent and input models exist
    /// (input models given or overridden are checked anyway).
    pub validate_references: bool,
}

impl From<&crate::model::draft::CloneForm> for CloneSpec {
    /// The clone dialog's fields; blank ones keep the source's.
    fn from(form: &crate::model::draft::CloneForm) -> CloneSpec {
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        CloneSpec {
            name: given(&form.name),
            comment: Some(form.comment.clone()),
            project: given(&form.project).map_or(CloneProject::Same, CloneProject::Name),
            parent: given(&form.parent),
            ..CloneSpec::default()
        }
    }
}

/// The artifacts a clone or a reset keeps: the task's inputs.
fn input_artifacts(artifacts: &[Value]) -> Vec<Value> {
    artifacts.iter().filter(|a| a.get("mode").and_then(Value::as_str) == Some("input")).cloned().collect()
}

/// The model link a pre-2.13 `execution.model` (or `output.model`) names:
/// one link called `name`, or none when it is empty.
pub fn legacy_model_link(v: &Value, name: &str) -> AppResult<Vec<ModelLink>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(id) if id.is_empty() => Ok(Vec::new()),
        Value::String(id) => {
            Ok(vec![ModelLink { name: name.to_string(), model: id.clone(), updated: Some(iso(now_ms())) }])
        }
        _ => Err(AppError::invalid("execution.model must be a model id")),
    }
}

/// `tasks.clone`: a new draft with the source's inputs (clearml-api.md
/// §5.2). Answers its id and the project created for it, if any.
pub async fn clone(
    state: &AppState,
    actor: &Actor,
    source: &str,
    spec: &CloneSpec,
) -> AppResult<(String, Option<Project>)> {
    let src = lookup::task(state, source).await?;
    let name = match spec.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => {
            crate::model::check_name("task", n).map_err(AppError::invalid)?;
            n.to_string()
        }
        None => format!("Clone Of {}", src.name),
    };
    if let Some(parent) = &spec.parent {
        lookup::require_task(state, parent).await?;
    }
    let (project, created) = match &spec.project {
        CloneProject::Same => (src.project.clone(), None),
        CloneProject::Id(id) => (Some(lookup::project(state, id).await?.id), None),
        CloneProject::Name(name) => {
            let p = lookup::ensure_project(state, name).await?;
            (Some(p.id.clone()), Some(p))
        }
    };
    let now = now_ms();
    let mut t = Task {
        id: new_id(),
        name,
        project,
        task_type: src.task_type,
        status: TaskStatus::Created,
        status_changed: now,
        comment: spec.comment.clone().unwrap_or_else(|| src.comment.clone()),
        parent: Some(spec.parent.clone().or_else(|| src.parent.clone()).unwrap_or_else(|| src.id.clone())),
        user: actor.user.clone(),
        tags: spec.tags.clone().unwrap_or_else(|| src.tags.clone()),
        system_tags: spec.system_tags.clone().unwrap_or_else(|| {
            src.system_tags.iter().filter(|t| *t != DEVELOPMENT && *t != crate::model::ARCHIVED).cloned().collect()
        }),
        created: now,
        last_update: now,
        last_change: now,
        script: src.script.clone(),
        container: spec.container.clone().unwrap_or_else(|| src.container.clone()),
        output_destination: src.output_destination.clone(),
        execution_extra: src.execution_extra.clone(),
        hyperparams: spec.hyperparams.clone().unwrap_or_else(|| src.hyperparams.clone()),
        configuration: spec.configuration.clone().unwrap_or_else(|| src.configuration.clone()),
        artifacts: input_artifacts(&src.artifacts),
        revision: 1,
        ..Task::default()
    };
    t.models.input = spec.input_models.clone().unwrap_or_else(|| src.models.input.clone());
    let mut models_given = spec.input_models.is_some();
    for (k, v) in &spec.execution_overrides {
        match k.as_str() {
            "artifacts" => t.artifacts = input_artifacts(v.as_array().map(Vec::as_slice).unwrap_or_default()),
            "queue" => {}
            "model" if spec.input_models.is_none() => {
                t.models.input = legacy_model_link(v, "Input Model")?;
                models_given = true;
            }
            _ => {
                t.execution_extra.insert(k.clone(), v.clone());
            }
        }
    }
    if spec.validate_references || models_given {
        for link in &t.models.input {
            lookup::model(state, &link.model).await?;
        }
    }
    if spec.validate_references {
        lookup::require_project(state, t.project.as_deref()).await?;
        if let Some(parent) = t.parent.as_deref().filter(|p| !p.starts_with(super::models::DELETED_PREFIX)) {
            lookup::require_task(state, parent).await?;
        }
    }
    state.store.insert_task(&t).await?;
    Ok((t.id, created))
}

/// `tasks.reset`: back to draft without outputs or events (clearml-api.md
/// §11.16); `clear_all` also drops the script and execution settings. A
/// published task only with `force`. Answers whether it was waiting in a queue.
pub async fn reset(
    state: &AppState,
    actor: &Actor,
    id: &str,
    force: bool,
    clear_all: bool,
    delete_output_models: bool,
) -> AppResult<Cleared> {
    let t = lookup::task(state, id).await?;
    if t.public {
        return Err(lookup::read_only("task", id));
    }
    t.status.check_transition(TaskStatus::Created, force, || format!("a {} task cannot be reset", t.status))?;
    let cleanup = super::models::clean_task(state, actor, &t, force, false, delete_output_models).await?;
    state.store.clear_task_events(id).await?;
    let (was_queued, _) = modify_with_queue(state, actor, id, |t| {
        let was_queued = t.status == TaskStatus::Queued;
        t.status = TaskStatus::Created;
        t.status_changed = now_ms();
        t.status_reason = "reset".into();
        t.status_message = "reset".into();
        t.started = None;
        t.completed = None;
        t.published = None;
        t.runtime = Map::new();
        t.models.output.clear();
        t.output_extra.remove("result");
        t.output_extra.remove("error");
        t.artifacts = input_artifacts(&t.artifacts);
        t.last_worker = None;
        t.last_worker_report = None;
        t.execution_queue = None;
        t.enqueue_status = None;
        if clear_all {
            t.execution_extra = Map::new();
            t.script = Default::default();
        }
        Ok((was_queued, QueueChange::Remove))
    })
    .await?;
    Ok(Cleared { was_queued, cleanup })
}

/// What a reset or a deletion took with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cleared {
    /// The task was waiting in a queue.
    pub was_queued: bool,
    /// What happened to its models and children.
    pub cleanup: super::models::Cleanup,
}

/// `tasks.publish`: read-only from now on.
pub async fn publish(state: &AppState, actor: &Actor, id: &str, force: bool, publish_models: bool) -> AppResult<()> {
    let ((), t) = modify(state, actor, id, |t| {
        t.status
            .check_transition(TaskStatus::Published, force, || format!("cannot publish a task that is {}", t.status))?;
        let now = now_ms();
        t.status = TaskStatus::Published;
        t.status_changed = now;
        t.published = Some(now);
        Ok(())
    })
    .await?;
    if publish_models {
        // Its output models are published with it, as on ClearML's server.
        for link in &t.models.output {
            if let Some(mut m) = state.store.get_model(&link.model).await? {
                if !m.ready {
                    m.ready = true;
                    m.last_update = now_ms();
                    state.store.update_model(&m).await?;
                }
            }
        }
    }
    Ok(())
}

/// Raises a task's `last_iteration` to `iteration` if that is further (a
/// model reported at an iteration, as ClearML's server does).
pub async fn reach_iteration(state: &AppState, actor: &Actor, id: &str, iteration: i64) -> AppResult<()> {
    modify(state, actor, id, |t| {
        t.last_iteration = t.last_iteration.max(iteration);
        Ok(())
    })
    .await
    .map(|_| ())
}

/// What a stop request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// A live worker runs the task: it is asked to stop it (status message
    /// "stopping"), and reports `tasks.stopped` itself.
    Stopping,
    /// The task is stopped (aborted) now.
    Stopped,
}

/// `tasks.stop`: a task a live worker runs keeps running with the status
/// message "stopping" until its worker stops it (clearml-api.md §6.4); any
/// other stops at once, leaving its queue.
pub async fn stop(
    state: &AppState,
    actor: &Actor,
    id: &str,
    force: bool,
    reason: &str,
    message: &str,
) -> AppResult<StopOutcome> {
    let timeout = state.worker_timeout_ms();
    let (outcome, _) = modify_with_queue(state, actor, id, |t| {
        let now = now_ms();
        let live_worker = t.status == TaskStatus::InProgress
            && !t.system_tags.iter().any(|s| s == DEVELOPMENT)
            && t.last_worker.is_some()
            && t.last_worker_report.is_some_and(|r| crate::model::worker::reported_within(r, now, timeout));
        if live_worker && !force {
            t.status_message = "stopping".into();
            t.status_reason = reason.to_string();
            return Ok((StopOutcome::Stopping, QueueChange::Keep));
        }
        t.status.check_transition(TaskStatus::Stopped, force, || format!("cannot stop a task that is {}", t.status))?;
        let queue = if t.status == TaskStatus::Queued { QueueChange::Remove } else { QueueChange::Keep };
        t.status = TaskStatus::Stopped;
        t.status_changed = now;
        t.status_reason = reason.to_string();
        t.status_message = message.to_string();
        t.completed = Some(now);
        t.execution_queue = None;
        Ok((StopOutcome::Stopped, queue))
    })
    .await?;
    Ok(outcome)
}

/// `tasks.delete`: with its events and queue entry; a task that is neither
/// a draft nor archived only with `force` (400/123).
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    id: &str,
    force: bool,
    delete_output_models: bool,
) -> AppResult<Cleared> {
    let t = lookup::task(state, id).await?;
    if t.public {
        return Err(lookup::read_only("task", id));
    }
    if !t.status.can_delete(force, t.is_archived()) {
        return Err(AppError::TaskCannotBeDeleted {
            id: t.id,
            reason: format!("is {} and not archived: archive it first, or pass force", t.status),
        });
    }
    let cleanup = super::models::clean_task(state, actor, &t, force, true, delete_output_models).await?;
    state.store.delete_task(id).await?;
    Ok(Cleared { was_queued: t.status == TaskStatus::Queued, cleanup })
}

/// `tasks.set_requirements`: the installed packages (a run's output: any
/// status but published).
pub async fn set_requirements(
    state: &AppState,
    actor: &Actor,
    id: &str,
    requirements: &Map<String, Value>,
) -> AppResult<()> {
    modify(state, actor, id, |t| {
        t.script.requirements = requirements.clone();
        Ok(())
    })
    .await
    .map(|_| ())
}

/// `tasks.ping`: a sign of life from whoever runs the task.
pub async fn ping(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    modify(state, actor, id, |t| {
        if let Some(w) = &actor.worker {
            t.last_worker = Some(w.clone());
        }
        t.last_worker_report = Some(now_ms());
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Everything the task page shows besides events: the task, its project,
/// its metric summaries, and where the browser downloads its artifacts.
pub async fn detail(state: &AppState, actor: &Actor, id: &str) -> AppResult<TaskDetail> {
    let task = get(state, actor, id).await?;
    let project = match task.project.as_deref() {
        Some(p) => state.store.get_project(p).await?,
        None => None,
    };
    let metrics = state.store.metric_summaries(id).await?;
    let downloads = task
        .artifacts
        .iter()
        .filter_map(|a| a.get("uri").and_then(Value::as_str))
        .filter(|u| !u.is_empty())
        .map(|u| (u.to_string(), media_url(state, u)))
        .collect();
    let people = super::users::display_names(state, &[&task.user, &task.last_changed_by]).await?;
    let parent_name = match task.parent.as_deref() {
        Some(p) => state.store.get_task(p).await?.map(|t| t.name),
        None => None,
    };
    let kids = TaskFilter {
        parents: vec![task.id.clone()],
        order: vec![(crate::server::store::TaskOrder::Created, true)],
        page_size: crate::model::task::CHILDREN_SHOWN as i64,
        ..TaskFilter::default()
    };
    let children = state.store.query_tasks(&kids).await?.0.into_iter().map(|t| (t.id, t.name, t.status)).collect();
    Ok(TaskDetail { task, project, metrics, downloads, people, parent_name, children })
}

/// The models linked to a task, resolved (a deleted one shows as `None`).
pub async fn models_of(state: &AppState, actor: &Actor, id: &str) -> AppResult<Vec<TaskModel>> {
    let task = get(state, actor, id).await?;
    let mut out = Vec::new();
    for (kind, links) in [(LinkKind::Input, &task.models.input), (LinkKind::Output, &task.models.output)] {
        for l in links {
            let model = state.store.get_model(&l.model).await?;
            let download = model.as_ref().filter(|m| !m.uri.is_empty()).map(|m| media_url(state, &m.uri));
            out.push(TaskModel { kind, name: l.name.clone(), model, model_id: l.model.clone(), download });
        }
    }
    Ok(out)
}

/// Tasks side by side: 2 to 100 different ones, in the order asked, each
/// with its scalars reduced to `buckets` min/max buckets per series.
pub async fn compare(state: &AppState, actor: &Actor, ids: &[String], buckets: usize) -> AppResult<Comparison> {
    let unique = compare_ids(ids)?;
    let mut out = Comparison { tasks: Vec::with_capacity(unique.len()), scalars: Vec::with_capacity(unique.len()) };
    for id in &unique {
        out.tasks.push(detail(state, actor, id).await?);
        let series = state.store.scalar_series(id).await?;
        out.scalars.push(series.into_iter().map(|s| s.downsample(buckets)).collect());
    }
    Ok(out)
}

/// The tasks a comparison is of: `ids` trimmed, without blanks and
/// repeats, in the order given; refused unless there are
/// [`COMPARE_MIN`] to [`COMPARE_MAX`] of them.
pub fn compare_ids(ids: &[String]) -> AppResult<Vec<String>> {
    let mut unique: Vec<String> = Vec::new();
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !unique.iter().any(|u| u == id) {
            unique.push(id.to_string());
        }
    }
    if !(COMPARE_MIN..=COMPARE_MAX).contains(&unique.len()) {
        return Err(AppError::invalid(format!(
            "compare needs {COMPARE_MIN} to {COMPARE_MAX} different tasks; {} given",
            unique.len()
        )));
    }
    Ok(unique)
}
