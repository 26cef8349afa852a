//! Projects for the project tree.

use crate::model::ProjectSummary;
use leptos::prelude::*;

/// Every project with its task counts, ordered by full name.
#[server(prefix = "/rpc", endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, ServerFnError> {
    let st = super::state()?;
    st.store.project_summaries().await.map_err(super::to_client)
}
