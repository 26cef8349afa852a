//! The projects page: the folder tree.

use crate::api::projects::list_projects;
use crate::components::error::ErrorBox;
use crate::components::project_actions::NewProjectForm;
use crate::components::project_tree::ProjectTree;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The start page: every project as a folder tree, and a link to all tasks.
#[component]
pub fn ProjectsPage() -> impl IntoView {
    let projects = Resource::new(|| (), |_| list_projects());
    view! {
        <Title text="Projects · Labbook"/>
        <h1>"Projects"</h1>
        <p><A href="/tasks">"All tasks"</A></p>
        <NewProjectForm/>
        <Suspense fallback=|| view! { <p>"Loading projects…"</p> }>
            {move || Suspend::new(async move {
                match projects.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No projects yet. Run a script with Task.init() to create one."</p>
                    }.into_any(),
                    Ok(list) => view! { <ProjectTree projects=list/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
