//! Projects for the project tree: list, create, rename, move, delete.

use crate::error::AppError;
use crate::model::project::{ProjectContents, ProjectOverview};
use crate::model::ProjectSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Every project with its task counts, ordered by full name.
#[server(prefix = "/rpc", endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::summaries(&st, &actor).await)
}

/// The overview of a project (with its sub-projects when `subprojects`),
/// its snapshot showing `metric` (metric, variant) or the first reported.
#[server(prefix = "/rpc", endpoint = "project_overview", input = Json, output = Json)]
pub async fn get_overview(
    id: String,
    subprojects: bool,
    metric: Option<(String, String)>,
) -> Result<ProjectOverview, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::overview(&st, &actor, &id, subprojects, metric).await)
}

/// Creates a project from its full path (`main/sub`); answers its id.
#[server(prefix = "/rpc", endpoint = "create_project")]
pub async fn create_project(name: String) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::create(&st, &actor, &name, &Default::default()).await.map(|p| p.id))
}

/// Renames a project in place: `basename` is its new last path segment.
#[server(prefix = "/rpc", endpoint = "rename_project")]
pub async fn rename_project(id: String, basename: String) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::rename_basename(&st, &actor, &id, &basename).await.map(|_| ()))
}

/// Moves a project under `new_location` (a full path; empty for the top level).
#[server(prefix = "/rpc", endpoint = "move_project")]
pub async fn move_project(id: String, new_location: String) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::move_under(&st, &actor, &id, &new_location).await.map(|_| ()))
}

/// Deletes a project and its sub-projects, doing `contents` with what they hold.
#[server(prefix = "/rpc", endpoint = "delete_project", input = Json)]
pub async fn delete_project(id: String, contents: ProjectContents) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::projects::delete(&st, &actor, &id, &contents).await.map(|_| ()))
}
