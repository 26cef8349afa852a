//! Finding things by id, with the error a missing one gets, and creating a
//! project or queue by name under the name rules.

use crate::error::{AppError, AppResult, Noun};
use crate::model::project::check_project_name;
use crate::model::{check_name, Model, Project, Queue, Task};
use crate::server::state::AppState;

/// The task, or 400/101.
pub async fn task(state: &AppState, id: &str) -> AppResult<Task> {
    state.store.get_task(id).await?.ok_or_else(|| AppError::not_found(Noun::Task, id))
}

/// Refuses an id that names no task (400/101), without reading the task.
pub async fn require_task(state: &AppState, id: &str) -> AppResult<()> {
    if state.store.existing_task_ids(&[id.to_string()]).await?.is_empty() {
        return Err(AppError::not_found(Noun::Task, id));
    }
    Ok(())
}

/// Checks a `make_public` (`public`) or `make_private` request: every one
/// of `ids` must be found among `current` (id, public now) the other way
/// round, else 400/<noun's subcode> names it, as ClearML's server answers.
pub fn check_sharing(noun: Noun, ids: &[String], current: &[(String, bool)], public: bool) -> AppResult<()> {
    match ids.iter().find(|id| !current.iter().any(|(c, p)| c == *id && *p != public)) {
        Some(id) => Err(AppError::not_found(noun, id)),
        None => Ok(()),
    }
}

/// 403/21 for a change to a public task or project (models answer
/// 400/201 instead, as ClearML's server does).
pub fn read_only(what: &str, id: &str) -> AppError {
    AppError::NoWritePermission { message: format!("{what} {id} is public: make it private to change it") }
}

/// The project, or 400/401.
pub async fn project(state: &AppState, id: &str) -> AppResult<Project> {
    state.store.get_project(id).await?.ok_or_else(|| AppError::not_found(Noun::Project, id))
}

/// Refuses a project id that names no project; `None` is fine.
pub async fn require_project(state: &AppState, id: Option<&str>) -> AppResult<()> {
    match id {
        Some(id) => project(state, id).await.map(|_| ()),
        None => Ok(()),
    }
}

/// The project with this full name, created (with its parents) if missing.
pub async fn ensure_project(state: &AppState, name: &str) -> AppResult<Project> {
    let name = check_project_name(name)?;
    state.store.ensure_project(&name, "").await
}

/// The queue, or 400/701 (which the SDK relies on to fall back from id to name).
pub async fn queue(state: &AppState, id: &str) -> AppResult<Queue> {
    state.store.get_queue(id).await?.ok_or_else(|| AppError::not_found(Noun::Queue, id))
}

/// The queue with this name, created if missing.
pub async fn ensure_queue(state: &AppState, name: &str) -> AppResult<Queue> {
    check_name("queue", name).map_err(AppError::invalid)?;
    state.store.ensure_queue(name.trim(), &[]).await
}

/// The queue tasks go to when none is named, or 400/707.
pub async fn default_queue(state: &AppState) -> AppResult<Queue> {
    state.store.list_queues().await?.into_iter().find(Queue::is_default).ok_or(AppError::NoDefaultQueue)
}

/// The model, or 400/201 (which the SDK reads as "already deleted").
pub async fn model(state: &AppState, id: &str) -> AppResult<Model> {
    state.store.get_model(id).await?.ok_or_else(|| AppError::not_found(Noun::Model, id))
}
