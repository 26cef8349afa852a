//! How the UI shows a failure.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// An error shown in the page (never a blank panel); `message` is usually
/// [`AppError::user_message`](crate::error::AppError::user_message).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <div class="error" role="alert">{message}</div> }
}

/// The page title of a page that could not be shown.
pub fn error_title(e: &AppError) -> String {
    match e.page_status() {
        404 => "Not found · Labbook".into(),
        401 | 403 => "Not allowed · Labbook".into(),
        s if s < 500 => "Cannot show this · Labbook".into(),
        _ => "Error · Labbook".into(),
    }
}

/// Sets the HTTP status of the page being rendered on the server (the
/// browser's navigations have none to set).
fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(code)) =
        (use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(status))
    {
        res.set_status(code);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// A whole page in place of one that could not be shown (an unknown task
/// or project, a refusal): the error's HTTP status, a title that says so,
/// the reason, and a way back.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    set_status(error.page_status());
    let heading = match error.page_status() {
        404 => "Not found",
        401 | 403 => "Not allowed",
        s if s < 500 => "Cannot show this",
        _ => "Something went wrong",
    };
    view! {
        <Title text=error_title(&error)/>
        <section class="page-error" data-testid="page-error">
            <h1>{heading}</h1>
            <ErrorBox message=error.user_message()/>
            <p><A href="/">"Projects"</A>" · "<A href="/tasks">"All tasks"</A></p>
        </section>
    }
}

/// The page of an address no route knows: 404, titled so.
#[component]
pub fn NoSuchPage() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found · Labbook"/>
        <section class="page-error" data-testid="page-error">
            <h1>"Not found"</h1>
            <p class="error" role="alert">"There is no page at this address."</p>
            <p><A href="/">"Projects"</A>" · "<A href="/tasks">"All tasks"</A></p>
        </section>
    }
}
