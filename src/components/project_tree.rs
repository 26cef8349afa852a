//! The folder tree of nested projects.

use crate::components::time::Time;
use crate::model::ProjectSummary;
use leptos::prelude::*;
use leptos_router::components::A;

/// Projects as a nested list, children under their parents, with counts.
#[component]
pub fn ProjectTree(projects: Vec<ProjectSummary>) -> impl IntoView {
    let roots: Vec<ProjectSummary> = projects.iter().filter(|p| p.project.parent.is_none()).cloned().collect();
    view! { <ul class="tree" role="tree">{render_level(roots, &projects)}</ul> }
}

fn render_level(level: Vec<ProjectSummary>, all: &[ProjectSummary]) -> Vec<AnyView> {
    level
        .into_iter()
        .map(|p| {
            let children: Vec<ProjectSummary> =
                all.iter().filter(|c| c.project.parent.as_deref() == Some(p.project.id.as_str())).cloned().collect();
            let href = format!("/projects/{}", p.project.id);
            // A folder counts everything below it.
            let running = if p.total_running > 0 { format!(" · {} running", p.total_running) } else { String::new() };
            let counts = format!("{} tasks{running} · updated ", p.total_tasks);
            let updated = p.total_last_update;
            let sub = (!children.is_empty()).then(|| {
                let inner = render_level(children, all);
                view! { <ul role="group">{inner}</ul> }
            });
            view! {
                <li role="treeitem" data-testid="project-node">
                    <A href=href attr:class="folder">{p.project.basename.clone()}</A>
                    <span class="counts">{counts}<Time ms=updated relative=true/></span>
                    {sub}
                </li>
            }
            .into_any()
        })
        .collect()
}
