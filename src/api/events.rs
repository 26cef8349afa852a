//! Console output and scalars of a task.

use crate::model::{LogEntry, SeriesData};
use leptos::prelude::*;

/// The most console entries one page shows.
pub const CONSOLE_PAGE: i64 = 5_000;

/// The first console entries of a task, oldest first.
#[server(prefix = "/rpc", endpoint = "task_console")]
pub async fn task_console(task: String) -> Result<Vec<LogEntry>, ServerFnError> {
    use crate::server::store::LogCursor;
    let st = super::state()?;
    let rows = st.store.task_log(&task, LogCursor::After(None), CONSOLE_PAGE).await.map_err(super::to_client)?;
    Ok(rows.into_iter().map(|(_, e)| e).collect())
}

/// Every scalar series of a task.
#[server(prefix = "/rpc", endpoint = "task_scalars")]
pub async fn task_scalars(task: String) -> Result<Vec<SeriesData>, ServerFnError> {
    let st = super::state()?;
    st.store.scalar_series(&task).await.map_err(super::to_client)
}
