//! Several tasks side by side: their details, metrics and scalars.

use super::tasks::TaskDetail;
use crate::model::SeriesData;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The fewest and most tasks a comparison shows.
pub const COMPARE_MIN: usize = 2;
/// See [`COMPARE_MIN`].
pub const COMPARE_MAX: usize = 100;

/// Every task of a comparison, in the order asked, with its scalars
/// (downsampled as on the task page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub tasks: Vec<TaskDetail>,
    /// Per task (same order), its scalar series.
    pub scalars: Vec<Vec<SeriesData>>,
}

/// Loads 2–100 tasks for the compare page.
#[server(prefix = "/rpc", endpoint = "compare_tasks", input = Json)]
pub async fn compare_tasks(ids: Vec<String>) -> Result<Comparison, ServerFnError> {
    let mut unique: Vec<String> = Vec::new();
    for id in ids.into_iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()) {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if !(COMPARE_MIN..=COMPARE_MAX).contains(&unique.len()) {
        return Err(ServerFnError::new(format!(
            "compare needs {COMPARE_MIN} to {COMPARE_MAX} different tasks; {} given",
            unique.len()
        )));
    }
    let st = super::state()?;
    let mut tasks = Vec::with_capacity(unique.len());
    let mut scalars = Vec::with_capacity(unique.len());
    for id in unique {
        tasks.push(super::tasks::get_task(id.clone()).await?);
        let series = st.store.scalar_series(&id).await.map_err(super::to_client)?;
        scalars.push(series.into_iter().map(|s| s.downsample(super::events::DEFAULT_BUCKETS)).collect());
    }
    Ok(Comparison { tasks, scalars })
}
