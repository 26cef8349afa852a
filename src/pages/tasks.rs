//! The experiments table of a project (or of all tasks): filters, search,
//! column picker, server-side sort and paging, multi-select with bulk
//! actions, CSV export. The whole view lives in the URL.

use crate::api::tasks::{list_tasks, table_columns};
use crate::components::bulk_bar::{BulkBar, Selection};
use crate::components::error::{ErrorBox, PageError};
use crate::components::live::poll_while;
use crate::components::project_actions::ProjectActions;
use crate::components::project_overview::{Overview, ProjectOverviewPanel};
use crate::components::status::{ProgressBar, StatusBadge};
use crate::components::stored;
use crate::components::time::Time;
use crate::model::format::fmt_duration;
use crate::model::table::{
    default_columns, encode, ActionReport, Column, TableLayout, TableQuery, TableRow, TagMode, TaskTable, FIXED_COLUMNS,
};
use crate::model::task::ALL_TASK_TYPES;
use crate::model::ALL_STATUSES;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

/// The hyperparameter and metric columns the picker offers, loaded per project
/// (`None` until the browser has them).
type ColumnChoices = RwSignal<Option<Vec<Column>>>;

/// How the reader laid this table out (kept by the browser per project),
/// shared by the column picker and the column headers.
#[derive(Clone, Copy)]
struct Layout {
    layout: RwSignal<TableLayout>,
    project: Memo<Option<String>>,
}

impl Layout {
    /// Changes the layout and keeps it.
    fn save(self, change: impl FnOnce(&mut TableLayout)) {
        self.layout.update(change);
        let key = TableLayout::storage_key(self.project.get_untracked().as_deref());
        stored::write(&key, &self.layout.with_untracked(TableLayout::to_stored));
    }
}

/// `/tasks` and `/projects/:id`: the experiments table.
#[component]
pub fn TasksPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let view_q = Memo::new(move |_| {
        let q = query.read();
        TableQuery::from_params(params.read().get("id"), |k| q.get(k))
    });
    let table = Resource::new(move || view_q.get(), list_tasks);
    // The column picker's choices change with the project only.
    // Fetched in the browser only (effects do not run on the server), so
    // the server-rendered page never waits for it.
    let project = Memo::new(move |_| view_q.with(|q| q.project.clone()));
    let columns: ColumnChoices = RwSignal::new(None);
    Effect::new(move |_| {
        let project = project.get();
        leptos::task::spawn_local(async move { columns.set(Some(table_columns(project).await.unwrap_or_default())) });
    });
    // The reader's layout of this project's table, read when the project
    // changes (in the browser: effects do not run on the server). A URL
    // that names its columns shows them; one that does not gets the
    // columns the reader chose last for this project.
    let layout = Layout { layout: RwSignal::new(TableLayout::default()), project };
    let nav = use_navigate();
    Effect::new(move |_| {
        let project = project.get();
        let saved = stored::read(&TableLayout::storage_key(project.as_deref()))
            .and_then(|s| TableLayout::from_stored(&s))
            .unwrap_or_default();
        let url_names_columns = query.with_untracked(|q| q.get("cols").is_some());
        if let (false, Some(cols)) = (url_names_columns, saved.saved_columns()) {
            let q = view_q.get_untracked();
            if q.columns != cols {
                let options = NavigateOptions { replace: true, ..NavigateOptions::default() };
                nav(&q.with(|q| q.columns = cols).href(), options);
            }
        }
        layout.layout.set(saved);
    });
    provide_context(layout);
    // The project's overview follows the project and the sub-projects
    // switch only, not the filters or the page.
    let scope = Memo::new(move |_| view_q.with(|q| (q.project.clone(), q.subprojects)));
    provide_context(Overview::new(scope));
    // The Columns menu stays open while columns are picked: each pick
    // navigates and redraws the bar, so its state lives here.
    provide_context(ColumnsMenuOpen(RwSignal::new(false)));
    let selection = RwSignal::new(Selection::default());
    // Outlives the refetch an action triggers, so its report stays shown.
    let report = RwSignal::new(None::<Result<ActionReport, String>>);
    // A new view starts with nothing picked.
    Effect::new(move |_| {
        view_q.track();
        selection.set(Selection::default());
    });
    // Running and queued rows change by themselves: poll while any is shown.
    poll_while(
        move || {
            table.get().and_then(Result::ok).is_some_and(|t| {
                t.rows
                    .iter()
                    .any(|r| matches!(r.status.state(), crate::model::State::Running | crate::model::State::Pending))
            })
        },
        move || table.refetch(),
    );
    // A new view (a sort, a filter, a page) that takes a while says so; the
    // polling refreshes of the same view do not.
    let pending = RwSignal::new(false);
    let shown = RwSignal::new(None::<TableQuery>);
    let busy = move || pending.get() && shown.with(|s| s.as_ref() != Some(&view_q.get()));
    view! {
        <Title text=move || match table.get() {
            Some(Err(e)) => crate::components::error::error_title(&e),
            t => {
                let project = t.and_then(Result::ok).and_then(|t| t.project).map(|p| p.name);
                format!("{} · Labbook", project.as_deref().unwrap_or("Tasks"))
            }
        }/>
        <p class="busy-note" aria-live="polite" data-testid="table-busy">{move || busy().then_some("Loading…")}</p>
        <div class:busy=busy aria-busy=move || busy().to_string()>
        <Transition fallback=|| view! { <p>"Loading tasks…"</p> } set_pending=pending.write_only()>
            {move || Suspend::new(async move {
                let q = view_q.get_untracked();
                let answer = table.await;
                shown.set(Some(q.clone()));
                match answer {
                    Ok(t) => view! { <TaskTableView table=t query=q columns selection report on_done=move || table.refetch()/> }.into_any(),
                    // An unknown project is a page of its own, not an empty table.
                    Err(e) if e.page_status() == 404 => view! { <PageError error=e/> }.into_any(),
                    Err(e) => view! {
                        <FilterBar query=q columns=None/>
                        <ErrorBox message=e.user_message()/>
                    }.into_any(),
                }
            })}
        </Transition>
        </div>
    }
}

