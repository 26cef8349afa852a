//! The HTML shell, the top-level component and the router.

use crate::components::theme::ThemeToggle;
use crate::pages::compare::ComparePage;
use crate::pages::model::ModelPage;
use crate::pages::models::ModelsPage;
use crate::pages::new_task::NewTaskPage;
use crate::pages::projects::ProjectsPage;
use crate::pages::queues::QueuesPage;
use crate::pages::reports::{ReportPage, ReportsPage};
use crate::pages::settings::SettingsPage;
use crate::pages::task::TaskPage;
use crate::pages::tasks::TasksPage;
use crate::pages::users::UsersPage;
use crate::pages::workers::WorkersPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The HTML document around the app. plotly.js is served from the site, never
/// a CDN, and loaded by the first chart (`components::plotly_js`), not here.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Who is signed in, for the browser's first render (see `components::access`).
    let me = crate::components::access::current();
    let (user, name, role) = match &me {
        Some(m) => (m.id.clone(), m.name.clone(), m.role.as_str()),
        None => (String::new(), String::new(), ""),
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=format!("/{}/labbook.css", options.site_pkg_dir)/>
                <script>{crate::components::theme::THEME_SCRIPT}</script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body data-user=user data-name=name data-role=role>
                <App/>
            </body>
        </html>
    }
}

/// The app: a header and the routed pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = crate::components::access::current();
    provide_context(me.clone());
    let my_tasks =
        me.as_ref().map(|m| format!("/tasks?user={}", crate::model::table::encode(&m.id))).unwrap_or_default();
    let is_admin = me.as_ref().is_some_and(|m| m.may(crate::model::Access::Admin));
    let name = me.map(|m| m.name).unwrap_or_default();
    crate::components::dialog::close_menus_on_escape_and_outside_click();
    crate::components::time::provide_client_clock();
    view! {
        <Title text="Labbook"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="top">
                <A href="/" attr:class="brand">"Labbook"</A>
                <nav aria-label="main">
                    <A href="/">"Projects"</A><A href="/tasks">"All tasks"</A><a href=my_tasks>"My tasks"</a><A href="/models">"Models"</A><A href="/reports">"Reports"</A>
                    <A href="/queues">"Queues"</A><A href="/workers">"Workers"</A>
                    {is_admin.then(|| view! { <A href="/users">"Users"</A> })}
                </nav>
                <div class="account">
                    <A href="/settings" attr:class="me" attr:title="Settings and API keys">{name}</A>
                    <form method="post" action="/logout" class="signout"><button type="submit" class="link">"Sign out"</button></form>
                </div>
                <ThemeToggle/>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <crate::components::error::NoSuchPage/> }>
                    <Route path=path!("/") view=ProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:id") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks/:id") view=TaskPage ssr=SsrMode::Async/>
                    <Route path=path!("/compare") view=ComparePage ssr=SsrMode::Async/>
                    <Route path=path!("/new-task") view=NewTaskPage/>
                    <Route path=path!("/models") view=ModelsPage ssr=SsrMode::Async/>
                    <Route path=path!("/models/:id") view=ModelPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports/:id") view=ReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/queues") view=QueuesPage ssr=SsrMode::Async/>
                    <Route path=path!("/workers") view=WorkersPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                    // The results-page link the clearml SDK prints.
                    <Route path=path!("/projects/:project/tasks/:id/*rest") view=TaskPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:project/experiments/:id/*rest") view=TaskPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
