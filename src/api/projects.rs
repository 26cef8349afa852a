//! Projects for the project tree: list, create, rename, move, delete.

use crate::model::ProjectSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Every project with its task counts, ordered by full name.
#[server(prefix = "/rpc", endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, ServerFnError> {
    let st = super::state()?;
    st.store.project_summaries().await.map_err(super::to_client)
}

#[cfg(feature = "ssr")]
use super::call;

/// Creates a project from its full path (`main/sub`); answers its id.
#[server(prefix = "/rpc", endpoint = "create_project")]
pub async fn create_project(name: String) -> Result<String, ServerFnError> {
    let out = call("projects.create", serde_json::json!({"name": name})).await?;
    out["id"].as_str().map(str::to_string).ok_or_else(|| ServerFnError::new("the new project has no id"))
}

/// Renames a project in place: `basename` is its new last path segment.
#[server(prefix = "/rpc", endpoint = "rename_project")]
pub async fn rename_project(id: String, basename: String) -> Result<(), ServerFnError> {
    let basename = basename.trim();
    if basename.is_empty() || basename.contains('/') {
        return Err(ServerFnError::new("a project name must be non-empty and must not contain '/'"));
    }
    let st = super::state()?;
    let p = st
        .store
        .get_project(&id)
        .await
        .map_err(super::to_client)?
        .ok_or_else(|| ServerFnError::new("no such project"))?;
    let name = match p.name.rsplit_once('/') {
        Some((parent, _)) => format!("{parent}/{basename}"),
        None => basename.to_string(),
    };
    call("projects.update", serde_json::json!({"project": id, "name": name})).await.map(|_| ())
}

/// Moves a project under `new_location` (a full path; empty for the top level).
#[server(prefix = "/rpc", endpoint = "move_project")]
pub async fn move_project(id: String, new_location: String) -> Result<(), ServerFnError> {
    call("projects.move", serde_json::json!({"project": id, "new_location": new_location})).await.map(|_| ())
}

/// What happens to the tasks and models of a project being deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectContents {
    /// Refuse if there are any.
    Keep,
    /// Delete them with the project.
    Delete,
    /// Move them to the project with this full path.
    MoveTo(String),
}

/// Deletes a project and its sub-projects, doing `contents` with what they hold.
#[server(prefix = "/rpc", endpoint = "delete_project", input = Json)]
pub async fn delete_project(id: String, contents: ProjectContents) -> Result<(), ServerFnError> {
    let body = match contents {
        ProjectContents::Keep => serde_json::json!({"project": id}),
        ProjectContents::Delete => serde_json::json!({"project": id, "force": true, "delete_contents": true}),
        ProjectContents::MoveTo(path) if path.trim().is_empty() => {
            return Err(ServerFnError::new("say which project the tasks go to"))
        }
        ProjectContents::MoveTo(path) => serde_json::json!({"project": id, "force": true, "move_to": path}),
    };
    call("projects.delete", body).await.map(|_| ())
}
