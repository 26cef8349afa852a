//! The folder tree of nested projects.

use crate::model::format::fmt_opt_time;
use crate::model::ProjectSummary;
use leptos::prelude::*;
use leptos_router::components::A;

/// Projects as a nested list, children under their parents, with counts.
#[component]
pub fn ProjectTree(projects: Vec<ProjectSummary>) -> impl IntoView {
    let roots: Vec<ProjectSummary> = projects.iter().filter(|p| p.project.parent.is_none()).cloned().collect();
    view! { <ul class="tree" role="tree">{render_level(roots, &projects)}</ul> }
}

/// Tasks in a project and all its sub-projects.
fn subtree_tasks(id: &str, all: &[ProjectSummary]) -> i64 {
    all.iter().filter(|c| c.project.id == id).map(|c| c.task_count).sum::<i64>()
        + all
            .iter()
            .filter(|c| c.project.parent.as_deref() == Some(id))
            .map(|c| subtree_tasks(&c.project.id, all))
            .sum::<i64>()
}

fn render_level(level: Vec<ProjectSummary>, all: &[ProjectSummary]) -> Vec<AnyView> {
    level
        .into_iter()
        .map(|p| {
            let children: Vec<ProjectSummary> =
                all.iter().filter(|c| c.project.parent.as_deref() == Some(p.project.id.as_str())).cloned().collect();
            let href = format!("/projects/{}", p.project.id);
            let running = if p.running_count > 0 { format!(" · {} running", p.running_count) } else { String::new() };
            let counts = format!(
                "{} tasks{running} · updated {}",
                subtree_tasks(&p.project.id, all),
                fmt_opt_time(p.tasks_last_update)
            );
            let sub = (!children.is_empty()).then(|| {
                let inner = render_level(children, all);
                view! { <ul role="group">{inner}</ul> }
            });
            view! {
                <li role="treeitem" data-testid="project-node">
                    <A href=href attr:class="folder">{p.project.basename.clone()}</A>
                    <span class="counts">{counts}</span>
                    {sub}
                </li>
            }
            .into_any()
        })
        .collect()
}
