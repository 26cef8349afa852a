//! The experiments table of a project (or of all tasks).

use crate::api::tasks::{list_tasks, TaskTable};
use crate::components::format::{fmt_opt_time, fmt_time};
use crate::components::status::{ProgressBar, StatusBadge};
use crate::pages::ErrorBox;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The table's state, as it lives in the URL.
#[derive(Debug, Clone, PartialEq)]
struct TableState {
    project: Option<String>,
    sort: String,
    descending: bool,
    page: i64,
}

impl TableState {
    fn base(&self) -> String {
        match &self.project {
            Some(p) => format!("/projects/{p}"),
            None => "/tasks".into(),
        }
    }

    fn href(&self, sort: &str, descending: bool, page: i64) -> String {
        format!("{}?sort={sort}&dir={}&page={page}", self.base(), if descending { "desc" } else { "asc" })
    }
}

/// `/tasks` and `/projects/:id`: sortable, paged experiments table.
#[component]
pub fn TasksPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let state = Memo::new(move |_| {
        let q = query.read();
        TableState {
            project: params.read().get("id"),
            sort: q.get("sort").unwrap_or_else(|| "last_update".into()),
            descending: q.get("dir").map(|d| d != "asc").unwrap_or(true),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0),
        }
    });
    let table = Resource::new(move || state.get(), |s| list_tasks(s.project, s.sort, s.descending, s.page));
    view! {
        <Suspense fallback=|| view! { <p>"Loading tasks…"</p> }>
            {move || Suspend::new(async move {
                let s = state.get_untracked();
                match table.await {
                    Ok(t) => view! { <TaskTableView table=t state=s/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TaskTableView(table: TaskTable, state: TableState) -> impl IntoView {
    let title = table.project.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "All tasks".into());
    let crumbs = table.project.as_ref().map(|p| {
        let parts: Vec<String> = p.name.split('/').map(str::to_string).collect();
        view! { <nav class="crumbs" aria-label="breadcrumb"><A href="/">"Projects"</A>{parts.into_iter().map(|s| view! { " › " <span>{s}</span> }).collect_view()}</nav> }
    });
    // The "all tasks" view lists tasks only; folders belong to projects.
    let folders = if table.project.is_some() { table.subprojects } else { Vec::new() };
    let subprojects = folders
        .into_iter()
        .map(|s| {
            let href = format!("/projects/{}", s.project.id);
            view! {
                <li data-testid="subproject">
                    <A href=href attr:class="folder">{s.project.basename}</A>
                    <span class="counts">{format!("{} tasks", s.task_count)}</span>
                </li>
            }
        })
        .collect_view();
    let header = |col: &'static str, label: &'static str| {
        let desc = if state.sort == col { !state.descending } else { col != "name" };
        let arrow = if state.sort == col {
            if state.descending {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        };
        let sorted = if state.sort == col {
            if state.descending {
                "descending"
            } else {
                "ascending"
            }
        } else {
            "none"
        };
        view! { <th aria-sort=sorted><A href=state.href(col, desc, 0)>{label}{arrow}</A></th> }
    };
    let rows = table
        .rows
        .into_iter()
        .map(|r| {
            let href = format!("/tasks/{}", r.id);
            let tags = r.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view();
            view! {
                <tr data-testid="task-row">
                    <td class="mono">{r.id.chars().take(8).collect::<String>()}</td>
                    <td><A href=href>{r.name}</A></td>
                    <td>{r.task_type.as_str()}</td>
                    <td><StatusBadge status=r.status/><ProgressBar status=r.status progress=r.progress/></td>
                    <td>{tags}</td>
                    <td>{r.user}</td>
                    <td>{fmt_opt_time(r.started)}</td>
                    <td>{fmt_time(r.last_update)}</td>
                    <td class="num">{r.last_iteration}</td>
                </tr>
            }
        })
        .collect_view();
    let pages = ((table.total + table.page_size - 1) / table.page_size).max(1);
    let prev = (table.page > 0)
        .then(|| view! { <A href=state.href(&state.sort, state.descending, table.page - 1)>"‹ Previous"</A> });
    let next = (table.page + 1 < pages)
        .then(|| view! { <A href=state.href(&state.sort, state.descending, table.page + 1)>"Next ›"</A> });
    view! {
        {crumbs}
        <h1>{title}</h1>
        <ul class="folders">{subprojects}</ul>
        <table class="tasks" aria-label="tasks">
            <thead><tr>
                <th>"ID"</th>
                {header("name", "Name")}
                {header("type", "Type")}
                {header("status", "Status")}
                <th>"Tags"</th>
                <th>"User"</th>
                {header("started", "Started")}
                {header("last_update", "Updated")}
                {header("last_iteration", "Iteration")}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {(table.total == 0).then(|| view! { <p class="empty">"No tasks here yet."</p> })}
        <nav class="pager" aria-label="pages">
            {prev}
            <span>{format!("Page {} of {} · {} tasks", table.page + 1, pages, table.total)}</span>
            {next}
        </nav>
    }
}
