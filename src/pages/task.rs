//! The task page: Execution, Configuration, Info, Artifacts, Console,
//! Scalars, Plots, Debug samples and (for drafts) Edit tabs.

use crate::api::events::{task_console, task_console_after, task_plots, task_samples, task_scalars, CONSOLE_PAGE};
use crate::api::tasks::{get_task, task_models};
use crate::components::chart::{ChartControls, ScalarCharts, SummaryTable, ValuesTable};
use crate::components::dialog::Dialog;
use crate::components::error::{ErrorBox, PageError};
use crate::components::figure::Figures;
use crate::components::lifecycle::LifecycleBar;
use crate::components::live::poll_while;
use crate::components::samples::Samples;
use crate::components::status::{ProgressBar, StatusBadge};
use crate::components::syntax::Highlighted;
use crate::components::tag_picker::TagPicker;
use crate::components::time::Time;
use crate::error::AppError;
use crate::model::event::{ConsoleTail, PlotData, SampleData};
use crate::model::format::{fmt_duration, fmt_time};
use crate::model::task::TaskDetail;
use crate::model::SeriesData;
use crate::model::State;
use crate::pages::task_edit::EditTab;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The tabs, as `?tab=` values and labels.
const TABS: &[(&str, &str)] = &[
    ("execution", "Execution"),
    ("configuration", "Configuration"),
    ("info", "Info"),
    ("artifacts", "Artifacts"),
    ("console", "Console"),
    ("scalars", "Scalars"),
    ("plots", "Plots"),
    ("samples", "Debug samples"),
    ("edit", "Edit"),
];

/// A tab's data: `None` while that tab is not the one shown.
type Fetched<T> = Resource<Result<Option<T>, AppError>>;

/// The data of the event tabs, fetched at page level (outside the views
/// that a refresh rebuilds), once per task and only while its tab is open:
/// a server render serializes each once, and a refresh of a running task
/// fetches only what changed.
#[derive(Clone, Copy)]
struct TabData {
    console: Fetched<ConsoleTail>,
    /// The console with the entries live refreshes appended (`None` until the first).
    live_console: RwSignal<Option<ConsoleTail>>,
    scalars: Fetched<Vec<SeriesData>>,
    /// The scalars with the points live refreshes appended (`None` until the first).
    live_scalars: RwSignal<Option<Vec<SeriesData>>>,
    plots: Fetched<Vec<PlotData>>,
    samples: Fetched<Vec<SampleData>>,
    /// The Scalars tab's smoothing, x axis and log scale: kept in the
    /// browser, and here so a refresh's rebuild of the tab keeps them.
    chart_options: RwSignal<crate::components::chart::ChartOptions>,
    /// The task and tab shown (a late answer for another is dropped).
    id: Memo<String>,
    tab: Memo<String>,
}

/// How far (in iterations) the least recent series may lag the newest one
/// before a live refresh rereads every series instead of a window from
/// there: a window that long would be downsampled on the server anyway.
const LIVE_WINDOW_MAX: i64 = 5_000;

/// A tab's data, fetched while `tab` is `key`.
fn tab_resource<T, Fut>(
    id: Memo<String>,
    tab: Memo<String>,
    key: &'static str,
    fetch: impl Fn(String) -> Fut + Send + Sync + 'static,
) -> Fetched<T>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new(
        move || (id.get(), tab.get() == key),
        move |(id, on)| {
            let pending = on.then(|| fetch(id));
            async move {
                match pending {
                    Some(f) => f.await.map(Some),
                    None => Ok(None),
                }
            }
        },
    )
}

impl TabData {
    fn new(id: Memo<String>, tab: Memo<String>) -> TabData {
        let data = TabData {
            console: tab_resource(id, tab, "console", task_console),
            live_console: RwSignal::new(None),
            scalars: tab_resource(id, tab, "scalars", |id| task_scalars(id, None, None)),
            live_scalars: RwSignal::new(None),
            plots: tab_resource(id, tab, "plots", task_plots),
            samples: tab_resource(id, tab, "samples", task_samples),
            chart_options: crate::components::chart::remembered_options(),
            id,
            tab,
        };
        // A fresh read of the scalars (another task, the tab reopened) starts over.
        Effect::new(move |_| {
            let _ = (id.get(), tab.get() == "scalars");
            data.forget_live_scalars();
        });
        // So does a fresh read of the console.
        Effect::new(move |_| {
            let _ = (id.get(), tab.get() == "console");
            data.forget_live_console();
        });
        data
    }

