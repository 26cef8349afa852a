//! Console output, scalars, plots and debug samples of a task.

use crate::error::AppError;
use crate::model::event::{ConsoleTail, PlotData, SampleData};
use crate::model::SeriesData;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The most console entries one page shows; the rest is in the download.
pub const CONSOLE_PAGE: i64 = 5_000;

/// Buckets per chart when the browser does not say: about two points per
/// pixel of a laptop-width chart.
pub const DEFAULT_BUCKETS: usize = 1_000;

/// The fewest and most buckets a chart may ask for.
pub const BUCKETS_RANGE: (usize, usize) = (10, 20_000);

/// The most plots one page shows.
pub const PLOTS_PAGE: i64 = 500;

/// The most debug samples one page shows.
pub const SAMPLES_PAGE: i64 = 2_000;

/// The tail of a task's console (at most [`CONSOLE_PAGE`] entries, oldest
/// first) and how many entries it has in all.
#[server(prefix = "/rpc", endpoint = "task_console")]
pub async fn task_console(task: String) -> Result<ConsoleTail, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::console_tail(&st, &actor, &task, CONSOLE_PAGE).await)
}

/// The console entries of a task stored after entry `after` (at most
/// [`CONSOLE_PAGE`]): a running task's live tail.
#[server(prefix = "/rpc", endpoint = "task_console_after")]
pub async fn task_console_after(task: String, after: i64) -> Result<ConsoleTail, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::console_after(&st, &actor, &task, after, CONSOLE_PAGE).await)
}

/// Every scalar series of a task, reduced on the server to `buckets` min/max
/// buckets, optionally only iterations `from..=to`.
#[server(prefix = "/rpc", endpoint = "task_scalars", input = Json)]
pub async fn task_scalars(
    task: String,
    buckets: Option<usize>,
    range: Option<(i64, i64)>,
) -> Result<Vec<SeriesData>, AppError> {
    let (st, actor) = super::context()?;
    let buckets = buckets.unwrap_or(DEFAULT_BUCKETS).clamp(BUCKETS_RANGE.0, BUCKETS_RANGE.1);
    super::answer(crate::server::ops::events::chart_series(&st, &actor, &task, buckets, range).await)
}

/// The plots of a task, newest first.
#[server(prefix = "/rpc", endpoint = "task_plots")]
pub async fn task_plots(task: String) -> Result<Vec<PlotData>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::plots(&st, &actor, &task, PLOTS_PAGE).await)
}

/// The debug samples of a task, by metric, variant and iteration.
#[server(prefix = "/rpc", endpoint = "task_samples")]
pub async fn task_samples(task: String) -> Result<Vec<SampleData>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::samples(&st, &actor, &task, SAMPLES_PAGE).await)
}

/// The plots of 2–100 compared tasks: per task (in the order asked) the
/// newest figure of each metric and variant.
#[server(prefix = "/rpc", endpoint = "compare_plots", input = Json)]
pub async fn compare_plots(ids: Vec<String>) -> Result<Vec<Vec<PlotData>>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::compare_plots(&st, &actor, &ids, PLOTS_PAGE).await)
}

/// The debug samples of 2–100 compared tasks, per task in the order asked.
#[server(prefix = "/rpc", endpoint = "compare_samples", input = Json)]
pub async fn compare_samples(ids: Vec<String>) -> Result<Vec<Vec<SampleData>>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::events::compare_samples(&st, &actor, &ids, SAMPLES_PAGE).await)
}
