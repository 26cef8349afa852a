//! Console output and scalars of a task.

use crate::model::{LogEntry, SeriesData};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The most console entries one page shows.
pub const CONSOLE_PAGE: i64 = 5_000;

/// The newest console entries of a task (at most [`CONSOLE_PAGE`], oldest
/// first) and how many it has in all; the rest is in the download.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConsoleTail {
    pub entries: Vec<LogEntry>,
    pub total: i64,
}

/// The tail of a task's console: what a running task printed last.
#[server(prefix = "/rpc", endpoint = "task_console")]
pub async fn task_console(task: String) -> Result<ConsoleTail, ServerFnError> {
    use crate::server::store::LogCursor;
    let st = super::state()?;
    let mut rows = st.store.task_log(&task, LogCursor::Before(None), CONSOLE_PAGE).await.map_err(super::to_client)?;
    rows.reverse();
    let total = st.store.count_task_log(&task).await.map_err(super::to_client)?;
    Ok(ConsoleTail { entries: rows.into_iter().map(|(_, e)| e).collect(), total })
}

/// Buckets per chart when the browser does not say: about two points per
/// pixel of a laptop-width chart.
pub const DEFAULT_BUCKETS: usize = 1_000;

/// Every scalar series of a task, reduced on the server to `buckets` min/max
/// buckets (spikes stay visible), optionally only iterations `from..=to`
/// (a zoomed chart asks again for its window at full resolution).
#[server(prefix = "/rpc", endpoint = "task_scalars", input = Json)]
pub async fn task_scalars(
    task: String,
    buckets: Option<usize>,
    range: Option<(i64, i64)>,
) -> Result<Vec<SeriesData>, ServerFnError> {
    let st = super::state()?;
    let buckets = buckets.unwrap_or(DEFAULT_BUCKETS).clamp(10, 20_000);
    let series = st.store.scalar_series(&task).await.map_err(super::to_client)?;
    Ok(series
        .into_iter()
        .map(|s| match range {
            Some((from, to)) => s.window(from, to).downsample(buckets),
            None => s.downsample(buckets),
        })
        .collect())
}

/// One plotly figure a task reported (`report_scatter2d`, tables, matplotlib, …).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlotData {
    pub metric: String,
    pub variant: String,
    pub iter: i64,
    /// The figure as plotly JSON: `{"data": [...], "layout": {...}}`.
    pub plot_str: String,
}

/// The most plots one page shows.
pub const PLOTS_PAGE: i64 = 500;

/// The plots of a task, newest first.
#[server(prefix = "/rpc", endpoint = "task_plots")]
pub async fn task_plots(task: String) -> Result<Vec<PlotData>, ServerFnError> {
    let st = super::state()?;
    let events = st.store.task_events(&task, "plot", PLOTS_PAGE).await.map_err(super::to_client)?;
    Ok(events
        .into_iter()
        .map(|e| {
            let body: serde_json::Value = serde_json::from_str(&e.event.body).unwrap_or_default();
            PlotData {
                plot_str: body.get("plot_str").and_then(|p| p.as_str()).unwrap_or("{}").to_string(),
                metric: e.event.metric,
                variant: e.event.variant,
                iter: e.event.iter,
            }
        })
        .collect())
}

/// What kind of file a debug sample is, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SampleKind {
    Image,
    Audio,
    Video,
    Html,
    /// Anything else: shown as a link.
    File,
}

impl SampleKind {
    /// Guesses the kind from a URL's extension.
    pub fn of(url: &str) -> SampleKind {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "svg" => SampleKind::Image,
            "wav" | "mp3" | "ogg" | "flac" | "m4a" => SampleKind::Audio,
            "mp4" | "webm" | "mov" | "ogv" => SampleKind::Video,
            "html" | "htm" => SampleKind::Html,
            _ => SampleKind::File,
        }
    }
}

/// One debug sample (`report_image`, `report_media`): where the browser
/// loads it from, and what it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SampleData {
    pub metric: String,
    pub variant: String,
    pub iter: i64,
    /// A `/media/…` path for files this server stores, else the reported URL.
    pub url: String,
    pub kind: SampleKind,
}

/// The most debug samples one page shows.
pub const SAMPLES_PAGE: i64 = 2_000;

/// The debug samples of a task, oldest iteration first.
#[server(prefix = "/rpc", endpoint = "task_samples")]
pub async fn task_samples(task: String) -> Result<Vec<SampleData>, ServerFnError> {
    let st = super::state()?;
    let events = st.store.task_events(&task, "training_debug_image", SAMPLES_PAGE).await.map_err(super::to_client)?;
    let mut out: Vec<SampleData> = events
        .into_iter()
        .filter_map(|e| {
            let body: serde_json::Value = serde_json::from_str(&e.event.body).ok()?;
            let url = body.get("url").and_then(|u| u.as_str())?.to_string();
            Some(SampleData {
                kind: SampleKind::of(&url),
                url: crate::server::files::media_url(&st, &url),
                metric: e.event.metric,
                variant: e.event.variant,
                iter: e.event.iter,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.metric, &a.variant, a.iter).cmp(&(&b.metric, &b.variant, b.iter)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::SampleKind;

    #[test]
    fn sample_kinds_follow_the_extension() {
        assert_eq!(SampleKind::of("http://h/a/b.PNG?x=1"), SampleKind::Image);
        assert_eq!(SampleKind::of("/media/x/clip.wav"), SampleKind::Audio);
        assert_eq!(SampleKind::of("s3://b/v.mp4"), SampleKind::Video);
        assert_eq!(SampleKind::of("page.html"), SampleKind::Html);
        assert_eq!(SampleKind::of("weights.bin"), SampleKind::File);
    }
}