/// A callback that goes to a view of the table.
fn navigator() -> Callback<TableQuery> {
    let nav = use_navigate();
    Callback::new(move |q: TableQuery| nav(&q.href(), NavigateOptions::default()))
}

/// A drop-down of checkboxes.
#[component]
fn CheckMenu(
    label: &'static str,
    options: Vec<(String, String, bool)>,
    on_toggle: Callback<(String, bool)>,
) -> impl IntoView {
    let count = options.iter().filter(|o| o.2).count();
    let items = options
        .into_iter()
        .map(|(value, text, checked)| {
            let v = value.clone();
            view! {
                <label class="check">
                    <input type="checkbox" value=value checked=checked
                        on:change=move |ev| on_toggle.run((v.clone(), event_target_checked(&ev)))/>
                    {text}
                </label>
            }
        })
        .collect_view();
    let summary = if count > 0 { format!("{label} ({count})") } else { label.to_string() };
    view! {
        <details class="menu" data-testid=format!("menu-{}", label.to_lowercase())>
            <summary>{summary}</summary>
            <div class="menu-items">{items}</div>
        </details>
    }
}

/// Search, filters and the archive switch; every change navigates.
#[component]
fn FilterBar(query: TableQuery, columns: Option<ColumnChoices>) -> impl IntoView {
    let q = StoredValue::new(query.clone());
    let go = navigator();
    let search = RwSignal::new(query.search.clone());
    let regex = RwSignal::new(query.regex);
    let submit_search = move || {
        let s = search.get_untracked();
        let r = regex.get_untracked();
        go.run(q.get_value().with(|q| {
            q.search = s;
            q.regex = r;
        }))
    };
    let status_opts = ALL_STATUSES
        .iter()
        .filter(|s| **s != crate::model::TaskStatus::Closed)
        .map(|s| (s.as_str().to_string(), s.state().label().to_string(), query.statuses.contains(s)))
        .collect();
    let type_opts = ALL_TASK_TYPES
        .iter()
        .map(|t| (t.as_str().to_string(), t.as_str().to_string(), query.types.contains(t)))
        .collect();
    // The people to filter by, fetched in the browser only (like the columns).
    let people = RwSignal::new(None::<Vec<crate::model::User>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            people.set(Some(crate::api::users::list_users().await.unwrap_or_default()))
        });
    });
    let chosen_user = StoredValue::new(query.user.clone());
    let text_input = move |label: &'static str, value: String, kind: &'static str, set: fn(&mut TableQuery, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type=kind value=value name=label.to_lowercase()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        go.run(q.get_value().with(|q| set(q, v)));
                    }/>
            </label>
        }
    };
    let export = format!(
        "/export/tasks.csv?{}{}",
        query.to_query_string(),
        query.project.as_ref().map(|p| format!("&project={}", encode(p))).unwrap_or_default()
    );
    view! {
        <form class="filters" role="search" on:submit=move |ev| { ev.prevent_default(); submit_search(); }>
            <label class="field grow">
                <span>"Search"</span>
                <input type="search" name="q" placeholder="name, id or comment" prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            </label>
            <label class="check">
                <input type="checkbox" name="regex" prop:checked=regex on:change=move |ev| {
                    regex.set(event_target_checked(&ev));
                    submit_search();
                }/>
                "Regex"
            </label>
            <button type="submit">"Search"</button>
            <CheckMenu label="Status" options=status_opts on_toggle=Callback::new(move |(v, on): (String, bool)| {
                go.run(q.get_value().with(|q| {
                    let st: crate::model::TaskStatus = v.parse().unwrap_or_default();
                    q.statuses.retain(|s| *s != st);
                    if on { q.statuses.push(st); }
                }))
            })/>
            <CheckMenu label="Type" options=type_opts on_toggle=Callback::new(move |(v, on): (String, bool)| {
                go.run(q.get_value().with(|q| {
                    let ty: crate::model::TaskType = v.parse().unwrap_or_default();
                    q.types.retain(|s| *s != ty);
                    if on { q.types.push(ty); }
                }))
            })/>
            {text_input("Tags", query.tags.join(", "), "text", |q, v| {
                q.tags = crate::model::split_tags(&v);
            })}
            <label class="field">
                <span>"Tag match"</span>
                <select name="tagmode" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    go.run(q.get_value().with(|q| q.tag_mode = match v.as_str() { "all" => TagMode::All, "not" => TagMode::Not, _ => TagMode::Any }));
                }>
                    {[TagMode::Any, TagMode::All, TagMode::Not].into_iter().map(|m| view! {
                        <option value=m.as_str() selected=m == query.tag_mode>{m.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"User"</span>
                <select name="user" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    go.run(q.get_value().with(|q| q.user = v));
                }>
                    <option value="" selected=query.user.is_empty()>"Anyone"</option>
                    {move || {
                        let chosen = chosen_user.get_value();
                        match people.get() {
                            // Until the browser has the list (and on the server), the chosen user alone.
                            None => (!chosen.is_empty()).then(|| view! { <option value=chosen.clone() selected=true>{chosen.clone()}</option> }).into_iter().collect_view(),
                            Some(list) => list.into_iter().map(|u| {
                                let selected = u.id == chosen;
                                view! { <option value=u.id.clone() selected=selected>{u.display_name}</option> }
                            }).collect_view(),
                        }
                    }}
                </select>
            </label>
            {text_input("From", query.from.clone(), "date", |q, v| q.from = v)}
            {text_input("To", query.to.clone(), "date", |q, v| q.to = v)}
            <label class="check">
                <input type="checkbox" name="archived" checked=query.archived on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    go.run(q.get_value().with(|q| q.archived = on));
                }/>
                "Archived"
            </label>
            {query.project.is_some().then(|| view! {
                <label class="check" title="Include the tasks of every project below this one">
                    <input type="checkbox" name="sub" checked=query.subprojects on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        go.run(q.get_value().with(|q| {
                            // Default columns follow: the project column shows with sub-projects.
                            let default_cols = q.columns == crate::model::table::default_columns(q.several_projects());
                            q.subprojects = on;
                            if default_cols {
                                q.columns = crate::model::table::default_columns(q.several_projects());
                            }
                        }));
                    }/>
                    "Sub-projects"
                </label>
            })}
            // Appears once the browser has loaded the choices (never in the
            // server-rendered HTML, so hydration sees nothing here either).
            {columns.map(|columns| {
                let query = query.clone();
                move || {
                    columns.get().map(|available| view! { <ColumnPicker query=query.clone() available/> })
                }
            })}
            <a class="button" href=export rel="external" download="tasks.csv">"Export CSV"</a>
        </form>
    }
}

