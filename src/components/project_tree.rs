//! The folder tree of nested projects.

use crate::components::format::fmt_opt_time;
use crate::model::ProjectSummary;
use leptos::prelude::*;
use leptos_router::components::A;

/// Projects as a nested list, children under their parents, with counts.
#[component]
pub fn ProjectTree(projects: Vec<ProjectSummary>) -> impl IntoView {
    let roots: Vec<ProjectSummary> = projects
        .iter()
        .filter(|p| p.project.parent.is_none())
        .cloned()
        .collect();
    view! { <ul class="tree" role="tree">{render_level(roots, &projects)}</ul> }
}

fn render_level(level: Vec<ProjectSummary>, all: &[ProjectSummary]) -> Vec<AnyView> {
    level
        .into_iter()
        .map(|p| {
            let children: Vec<ProjectSummary> = all
                .iter()
                .filter(|c| c.project.parent.as_deref() == Some(p.project.id.as_str()))
                .cloned()
                .collect();
            let href = format!("/projects/{}", p.project.id);
            let sub = (!children.is_empty()).then(|| {
                let inner = render_level(children, all);
                view! { <ul role="group">{inner}</ul> }
            });
            view! {
                <li role="treeitem" data-testid="project-node">
                    <A href=href attr:class="folder">{p.project.basename.clone()}</A>
                    <span class="counts">
                        {format!("{} tasks", p.task_count)}
                        {(p.running_count > 0).then(|| format!(" · {} running", p.running_count))}
                        {format!(" · updated {}", fmt_opt_time(p.tasks_last_update))}
                    </span>
                    {sub}
                </li>
            }
            .into_any()
        })
        .collect()
}
