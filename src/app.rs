//! The HTML shell, the top-level component and the router.

use crate::components::theme::ThemeToggle;
use crate::pages::compare::ComparePage;
use crate::pages::model::ModelPage;
use crate::pages::new_task::NewTaskPage;
use crate::pages::projects::ProjectsPage;
use crate::pages::queues::QueuesPage;
use crate::pages::task::TaskPage;
use crate::pages::tasks::TasksPage;
use crate::pages::workers::WorkersPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The HTML document around the app. plotly.js is served from the site, never a CDN.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script>{crate::components::theme::THEME_SCRIPT}</script>
                <script src="/plotly.min.js"></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: a header and the routed pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/labbook.css"/>
        <Title text="Labbook"/>
        <Router>
            <header class="top">
                <A href="/" attr:class="brand">"Labbook"</A>
                <nav aria-label="main"><A href="/">"Projects"</A><A href="/tasks">"All tasks"</A><A href="/queues">"Queues"</A><A href="/workers">"Workers"</A></nav>
                <ThemeToggle/>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="error" role="alert">"Page not found."</p> }>
                    <Route path=path!("/") view=ProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:id") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks/:id") view=TaskPage ssr=SsrMode::Async/>
                    <Route path=path!("/compare") view=ComparePage ssr=SsrMode::Async/>
                    <Route path=path!("/new-task") view=NewTaskPage/>
                    <Route path=path!("/models/:id") view=ModelPage ssr=SsrMode::Async/>
                    <Route path=path!("/queues") view=QueuesPage ssr=SsrMode::Async/>
                    <Route path=path!("/workers") view=WorkersPage ssr=SsrMode::Async/>
                    // The results-page link the clearml SDK prints.
                    <Route path=path!("/projects/:project/tasks/:id/*rest") view=TaskPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:project/experiments/:id/*rest") view=TaskPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