/// Whether the Columns menu is open, kept across the redraws its picks cause.
#[derive(Clone, Copy)]
struct ColumnsMenuOpen(RwSignal<bool>);

/// Shows, hides and reorders columns, and adds hyperparameter and metric columns.
#[component]
fn ColumnPicker(query: TableQuery, available: Vec<Column>) -> impl IntoView {
    let open = use_context::<ColumnsMenuOpen>().map_or_else(|| RwSignal::new(false), |c| c.0);
    let q = StoredValue::new(query.clone());
    let navigate = navigator();
    // A pick is remembered as this project's columns, then shown.
    let layout = use_context::<Layout>();
    let go = Callback::new(move |next: TableQuery| {
        if let Some(layout) = layout {
            layout.save(|l| l.choose_columns(&next.columns, &default_columns(next.several_projects())));
        }
        navigate.run(next);
    });
    let visible = query.columns.clone();
    let n = visible.len();
    let shown = visible
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let label = c.label();
            let (c1, c2, c3) = (c.clone(), c.clone(), c.clone());
            let move_by = move |c: Column, delta: isize| {
                go.run(q.get_value().with(|q| {
                    if let Some(pos) = q.columns.iter().position(|x| *x == c) {
                        let to = (pos as isize + delta).clamp(0, q.columns.len() as isize - 1) as usize;
                        let col = q.columns.remove(pos);
                        q.columns.insert(to, col);
                    }
                }))
            };
            view! {
                <li>
                    <label class="check">
                        <input type="checkbox" checked=true disabled=n == 1 on:change=move |_| {
                            let c = c1.clone();
                            go.run(q.get_value().with(|q| q.columns.retain(|x| *x != c)))
                        }/>
                        {label.clone()}
                    </label>
                    <button type="button" aria-label=format!("Move {label} left") disabled=i == 0 on:click=move |_| move_by(c2.clone(), -1)>"↑"</button>
                    <button type="button" aria-label=format!("Move {label} right") disabled=i + 1 == n on:click=move |_| move_by(c3.clone(), 1)>"↓"</button>
                </li>
            }
        })
        .collect_view();
    let hidden = FIXED_COLUMNS
        .iter()
        .cloned()
        .chain(available)
        .filter(|c| !visible.contains(c))
        .map(|c| {
            let label = c.label();
            view! {
                <li>
                    <label class="check">
                        <input type="checkbox" checked=false on:change=move |_| {
                            let c = c.clone();
                            go.run(q.get_value().with(|q| q.columns.push(c)))
                        }/>
                        {label}
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="menu" data-testid="menu-columns" prop:open=move || open.get_untracked()
            on:toggle=move |ev| open.set(crate::components::dialog::details_open(&ev))>
            <summary>"Columns"</summary>
            <div class="menu-items">
                <p class="muted">"Shown"</p>
                <ul class="plain">{shown}</ul>
                <p class="muted">"Add"</p>
                <ul class="plain">{hidden}</ul>
                <button type="button" on:click=move |_| {
                    if let Some(layout) = layout {
                        layout.save(|l| *l = TableLayout::default());
                    }
                    navigate.run(q.get_value().with(|q| q.columns = default_columns(q.several_projects())));
                }>"Reset layout"</button>
            </div>
        </details>
    }
}

/// How many pixels an arrow key widens or narrows a column.
const RESIZE_STEP: f64 = 16.0;

/// The handle at a column header's right edge: dragging it sets the
/// column's width, arrow keys change it, a double click lets the column
/// size itself again; the width is kept in the table's [`Layout`].
#[component]
fn ColumnResizer(key: String, label: String) -> impl IntoView {
    let layout = use_context::<Layout>();
    let key = StoredValue::new(key);
    let width = move || layout.and_then(|l| l.layout.with(|l| key.with_value(|k| l.widths.get(k).copied())));
    // The pointer's x and the column's width when the drag began.
    let drag = RwSignal::new(None::<(f64, f64)>);
    let set = move |w: Option<f64>, keep: bool| {
        let Some(l) = layout else { return };
        let change = |t: &mut TableLayout| key.with_value(|k| t.set_width(k, w));
        if keep {
            l.save(change);
        } else {
            l.layout.update(change);
        }
    };
    // The header's width as drawn now.
    let drawn = move |ev: &leptos::web_sys::Event| -> f64 {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let th = ev
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.parent_element());
            if let Some(th) = th.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                return f64::from(th.offset_width());
            }
        }
        let _ = ev;
        width().map_or(120.0, f64::from)
    };
    view! {
        <span class="col-resize" role="separator" aria-orientation="vertical" tabindex="0"
            aria-label=format!("Resize {label}") aria-valuenow=move || width().map(|w| w.to_string())
            title="Drag to resize; double-click to fit"
            on:pointerdown=move |ev| {
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    if let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        let _ = el.set_pointer_capture(ev.pointer_id());
                    }
                }
                drag.set(Some((f64::from(ev.client_x()), drawn(&ev))));
            }
            on:pointermove=move |ev| {
                if let Some((x0, w0)) = drag.get_untracked() {
                    set(Some(w0 + f64::from(ev.client_x()) - x0), false);
                }
            }
            on:pointerup=move |ev| {
                if let Some((x0, w0)) = drag.get_untracked() {
                    drag.set(None);
                    set(Some(w0 + f64::from(ev.client_x()) - x0), true);
                }
            }
            on:pointercancel=move |_| drag.set(None)
            on:click=move |ev| ev.stop_propagation()
            on:dblclick=move |_| set(None, true)
            on:keydown=move |ev| {
                let by = match ev.key().as_str() {
                    "ArrowLeft" => -RESIZE_STEP,
                    "ArrowRight" => RESIZE_STEP,
                    _ => return,
                };
                ev.prevent_default();
                let now = width().map_or_else(|| drawn(&ev), f64::from);
                set(Some(now + by), true);
            }
        ></span>
    }
}

