//! Routed pages.

pub mod compare;
pub mod model;
pub mod new_task;
pub mod projects;
pub mod queues;
pub mod task;
pub mod task_edit;
pub mod tasks;
pub mod workers;

use leptos::prelude::*;

/// An error shown in the page (never a blank panel).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <div class="error" role="alert">{message}</div> }
}
