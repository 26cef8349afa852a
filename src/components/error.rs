//! How the UI shows a failure.

use leptos::prelude::*;

/// An error shown in the page (never a blank panel); `message` is usually
/// [`AppError::user_message`](crate::error::AppError::user_message).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <div class="error" role="alert">{message}</div> }
}