fn cell(c: &Column, r: &TableRow) -> AnyView {
    match c {
        Column::Id => {
            view! { <td class="mono" title=r.id.clone()>{r.id.chars().take(8).collect::<String>()}</td> }.into_any()
        }
        Column::Name => {
            let href = format!("/tasks/{}", r.id);
            let name = r.name.clone();
            view! { <td class="name"><A href=href>{name}</A></td> }.into_any()
        }
        Column::Type => view! { <td>{r.task_type.as_str()}</td> }.into_any(),
        Column::Status => {
            view! { <td><StatusBadge status=r.status/><ProgressBar status=r.status progress=r.progress/></td> }
                .into_any()
        }
        Column::Tags => {
            let tags = r.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view();
            view! { <td>{tags}</td> }.into_any()
        }
        Column::User => view! { <td title=r.user.clone()>{r.user_name.clone()}</td> }.into_any(),
        Column::Started => view! { <td class="time"><Time ms=r.started/></td> }.into_any(),
        Column::Updated => view! { <td class="time"><Time ms=Some(r.last_update) relative=true/></td> }.into_any(),
        Column::Iteration => view! { <td class="num">{r.last_iteration}</td> }.into_any(),
        Column::Project => match &r.project {
            Some(p) => {
                let (href, name) = (format!("/projects/{p}"), r.project_name.clone());
                view! { <td class="project"><A href=href>{name}</A></td> }.into_any()
            }
            None => view! { <td class="project muted">"—"</td> }.into_any(),
        },
        Column::Duration => {
            view! { <td class="num">{r.duration.map(fmt_duration).unwrap_or_default()}</td> }.into_any()
        }
        other => {
            let v = r.cells.get(&other.key()).cloned().unwrap_or_default();
            view! { <td class="num">{v}</td> }.into_any()
        }
    }
}

