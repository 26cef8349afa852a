//! Status badges and progress bars.

use crate::model::{State, TaskStatus};
use leptos::prelude::*;

/// The seed state of a status, as a coloured badge.
#[component]
pub fn StatusBadge(status: TaskStatus) -> impl IntoView {
    let state = status.state();
    let class = format!("badge badge-{}", state.label().to_lowercase());
    view! { <span class=class title=status.as_str()>{state.label()}</span> }
}

/// A progress bar: shown for running tasks, and where a failed or aborted
/// task stopped (when it had reported any progress).
#[component]
pub fn ProgressBar(status: TaskStatus, progress: Option<u8>) -> impl IntoView {
    let show = match status.state() {
        State::Running => true,
        State::Failed | State::Aborted => progress.is_some_and(|p| p > 0),
        _ => false,
    };
    let pct = progress.unwrap_or(0);
    show.then(|| {
        let label = format!("{pct}%");
        view! {
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                 aria-valuenow=pct.to_string() aria-label="progress">
                <div class="progress-fill" style=format!("width: {pct}%")></div>
                <span class="progress-label">{label}</span>
            </div>
        }
    })
}
