//! Tasks for the experiments table, the task page, the edit forms and the
//! compare page.

use crate::error::AppError;
use crate::model::draft::{CloneForm, DraftForm, NewTaskForm};
use crate::model::model::ModelDetail;
use crate::model::table::{ActionReport, Column, TableQuery, Target, TaskTable};
use crate::model::task::{Comparison, TaskDetail, TaskModel};
use crate::model::{Hyperparam, TaskAction};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// A page of tasks for a table view.
#[server(prefix = "/rpc", endpoint = "list_tasks", input = Json)]
pub async fn list_tasks(query: TableQuery) -> Result<TaskTable, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::table::page(&st, &actor, &query).await)
}

/// The tags in use in a project and its sub-projects (or everywhere), most
/// used first: what the tag pickers suggest.
#[server(prefix = "/rpc", endpoint = "known_tags", input = Json)]
pub async fn known_tags(project: Option<String>) -> Result<Vec<String>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::table::known_tags(&st, &actor, project).await)
}

/// The hyperparameter and metric columns the column picker offers: those
/// seen in the most recently updated tasks of a project (or of all).
/// Separate from [`list_tasks`], so paging and sorting do not redo it.
#[server(prefix = "/rpc", endpoint = "table_columns")]
pub async fn table_columns(project: Option<String>) -> Result<Vec<Column>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::table::columns(&st, &actor, project.as_deref()).await)
}

/// One task, its project, its metric summaries and its downloads.
#[server(prefix = "/rpc", endpoint = "get_task")]
pub async fn get_task(id: String) -> Result<TaskDetail, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::tasks::detail(&st, &actor, &id).await)
}

/// The models linked to a task.
#[server(prefix = "/rpc", endpoint = "task_models")]
pub async fn task_models(id: String) -> Result<Vec<TaskModel>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::tasks::models_of(&st, &actor, &id).await)
}

/// One model with its project and creating task.
#[server(prefix = "/rpc", endpoint = "get_model")]
pub async fn get_model(id: String) -> Result<ModelDetail, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::models::detail(&st, &actor, &id).await)
}

/// Runs a lifecycle or bulk action on the target tasks; tasks it does not
/// apply to are reported as skipped, with why.
#[server(prefix = "/rpc", endpoint = "run_action", input = Json)]
pub async fn run_action(action: TaskAction, target: Target, argument: String) -> Result<ActionReport, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::table::run_action(&st, &actor, action, &target, &argument).await)
}

/// How many of the tasks a table view matches each bulk action applies to,
/// in [`crate::model::ALL_ACTIONS`] order.
#[server(prefix = "/rpc", endpoint = "count_actions", input = Json)]
pub async fn count_actions(query: TableQuery) -> Result<Vec<usize>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::table::action_counts(&st, &actor, &query).await)
}

/// Clones a task as a new draft; answers the new task's id.
#[server(prefix = "/rpc", endpoint = "clone_task", input = Json)]
pub async fn clone_task(id: String, form: CloneForm) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    let spec = crate::server::ops::tasks::CloneSpec::from(&form);
    super::answer(crate::server::ops::tasks::clone(&st, &actor, &id, &spec).await.map(|(id, _)| id))
}

/// Saves a draft's form if the task is still a draft at `revision`;
/// answers the new revision ([`AppError::Stale`] if someone saved first,
/// [`AppError::InvalidFields`] with nothing saved).
#[server(prefix = "/rpc", endpoint = "save_draft", input = Json)]
pub async fn save_draft(id: String, revision: i64, form: DraftForm) -> Result<i64, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::task_fields::save_draft(&st, &actor, &id, revision, &form).await)
}

/// Saves the user properties of any unpublished task at `revision`;
/// answers the new revision.
#[server(prefix = "/rpc", endpoint = "save_properties", input = Json)]
pub async fn save_properties(id: String, revision: i64, properties: Vec<Hyperparam>) -> Result<i64, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::task_fields::save_properties(&st, &actor, &id, revision, &properties).await)
}

/// Saves the name, comment and tags of any unpublished task at `revision`;
/// answers the new revision.
#[server(prefix = "/rpc", endpoint = "save_labels", input = Json)]
pub async fn save_labels(
    id: String,
    revision: i64,
    name: String,
    comment: String,
    tags: Vec<String>,
) -> Result<i64, AppError> {
    let (st, actor) = super::context()?;
    super::answer(
        crate::server::ops::task_fields::save_labels(&st, &actor, &id, revision, &name, &comment, &tags).await,
    )
}

/// Creates a draft task from the new-task form; answers its id.
#[server(prefix = "/rpc", endpoint = "create_task", input = Json)]
pub async fn create_task(form: NewTaskForm) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::task_fields::create_from_form(&st, &actor, &form).await)
}

/// Loads 2–100 tasks for the compare page, their scalars downsampled as on
/// the task page.
#[server(prefix = "/rpc", endpoint = "compare_tasks", input = Json)]
pub async fn compare_tasks(ids: Vec<String>) -> Result<Comparison, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::tasks::compare(&st, &actor, &ids, super::events::DEFAULT_BUCKETS).await)
}