#[component]
fn TaskTableView(
    table: TaskTable,
    query: TableQuery,
    columns: ColumnChoices,
    selection: RwSignal<Selection>,
    report: RwSignal<Option<Result<ActionReport, String>>>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let title = table.project.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "All tasks".into());
    let crumbs = table.project.as_ref().map(|p| {
        let parts: Vec<String> = p.name.split('/').map(str::to_string).collect();
        view! { <nav class="crumbs" aria-label="breadcrumb"><A href="/">"Projects"</A>{parts.into_iter().map(|s| view! { " › " <span>{s}</span> }).collect_view()}</nav> }
    });
    // The "all tasks" view lists tasks only; folders belong to projects.
    let folders = if table.project.is_some() { table.subprojects.clone() } else { Vec::new() };
    let subprojects = folders
        .into_iter()
        .map(|s| {
            let href = format!("/projects/{}", s.project.id);
            let running = (s.total_running > 0).then(|| format!(" · {} running", s.total_running));
            view! {
                <li data-testid="subproject">
                    <A href=href attr:class="folder">{s.project.basename}</A>
                    <span class="counts">{format!("{} tasks", s.total_tasks)}{running}" · updated "<Time ms=s.total_last_update relative=true/></span>
                </li>
            }
        })
        .collect_view();
    let header = |c: &Column| {
        let key = c.key();
        let sorted_here = query.sort == key;
        let label = c.label();
        let resizer = view! { <ColumnResizer key=key.clone() label=label.clone()/> };
        if !c.sortable() {
            return view! { <th scope="col">{label}{resizer}</th> }.into_any();
        }
        let desc = if sorted_here { !query.descending } else { *c != Column::Name };
        let arrow = match (sorted_here, query.descending) {
            (false, _) => "",
            (true, true) => " ▼",
            (true, false) => " ▲",
        };
        let aria = match (sorted_here, query.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        let href = query
            .with(|q| {
                q.sort = key.clone();
                q.descending = desc;
            })
            .href();
        view! { <th scope="col" aria-sort=aria><A href=href>{label}{arrow}</A>{resizer}</th> }.into_any()
    };
    let headers = query.columns.iter().map(header).collect_view();
    // The resized columns' widths.
    let widths = {
        let layout = use_context::<Layout>();
        let shown = query.columns.clone();
        move || layout.map(|l| l.layout.with(|l| l.css(&shown))).unwrap_or_default()
    };
    let ids: Vec<String> = table.rows.iter().map(|r| r.id.clone()).collect();
    let all_ids = StoredValue::new(ids);
    let page_checked = move || {
        let sel = selection.read();
        sel.all_matching || all_ids.with_value(|ids| !ids.is_empty() && ids.iter().all(|i| sel.ids.contains(i)))
    };
    let rows = table
        .rows
        .iter()
        .map(|r| {
            let id = r.id.clone();
            let id2 = id.clone();
            let checked = Memo::new(move |_| {
                let sel = selection.read();
                sel.all_matching || sel.ids.contains(&id)
            });
            let cells = query.columns.iter().map(|c| cell(c, r)).collect_view();
            view! {
                <tr data-testid="task-row" data-id=r.id.clone() class:selected=checked>
                    <td><input type="checkbox" aria-label=format!("Select {}", r.name) prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selection.update(|s| {
                                s.all_matching = false;
                                if on { s.ids.insert(id2.clone()); } else { s.ids.remove(&id2); }
                            });
                        }/></td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let page_size = {
        let go = navigator();
        let q = query.clone();
        let current = table.page_size;
        let options = crate::model::table::PAGE_SIZES
            .iter()
            .map(|n| view! { <option value=n.to_string() selected=*n == current>{n.to_string()}</option> })
            .collect_view();
        view! {
            <label class="field inline page-size">
                <span>"Rows per page"</span>
                <select name="size" on:change=move |ev| {
                    let n = event_target_value(&ev).parse().unwrap_or(crate::model::table::PAGE_SIZE);
                    go.run(q.with(|q| {
                        q.page_size = n;
                        q.page = 0;
                    }))
                }>{options}</select>
            </label>
        }
    };
    let pager = {
        let q = query.clone();
        crate::components::pager::pager(
            table.page,
            table.page_size,
            table.total,
            "tasks",
            move |p| q.with(|q| q.page = p).href(),
            page_size,
        )
    };
    let ncols = query.columns.len() + 1;
    let below: i64 = table.subprojects.iter().map(|s| s.total_tasks).sum();
    let empty = (table.total == 0).then(|| {
        let text = if !query.unfiltered() {
            "No tasks match these filters.".to_string()
        } else if below > 0 && !query.subprojects {
            format!("No tasks directly in this project; its sub-projects hold {below}.")
        } else {
            "No tasks here yet.".to_string()
        };
        let show = (below > 0 && !query.subprojects).then(|| {
            let href = query
                .with(|q| {
                    q.subprojects = true;
                    q.columns = crate::model::table::default_columns(true);
                })
                .href();
            view! { " "<A href=href>"Show them"</A> }
        });
        view! { <tr><td class="empty" colspan=ncols>{text}{show}</td></tr> }
    });
    let total = table.total;
    // Only a change between none and some selected redraws the bulk bar.
    let any_selected = Memo::new(move |_| {
        let sel = selection.read();
        sel.all_matching || !sel.ids.is_empty()
    });
    let bulk_rows = table.rows.clone();
    let can_write = crate::components::access::can_write();
    let new_task = format!(
        "/new-task{}",
        table
            .project
            .as_ref()
            .map(|p| format!("?project={}", crate::model::table::encode(&p.name)))
            .unwrap_or_default()
    );
    // Boxed views keep the page's type shallow enough for release builds.
    let head = view! {
        {crumbs}
        <h1>{title}</h1>
        {table.project.clone().filter(|_| can_write).map(|p| view! { <ProjectActions project=p on_changed=on_done/> })}
        <p class="page-links">
            {can_write.then(|| view! { <A href=new_task attr:class="button">"New task"</A> })}
            {table.project.as_ref().map(|p| view! { <A href=format!("/models?project={}", crate::model::table::encode(&p.id))>"Models of this project"</A> })}
        </p>
        <ul class="folders">{subprojects}</ul>
        {table.project.is_some().then(|| view! { <ProjectOverviewPanel query=query.clone()/> })}
    }
    .into_any();
    let filters = view! { <FilterBar query=query.clone() columns=Some(columns)/> }.into_any();
    view! {
        {head}
        {filters}
        {move || any_selected.get().then(|| view! {
            <BulkBar rows=bulk_rows.clone() total query=query.clone() selection report on_done/>
        })}
        {move || report.get().map(|r| match r {
            Ok(r) => {
                let skipped = r.skipped.len();
                let details = r.skipped.into_iter().map(|s| view! { <li>{s}</li> }).collect_view();
                view! {
                    <div class="notice" role="status" data-testid="action-report">
                        {format!("Applied to {} task(s){}.", r.applied, if skipped > 0 { format!("; {skipped} skipped") } else { String::new() })}
                        <ul>{details}</ul>
                    </div>
                }.into_any()
            }
            Err(e) => view! { <ErrorBox message=e/> }.into_any(),
        })}

        <style data-testid="column-widths" inner_html=widths></style>
        <div class="table-wrap">
        <table class="tasks" aria-label="tasks">
            <thead><tr>
                <th scope="col"><input type="checkbox" aria-label="Select this page" prop:checked=page_checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selection.update(|s| {
                            s.all_matching = false;
                            all_ids.with_value(|ids| for i in ids {
                                if on { s.ids.insert(i.clone()); } else { s.ids.remove(i); }
                            });
                        });
                    }/></th>
                {headers}
            </tr></thead>
            <tbody>{rows}{empty}</tbody>
        </table>
        </div>
        {pager}
    }
}