    /// Drops what live refreshes appended, so the next read shows the
    /// scalars as fetched.
    fn forget_live_scalars(self) {
        if self.live_scalars.with_untracked(Option::is_some) {
            self.live_scalars.set(None);
        }
    }

    /// Drops what live refreshes appended to the console.
    fn forget_live_console(self) {
        if self.live_console.with_untracked(Option::is_some) {
            self.live_console.set(None);
        }
    }

    /// Brings the open tab up to date while the task runs: the scalars and
    /// the console by appending what is new, the others by reading them again.
    fn refresh(self) {
        match self.tab.get_untracked().as_str() {
            "scalars" => self.append_new_scalars(self.id.get_untracked()),
            "console" => self.append_new_console(self.id.get_untracked()),
            _ => self.reload(),
        }
    }

    /// Fetches the console entries stored after the last one shown and
    /// appends them (the newest [`CONSOLE_PAGE`] stay); a console that
    /// showed nothing yet, or fell a whole page behind, is read again.
    fn append_new_console(self, id: String) {
        let shown =
            self.live_console.get_untracked().or_else(|| self.console.get_untracked().and_then(Result::ok).flatten());
        let Some(mut shown) = shown else { return };
        let Some(after) = shown.last_id else {
            self.reload();
            return;
        };
        leptos::task::spawn_local(async move {
            let Ok(newer) = task_console_after(id.clone(), after).await else { return };
            if self.id.get_untracked() != id || self.tab.get_untracked() != "console" {
                return;
            }
            if newer.entries.len() as i64 >= CONSOLE_PAGE {
                self.reload();
            } else if !newer.entries.is_empty() {
                shown.append(newer, CONSOLE_PAGE as usize);
                self.live_console.set(Some(shown));
            }
        });
    }

    /// Reads the open tab's data again from scratch (after a reset, an
    /// edit, an enqueue: anything may have changed).
    fn reload(self) {
        match self.tab.get_untracked().as_str() {
            "console" => {
                self.forget_live_console();
                self.console.refetch();
            }
            "plots" => self.plots.refetch(),
            "samples" => self.samples.refetch(),
            "scalars" => {
                self.forget_live_scalars();
                self.scalars.refetch();
            }
            _ => {}
        }
    }

    /// Fetches the points reported after those shown and appends them.
    fn append_new_scalars(self, id: String) {
        let shown =
            self.live_scalars.get_untracked().or_else(|| self.scalars.get_untracked().and_then(Result::ok).flatten());
        let Some(mut shown) = shown else { return };
        let from = shown.iter().map(SeriesData::next_x).min().unwrap_or(0);
        let newest = shown.iter().map(SeriesData::next_x).max().unwrap_or(0);
        // A series that stopped long ago (or reports rarely) would make the
        // window most of the run: read everything again instead.
        if newest - from > LIVE_WINDOW_MAX {
            self.reload();
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(fetched) = task_scalars(id.clone(), None, Some((from, i64::MAX))).await {
                let still_shown = self.id.get_untracked() == id && self.tab.get_untracked() == "scalars";
                if still_shown && fetched.iter().any(|s| !s.x.is_empty()) {
                    crate::model::event::append_points(&mut shown, fetched);
                    self.live_scalars.set(Some(shown));
                }
            }
        });
    }
}

/// `/tasks/:id`, and the SDK's `/projects/:project/tasks/:id/…` links.
#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    // The SDK's printed results link ends in `/output/log`: open the console there.
    let location = use_location();
    // An unknown `?tab=` opens the default tab, as no `?tab=` does.
    let tab = Memo::new(move |_| {
        query.read().get("tab").filter(|t| TABS.iter().any(|(key, _)| key == t)).unwrap_or_else(|| {
            if location.pathname.read().contains("/output/log") {
                "console".into()
            } else {
                "execution".into()
            }
        })
    });
    // The task as first read (and after an edit or an action: anything may
    // have changed, so the view is built again), and as live refreshes of a
    // running task read it since (the view follows in place).
    let detail = Resource::new(move || id.get(), get_task);
    let live = RwSignal::new(None::<TaskDetail>);
    Effect::new(move |_| {
        id.track();
        live.set(None);
    });
    // What the page shows now: the newest live read, else the first read.
    let shown = Memo::new(move |_| live.get().or_else(|| detail.get().and_then(Result::ok)));
    let data = TabData::new(id, tab);
    let refresh = Callback::new(move |_| {
        live.set(None);
        detail.refetch();
        data.reload();
    });
    // A running or queued task changes by itself: its status, progress,
    // console and scalars follow without a reload (the scalars by fetching
    // only the points after those shown).
    poll_while(
        move || {
            shown.with(|d| d.as_ref().is_some_and(|d| matches!(d.task.status.state(), State::Running | State::Pending)))
        },
        move || {
            let asked = id.get_untracked();
            leptos::task::spawn_local(async move {
                if let Ok(d) = get_task(asked.clone()).await {
                    if id.get_untracked() == asked && live.with_untracked(|l| l.as_ref() != Some(&d)) {
                        live.set(Some(d));
                    }
                }
            });
            data.refresh();
        },
    );
    view! {
        <Title text=move || match (shown.get(), detail.get()) {
            (Some(d), _) => format!("{} · Labbook", d.task.name),
            (None, Some(Err(e))) => crate::components::error::error_title(&e),
            (None, _) => "Task · Labbook".to_string(),
        }/>
        <Transition fallback=|| view! { <p>"Loading task…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <TaskView detail=d shown tab=tab refresh data/> }.into_any(),
                    Err(e) => view! { <PageError error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The task page's header, lifecycle buttons and tabs. Built once per read
/// of `detail`; a live refresh (which `shown` follows) updates the parts it
/// changes in place, so an open tab keeps its charts, search and scroll.
#[component]
fn TaskView(
    detail: TaskDetail,
    shown: Memo<Option<TaskDetail>>,
    tab: Memo<String>,
    refresh: Callback<()>,
    data: TabData,
) -> impl IntoView {
    let first = StoredValue::new(detail);
    let current = Memo::new(move |_| shown.get().unwrap_or_else(|| first.get_value()));
    let status = Memo::new(move |_| current.with(|d| d.task.status));
    let published = Memo::new(move |_| status.get() == crate::model::TaskStatus::Published);
    let id = first.with_value(|d| d.task.id.clone());
    let crumbs = first.with_value(|d| d.project.clone()).map(|p| {
        let href = format!("/projects/{}", p.id);
        view! { <nav class="crumbs" aria-label="breadcrumb"><A href="/">"Projects"</A>" › "<A href=href>{p.name}</A></nav> }
    });
    let can_write = crate::components::access::can_write();
    let project_name = first.with_value(|d| d.project.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let tabs = {
        let id = id.clone();
        move || {
            let editable = can_write && !published.get();
            TABS.iter()
                .filter(|(key, _)| editable || *key != "edit")
                .map(|(key, label)| {
                    let href = format!("/tasks/{id}?tab={key}");
                    let key = *key;
                    view! {
                        <A href=href attr:role="tab" attr:aria-selected=move || (tab.get() == key).to_string()
                           attr:class=move || if tab.get() == key { "tab active" } else { "tab" }>{*label}</A>
                    }
                })
                .collect_view()
        }
    };
    // Its own memo: the tables are drawn again only when a metric changed.
    let metrics = Memo::new(move |_| current.with(|d| d.metrics.clone()));
    let body = move || {
        let key = tab.get();
        // The event tabs follow live refreshes themselves (and the edit
        // form must not change under the cursor); the others are drawn
        // again when what they show changes.
        match key.as_str() {
            "console" => view! { <ConsoleTab id=id.clone() log=data.console live=data.live_console/> }.into_any(),
            "scalars" => view! { <ScalarsTab id=id.clone() metrics data/> }.into_any(),
            "plots" => view! { <PlotsTab id=id.clone() plots=data.plots/> }.into_any(),
            "samples" => view! { <SamplesTab id=id.clone() samples=data.samples/> }.into_any(),
            "edit" => {
                let task = current.get_untracked().task;
                view! { <EditTab task on_saved=refresh/> }.into_any()
            }
            "info" => (move || view! { <InfoTab detail=current.get()/> }).into_any(),
            "artifacts" => (move || view! { <ArtifactsTab detail=current.get()/> }).into_any(),
            "configuration" => (move || {
                status.track();
                view! { <ConfigurationTab detail=current.get_untracked()/> }
            })
            .into_any(),
            _ => (move || {
                status.track();
                view! { <ExecutionTab detail=current.get_untracked()/> }
            })
            .into_any(),
        }
    };
    let labels_open = RwSignal::new(false);
    let labels_button = move || {
        (can_write && !published.get()).then(|| {
            view! {
                <button type="button" class="link" data-testid="edit-labels" on:click=move |_| labels_open.set(true)>
                    "Rename, comment, tags"
                </button>
            }
        })
    };
    let labels_dialog = move || {
        labels_open.get().then(|| {
            let close = Callback::new(move |_| labels_open.set(false));
            let saved = Callback::new(move |_| {
                labels_open.set(false);
                refresh.run(());
            });
            view! { <LabelsDialog task=current.get_untracked().task on_close=close on_saved=saved/> }
        })
    };
    let name = move || current.with(|d| d.task.name.clone());
    let badge = move || view! { <StatusBadge status=status.get()/> };
    let progress = move || current.with(|d| view! { <ProgressBar status=d.task.status progress=d.task.progress()/> });
    let task_type = first.with_value(|d| d.task.task_type.as_str());
    let tags = move || {
        current.with(|d| d.task.tags.iter().map(|tag| view! { <span class="tag">{tag.clone()}</span> }).collect_view())
    };
    let comment = move || {
        current.with(|d| {
            (!d.task.comment.is_empty())
                .then(|| view! { <p class="comment" data-testid="task-comment">{d.task.comment.clone()}</p> })
        })
    };
    // Its buttons depend on the status: drawn again when that changes.
    let lifecycle = move || {
        status.track();
        can_write.then(|| {
            let task = current.get_untracked().task;
            view! { <LifecycleBar task project_name=project_name.clone() on_changed=refresh/> }
        })
    };
    view! {
        {crumbs}
        <header class="task-head">
            <h1>{name}</h1>
            {badge}
            {progress}
            <span class="muted">{task_type}</span>
            <span class="tags" data-testid="task-tags">{tags}</span>
            {labels_button}
        </header>
        {comment}
        {labels_dialog}
        {lifecycle}
        <nav class="tabs" role="tablist">{tabs}</nav>
        <section class="tab-body" role="tabpanel">{body}</section>
    }
}

/// A two-column table of labelled values.
fn fields(rows: Vec<(&'static str, String)>) -> impl IntoView {
    fields_of(rows.into_iter().map(|(k, v)| (k, v.into_any())).collect())
}

/// A two-column table of named values that are views (times, links).
fn fields_of(rows: Vec<(&'static str, AnyView)>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td class="mono">{v}</td></tr> })
        .collect_view();
    view! { <table class="fields"><tbody>{rows}</tbody></table> }
}

#[component]
fn ExecutionTab(detail: TaskDetail) -> impl IntoView {
    let s = detail.task.script;
    let c = detail.task.container;
    let pip = s.requirements.get("pip").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let diff_lines = s
        .diff
        .lines()
        .map(|l| {
            let class = if l.starts_with('+') && !l.starts_with("+++") {
                "add"
            } else if l.starts_with('-') && !l.starts_with("---") {
                "del"
            } else if l.starts_with("@@") {
                "hunk"
            } else {
                ""
            };
            view! { <span class=class>{l.to_string()}"\n"</span> }
        })
        .collect_view();
    view! {
        <h2>"Source"</h2>
        {fields(vec![
            ("Repository", s.repository),
            ("Branch", s.branch),
            ("Commit", s.version_num),
            ("Entry point", s.entry_point),
            ("Working directory", s.working_dir),
            ("Binary", s.binary),
        ])}
        <h2>"Uncommitted changes"</h2>
        {if s.diff.is_empty() {
            view! { <p class="empty">"No uncommitted changes."</p> }.into_any()
        } else {
            view! { <pre class="diff" data-testid="diff">{diff_lines}</pre> }.into_any()
        }}
        <h2>"Installed packages"</h2>
        <pre class="packages" data-testid="packages">{pip}</pre>
        <h2>"Container"</h2>
        {fields(vec![
            ("Image", c.image),
            ("Arguments", c.arguments),
            ("Setup script", c.setup_shell_script),
            ("Output destination", detail.task.output_destination.unwrap_or_default()),
        ])}
    }
}

#[component]
fn ConfigurationTab(detail: TaskDetail) -> impl IntoView {
    let sections = detail
        .task
        .hyperparams
        .into_iter()
        .map(|(section, params)| {
            let rows = params
                .into_values()
                .map(|p| {
                    view! {
                        <tr data-testid="hyperparam">
                            <td class="mono">{p.name}</td>
                            <td class="mono">{p.value}</td>
                            <td>{p.value_type.unwrap_or_default()}</td>
                            <td>{p.description.unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h2>{section.clone()}</h2>
                <table class="params" aria-label=section>
                    <thead><tr><th>"Name"</th><th>"Value"</th><th>"Type"</th><th>"Description"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
        .collect_view();
    let configs = detail
        .task
        .configuration
        .into_values()
        .map(|c| {
            view! {
                <h3>{c.name}<span class="muted">{c.item_type.map(|t| format!(" ({t})"))}</span></h3>
                <Highlighted text=c.value/>
            }
        })
        .collect_view();
    view! {
        <h2 class="group">"Hyperparameters"</h2>
        {sections}
        <h2 class="group">"Configuration objects"</h2>
        {configs}
    }
}

#[component]
fn InfoTab(detail: TaskDetail) -> impl IntoView {
    let user_name = detail.name_of(&detail.task.user);
    let changed_by = match detail.task.last_changed_by.as_str() {
        "" => String::new(),
        id => detail.name_of(id),
    };
    let t = detail.task;
    let runtime = t
        .runtime
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            view! { <tr><th scope="row">{k.clone()}</th><td class="mono">{v}</td></tr> }
        })
        .collect_view();
    let run_time = t.started.map(|s| fmt_duration(t.completed.unwrap_or(t.last_update) - s)).unwrap_or_default();
    let parent_name = detail.parent_name.clone();
    let kids = detail.children.clone();
    let children = (!kids.is_empty()).then(|| {
        let n = kids.len();
        let more = (n >= crate::model::task::CHILDREN_SHOWN).then(|| view! { <p class="muted">{format!("The newest {n} are shown.")}</p> });
        let items = kids
            .into_iter()
            .map(|(id, name, status)| {
                view! {
                    <li data-testid="child-task"><A href=format!("/tasks/{id}")>{name}</A>" "<StatusBadge status=status/></li>
                }
            })
            .collect_view();
        view! { <h2>"Child tasks"</h2><ul class="plain children">{items}</ul>{more} }
    });
    let metrics = detail
        .metrics
        .into_iter()
        .map(|m| {
            let at = m.last_iteration_label();
            view! {
                <tr><td>{m.metric}</td><td>{m.variant}</td>
                <td class="num" title=m.value.to_string()>{crate::model::format::fmt_number(m.value)}</td>
                <td class="num" title=m.min_value.to_string()>{crate::model::format::fmt_number(m.min_value)}</td>
                <td class="num" title=m.max_value.to_string()>{crate::model::format::fmt_number(m.max_value)}</td>
                <td class="num">{at}</td></tr>
            }
        })
        .collect_view();
    view! {
        {fields_of(vec![
            ("ID", t.id.clone().into_any()),
            ("Project", detail.project.as_ref().map(|p| p.name.clone()).unwrap_or_default().into_any()),
            ("Type", t.task_type.as_str().to_string().into_any()),
            ("Status", format!("{} ({})", t.status.state().label(), t.status).into_any()),
            ("Status reason", t.status_reason.clone().into_any()),
            ("Status message", t.status_message.clone().into_any()),
            ("Parent", match t.parent.clone() {
                Some(p) => {
                    let label = parent_name.clone().unwrap_or_else(|| p.clone());
                    view! { <A href=format!("/tasks/{p}") attr:data-testid="parent-link">{label}</A> }.into_any()
                }
                None => ().into_any(),
            }),
            ("User", user_name.into_any()),
            ("Last changed by", changed_by.into_any()),
            ("Created", view! { <Time ms=Some(t.created)/> }.into_any()),
            ("Started", view! { <Time ms=t.started/> }.into_any()),
            ("Completed", view! { <Time ms=t.completed/> }.into_any()),
            ("Last update", view! { <Time ms=Some(t.last_update)/> }.into_any()),
            ("Run time", run_time.into_any()),
            ("Last iteration", t.last_iteration.to_string().into_any()),
            ("Tags", t.tags.join(", ").into_any()),
            ("System tags", t.system_tags.join(", ").into_any()),
            ("Worker", t.last_worker.clone().unwrap_or_default().into_any()),
            ("Queue", t.execution_queue.clone().unwrap_or_default().into_any()),
        ])}
        {children}
        <h2>"Runtime properties"</h2>
        <table class="fields" data-testid="runtime"><tbody>{runtime}</tbody></table>
        <h2>"Last metrics"</h2>
        <table class="params">
            <thead><tr><th>"Metric"</th><th>"Variant"</th><th>"Last"</th><th>"Min"</th><th>"Max"</th><th>"Iteration"</th></tr></thead>
            <tbody>{metrics}</tbody>
        </table>
    }
}

/// The console: the newest entries with search, jumps to either end, the
/// whole log as a download, and (through the page's polling) a live tail.
#[component]
fn ConsoleTab(id: String, log: Fetched<ConsoleTail>, live: RwSignal<Option<ConsoleTail>>) -> impl IntoView {
    let download = format!("/export/console/{id}.txt");

    let search = RwSignal::new(String::new());
    let console_ref = NodeRef::<leptos::html::Pre>::new();
    let jump = move |to_end: bool| {
        if let Some(el) = console_ref.get_untracked() {
            el.set_scroll_top(if to_end { el.scroll_height() } else { 0 });
        }
    };
    // A new tail scrolls to the end, as `tail -f` does.
    Effect::new(move |_| {
        if log.get().is_some() || live.with(Option::is_some) {
            jump(true);
        }
    });
    view! {
        <div class="console-bar" role="toolbar" aria-label="console">
            <input type="search" aria-label="Search the console" placeholder="Search the console"
                prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            <button type="button" on:click=move |_| jump(false)>"Jump to start"</button>
            <button type="button" on:click=move |_| jump(true)>"Jump to end"</button>
            <a class="button" href=download rel="external" download="">"Download"</a>
        </div>
        <Transition fallback=|| view! { <p>"Loading console…"</p> }>
            {move || Suspend::new(async move {
                // What live refreshes appended, once there is any.
                let fetched = log.await;
                let answer = match live.get() {
                    Some(tail) => Ok(Some(tail)),
                    None => fetched,
                };
                match answer {
                    Ok(None) => view! { <p>"Loading console…"</p> }.into_any(),
                    Ok(Some(tail)) if tail.entries.is_empty() => view! { <p class="empty">"No console output."</p> }.into_any(),
                    Ok(Some(tail)) => {
                        let shown = tail.entries.len() as i64;
                        let note = (tail.total > shown).then(|| view! {
                            <p class="hint">{format!("Showing the last {shown} of {} entries; download for all.", tail.total)}</p>
                        });
                        // One entry holds every line the SDK flushed at once: search line by line.
                        let lines: Vec<(i64, bool, String)> = tail
                            .entries
                            .iter()
                            .flat_map(|e| {
                                let err = e.level.eq_ignore_ascii_case("error");
                                e.msg.lines().map(move |l| (e.timestamp, err, l.to_string()))
                            })
                            .collect();
                        let lines = StoredValue::new(lines);
                        // Filtered once per search, read by the count and the lines.
                        let matching = Memo::new(move |_| {
                            let needle = search.get().to_lowercase();
                            lines.with_value(|all| {
                                all.iter()
                                    .filter(|(_, _, l)| needle.is_empty() || l.to_lowercase().contains(&needle))
                                    .cloned()
                                    .collect::<Vec<_>>()
                            })
                        });
                        let count = move || {
                            let needle = search.get();
                            (!needle.is_empty()).then(|| {
                                let n = matching.with(Vec::len);
                                view! { <p class="hint" data-testid="console-matches">{format!("{n} matching lines")}</p> }
                            })
                        };
                        let lines = move || {
                            matching
                                .get()
                                .into_iter()
                                .map(|(ts, err, line)| {
                                    let class = if err { "line err" } else { "line" };
                                    view! { <div class=class><span class="ts">{fmt_time(ts)}</span>" "{line}</div> }
                                })
                                .collect_view()
                        };
                        view! {
                            {note}
                            {count}
                            <pre class="console" data-testid="console" node_ref=console_ref tabindex="0">{lines}</pre>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Edits what names a task (name, comment, tags) while it is not published;
/// saved at the revision it was opened from, so a concurrent change is
/// reported rather than overwritten.
#[component]
fn LabelsDialog(task: crate::model::Task, on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(task.name.clone());
    let comment = RwSignal::new(task.comment.clone());
    let tags = RwSignal::new(task.tags.clone());
    // The tags in use in its project, to pick from.
    let project = task.project.clone();
    let known = LocalResource::new(move || crate::api::tasks::known_tags(project.clone()));
    let suggest = Signal::derive(move || known.get().and_then(Result::ok).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let (id, revision) = (task.id.clone(), task.revision);
    let save = Action::new(move |(n, c, t): &(String, String, Vec<String>)| {
        let (id, n, c, t) = (id.clone(), n.clone(), c.clone(), t.clone());
        async move { crate::api::tasks::save_labels(id, revision, n, c, t).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_saved.run(()),
        Some(Err(e)) => error.set(Some(e.user_message())),
        None => {}
    });
    view! {
        <Dialog labelledby="labels-title" on_close>
            <form on:submit=move |ev| {
                ev.prevent_default();
                if let Err(m) = crate::model::check_name("task", &name.get_untracked()) {
                    error.set(Some(m));
                    return;
                }
                save.dispatch((name.get_untracked(), comment.get_untracked(), tags.get_untracked()));
            }>
                <h2 id="labels-title">"Rename, comment, tags"</h2>
                <label class="field"><span>"Name"</span>
                    <input type="text" name="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label class="field"><span>"Comment"</span>
                    <textarea name="comment" rows="3" prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea></label>
                <TagPicker chosen=tags suggest id="labels-tags" label="Tags (comma-separated)"/>
                {move || error.get().map(|e| view! { <ErrorBox message=e/> })}
                <div class="buttons">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// Scalars: the exact first/last/min/max table, then one chart per metric
/// with smoothing, x-axis and log-scale controls. A live refresh updates the
/// tables and redraws the charts in place.
#[component]
fn ScalarsTab(id: String, metrics: Memo<Vec<crate::model::task::MetricSummary>>, data: TabData) -> impl IntoView {
    let task = id;
    let options = data.chart_options;
    let tables = move || {
        let (singles, series): (Vec<_>, Vec<_>) = metrics.get().into_iter().partition(|m| m.is_single_value());
        let summary = (!singles.is_empty()).then(|| view! { <SummaryTable metrics=singles/> });
        let table = (!series.is_empty()).then(|| view! { <ValuesTable metrics=series/> });
        view! { {summary}{table} }
    };
    // The controls change only when a metric or series appears.
    let names = Memo::new(move |_| {
        metrics.with(|all| {
            let pairs: Vec<(String, String)> =
                all.iter().filter(|m| !m.is_single_value()).map(|m| (m.metric.clone(), m.variant.clone())).collect();
            let names: Vec<String> =
                crate::components::grouped(&pairs, |(m, _)| m.clone()).into_iter().map(|(m, _)| m).collect();
            (names, pairs)
        })
    });
    let controls = move || {
        let (names, pairs) = names.get();
        view! { <ChartControls options metrics=names series=pairs/> }
    };
    view! {
        {tables}
        {controls}
        <Transition fallback=|| view! { <p>"Loading scalars…"</p> }>
            {move || {
                let task = task.clone();
                Suspend::new(async move {
                    match data.scalars.await {
                        Ok(Some(read)) => {
                            // As read, and then with what live refreshes appended.
                            let read = StoredValue::new(read);
                            let series =
                                Memo::new(move |_| data.live_scalars.get().unwrap_or_else(|| read.get_value()));
                            let embed = vec![task.clone()];
                            view! { <ScalarCharts series options task embed/> }.into_any()
                        }
                        Ok(None) => view! { <p>"Loading scalars…"</p> }.into_any(),
                        Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn PlotsTab(id: String, plots: Fetched<Vec<PlotData>>) -> impl IntoView {
    let id = StoredValue::new(id);
    view! {
        <Transition fallback=|| view! { <p>"Loading plots…"</p> }>
            {move || Suspend::new(async move {
                match plots.await {
                    Ok(Some(p)) => view! { <Figures plots=p task=id.get_value()/> }.into_any(),
                    Ok(None) => view! { <p>"Loading plots…"</p> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SamplesTab(id: String, samples: Fetched<Vec<SampleData>>) -> impl IntoView {
    let id = StoredValue::new(id);
    view! {
        <Transition fallback=|| view! { <p>"Loading debug samples…"</p> }>
            {move || Suspend::new(async move {
                match samples.await {
                    Ok(Some(s)) => view! { <Samples samples=s task=id.get_value()/> }.into_any(),
                    Ok(None) => view! { <p>"Loading debug samples…"</p> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A human-readable byte count.
fn fmt_bytes(n: i64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / f64::from(1 << 10)),
        n => format!("{n} B"),
    }
}

#[component]
fn ArtifactsTab(detail: TaskDetail) -> impl IntoView {
    let text = |a: &serde_json::Value, k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let artifacts = detail
        .task
        .artifacts
        .iter()
        .map(|a| {
            let preview = a.pointer("/type_data/preview").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let size = a.get("content_size").and_then(|v| v.as_i64()).map(fmt_bytes).unwrap_or_default();
            let uri = text(a, "uri");
            let download = detail.downloads.get(&uri).cloned().map(|url| {
                view! { <a href=url rel="external" download="">"download"</a> }
            });
            view! {
                <tr data-testid="artifact">
                    <td class="mono">{text(a, "key")}</td>
                    <td>{text(a, "type")}</td>
                    <td>{text(a, "mode")}</td>
                    <td class="num">{size}</td>
                    <td class="mono">{text(a, "hash").chars().take(12).collect::<String>()}</td>
                    <td class="mono">{uri}" "{download}</td>
                    <td><pre class="preview">{preview}</pre></td>
                </tr>
            }
        })
        .collect_view();
    let id = detail.task.id.clone();
    let models = Resource::new(move || id.clone(), task_models);
    view! {
        <h2>"Artifacts"</h2>
        <table class="params" aria-label="artifacts">
            <thead><tr><th>"Name"</th><th>"Type"</th><th>"Mode"</th><th>"Size"</th><th>"Hash"</th><th>"URI"</th><th>"Preview"</th></tr></thead>
            <tbody>{artifacts}</tbody>
        </table>
        <h2>"Models"</h2>
        <Suspense fallback=|| view! { <p>"Loading models…"</p> }>
            {move || Suspend::new(async move {
                match models.await {
                    Ok(list) => {
                        let rows = list
                            .into_iter()
                            .map(|m| {
                                let (uri, framework) = m
                                    .model
                                    .as_ref()
                                    .map(|x| (x.uri.clone(), x.framework.clone().unwrap_or_default()))
                                    .unwrap_or_else(|| ("(deleted)".into(), String::new()));
                                let page = format!("/models/{}", m.model_id);
                                let download = m.download.map(|url| view! { " "<a href=url rel="external" download="">"download"</a> });
                                view! {
                                    <tr data-testid="model">
                                        <td>{m.kind.as_str()}</td><td><A href=page>{m.name}</A></td><td>{framework}</td>
                                        <td class="mono">{uri}{download}</td><td class="mono">{m.model_id}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <table class="params" aria-label="models">
                                <thead><tr><th>"Kind"</th><th>"Name"</th><th>"Framework"</th><th>"URI"</th><th>"ID"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
