//! `/reports` and `/reports/:id`: ClearML's Markdown reports. The list
//! shows a card per report (name, project, owner, last update, status,
//! description, tags), searched and split into active and archived ones;
//! New report asks for a name, a project and a description. A report's
//! page shows its Markdown (rendered and sanitized on the server) with its
//! embedded charts drawn live; a draft is edited in place (Markdown, with a
//! preview and a helper that writes an embed), published (which locks it),
//! archived, restored, and, once archived, deleted.

use crate::api::projects::list_projects;
use crate::api::reports::{
    create_report, get_report, list_reports, preview_report, run_report_action, save_report, ReportAction,
};
use crate::components::dialog::Dialog;
use crate::components::error::{ErrorBox, PageError};
use crate::components::report_widget::ReportWidget;
use crate::components::status::StatusBadge;
use crate::components::time::Time;
use crate::model::report::{ReportBlock, ReportCard, ReportQuery, ReportView, Widget};
use crate::model::table::encode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

/// The list's URL for a query.
fn list_href(q: &ReportQuery) -> String {
    let mut params = Vec::new();
    if !q.search.is_empty() {
        params.push(format!("q={}", encode(&q.search)));
    }
    if q.archived {
        params.push("archived=1".to_string());
    }
    if params.is_empty() {
        "/reports".to_string()
    } else {
        format!("/reports?{}", params.join("&"))
    }
}

/// The reports page.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let m = params.read();
        ReportQuery { search: m.get("q").unwrap_or_default(), archived: m.get("archived").as_deref() == Some("1") }
    });
    let reports = Resource::new(move || query.get(), list_reports);
    let creating = RwSignal::new(false);
    view! {
        <Title text="Reports · Labbook"/>
        <header class="page-head">
            <h1>"Reports"</h1>
            <button type="button" class="primary" data-testid="new-report" on:click=move |_| creating.set(true)>"New report"</button>
        </header>
        {move || view! { <ReportFilters query=query.get()/> }}
        <Transition fallback=|| view! { <p>"Loading reports…"</p> }>
            {move || Suspend::new(async move {
                match reports.await {
                    Ok(cards) if cards.is_empty() => {
                        let q = query.get_untracked();
                        let text = if !q.search.is_empty() {
                            "No report matches."
                        } else if q.archived {
                            "No archived reports."
                        } else {
                            "No reports yet: New report starts one."
                        };
                        view! { <p class="empty">{text}</p> }.into_any()
                    }
                    Ok(cards) => view! { <div class="report-cards">{cards.into_iter().map(|c| view! { <Card card=c/> }).collect_view()}</div> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
        {move || creating.get().then(|| view! { <NewReportDialog on_close=Callback::new(move |_| creating.set(false))/> })}
    }
}

/// Search and the active/archived switch; each change navigates.
#[component]
fn ReportFilters(query: ReportQuery) -> impl IntoView {
    let nav = use_navigate();
    let search = RwSignal::new(query.search.clone());
    let archived = query.archived;
    let active_href = list_href(&ReportQuery { archived: false, ..query.clone() });
    let archived_href = list_href(&ReportQuery { archived: true, ..query.clone() });
    view! {
        <form class="filters" role="search" data-testid="report-filters"
            on:submit=move |ev| {
                ev.prevent_default();
                let q = ReportQuery { search: search.get_untracked().trim().to_string(), archived };
                nav(&list_href(&q), NavigateOptions::default());
            }>
            <label class="field grow">
                <span>"Search"</span>
                <input type="search" name="q" placeholder="name or description" prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            </label>
            <button type="submit">"Search"</button>
            <nav class="segmented" aria-label="which reports">
                <A href=active_href attr:aria-current=(!archived).then_some("page")>"Active"</A>
                <A href=archived_href attr:aria-current=archived.then_some("page")>"Archived"</A>
            </nav>
        </form>
    }
}

/// One report's card.
#[component]
fn Card(card: ReportCard) -> impl IntoView {
    let href = format!("/reports/{}", card.id);
    let project = card.project.map(|(id, name)| view! { <A href=format!("/projects/{id}")>{name}</A> });
    let tags = card.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view();
    view! {
        <article class="card report-card" data-testid="report-card">
            <h2><A href=href>{card.name}</A></h2>
            <p class="muted">{project.map(|p| p.into_any()).unwrap_or_else(|| "(top level)".into_any())}" · "{card.user}" · "<Time ms=Some(card.updated) relative=true/></p>
            <p><StatusBadge status=card.status/></p>
            <p class="report-comment">{card.comment}</p>
            <p class="tags">{tags}</p>
        </article>
    }
}

/// New report: name, project and description; opens the new report to
/// edit.
#[component]
fn NewReportDialog(on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let projects = Resource::new(|| (), |_| list_projects());
    let nav = use_navigate();
    let create = Action::new(move |(n, p, c): &(String, String, String)| {
        let (n, p, c) = (n.clone(), p.clone(), c.clone());
        async move { create_report(n, Some(p), c).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            nav(&format!("/reports/{id}?edit=1"), NavigateOptions::default());
        }
    });
    let options = move || {
        projects.get().and_then(Result::ok).map(|ps| {
            ps.into_iter()
                .filter(|p| !p.project.name.split('/').any(|seg| seg.starts_with('.')))
                .map(|p| view! { <option value=p.project.id.clone()>{p.project.name.clone()}</option> })
                .collect_view()
        })
    };
    let error = move || match create.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.user_message()}</p> }),
        _ => None,
    };
    view! {
        <Dialog labelledby="new-report-title" on_close>
            <h2 id="new-report-title">"New report"</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch((name.get_untracked(), project.get_untracked(), comment.get_untracked()));
            }>
                <label class="field"><span>"Name"</span>
                    <input name="name" required=true minlength="3" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label class="field"><span>"Project"</span>
                    <select name="project" on:change=move |ev| project.set(event_target_value(&ev))>
                        <option value="">"(top level)"</option>
                        <Transition fallback=|| ()>{options}</Transition>
                    </select>
                </label>
                <label class="field"><span>"Description"</span>
                    <textarea name="comment" rows="3" prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                {error}
                <div class="buttons">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// The report page.
#[component]
pub fn ReportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let version = RwSignal::new(0u64);
    let report =
        Resource::new(move || (params.read().get("id").unwrap_or_default(), version.get()), |(id, _)| get_report(id));
    // `?edit=1` (a new report) opens the editor once, not after each save.
    let start_editing = StoredValue::new(query.read_untracked().get("edit").as_deref() == Some("1"));
    view! {
        <Title text=move || match report.get() {
            Some(Ok(r)) => format!("{} · Reports · Labbook", r.card.name),
            Some(Err(e)) => crate::components::error::error_title(&e),
            None => "Report · Labbook".to_string(),
        }/>
        <Transition fallback=|| view! { <p>"Loading report…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => {
                        let editing = start_editing.get_value() && r.card.editable() && !r.card.archived;
                        start_editing.set_value(false);
                        view! { <ReportDoc report=r editing version/> }.into_any()
                    }
                    Err(e) => view! { <PageError error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A report's blocks: sanitized HTML and embedded charts.
#[component]
fn Blocks(blocks: Vec<ReportBlock>) -> impl IntoView {
    if blocks.is_empty() {
        return view! { <p class="empty">"This report is empty."</p> }.into_any();
    }
    blocks
        .into_iter()
        .enumerate()
        .map(|(n, b)| match b {
            ReportBlock::Html(html) => view! { <div class="report-text" inner_html=html></div> }.into_any(),
            ReportBlock::Widget(widget) => view! { <ReportWidget widget n/> }.into_any(),
        })
        .collect_view()
        .into_any()
}

#[component]
fn ReportDoc(report: ReportView, editing: bool, version: RwSignal<u64>) -> impl IntoView {
    let ReportView { card, markdown, blocks } = report;
    let editing = RwSignal::new(editing);
    let asking = RwSignal::new(None::<ReportAction>);
    let nav = use_navigate();
    let id = StoredValue::new(card.id.clone());
    let act = Action::new(move |a: &ReportAction| {
        let a = *a;
        async move { run_report_action(id.get_value(), a).await.map(|()| a) }
    });
    Effect::new(move |_| match act.value().get() {
        Some(Ok(ReportAction::Delete)) => nav("/reports?archived=1", NavigateOptions::default()),
        Some(Ok(_)) => version.update(|v| *v += 1),
        _ => {}
    });
    let failed = move || match act.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.user_message()}</p> }),
        _ => None,
    };
    let (editable, archived) = (card.editable(), card.archived);
    let button = move |a: ReportAction, label: &'static str| {
        view! {
            <button type="button" data-action=label disabled=move || act.pending().get()
                on:click=move |_| match a {
                    ReportAction::Publish | ReportAction::Delete => asking.set(Some(a)),
                    _ => { act.dispatch(a); }
                }>{label}</button>
        }
    };
    let actions = view! {
        <div class="actions" data-testid="report-actions">
            {(editable && !archived).then(|| view! {
                <button type="button" data-action="Edit" on:click=move |_| editing.set(true)
                    style:display=move || if editing.get() { "none" } else { "" }>"Edit"</button>
            })}
            {(editable && !archived).then(|| button(ReportAction::Publish, "Publish"))}
            {(!archived).then(|| button(ReportAction::Archive, "Archive"))}
            {archived.then(|| button(ReportAction::Restore, "Restore"))}
            {archived.then(|| button(ReportAction::Delete, "Delete"))}
        </div>
    };
    let confirm = move || {
        let a = asking.get()?;
        let close = Callback::new(move |_| asking.set(None));
        let (title, text, go) = match a {
            ReportAction::Publish => (
                "Publish this report?",
                "A published report is locked: its text can no longer be edited (its name, description and tags can).",
                "Publish",
            ),
            _ => ("Delete this report?", "The report is removed for good; the tasks it shows stay.", "Delete"),
        };
        Some(view! {
            <Dialog labelledby="report-confirm-title" on_close=close>
                <h2 id="report-confirm-title">{title}</h2>
                <p>{text}</p>
                <div class="buttons">
                    <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="button" class="primary" data-testid="confirm" on:click=move |_| {
                        asking.set(None);
                        act.dispatch(a);
                    }>{go}</button>
                </div>
            </Dialog>
        })
    };
    let project = card.project.clone().map(|(pid, name)| view! { <A href=format!("/projects/{pid}")>{name}</A> });
    let shown = StoredValue::new(blocks);
    let saved = StoredValue::new((card.name.clone(), card.comment.clone(), markdown));
    view! {
        <nav class="crumbs" aria-label="breadcrumb"><A href="/reports">"Reports"</A>" › "{project}</nav>
        <header class="task-head">
            <h1>{card.name.clone()}</h1>
            <StatusBadge status=card.status/>
            {archived.then(|| view! { <span class="badge">"Archived"</span> })}
        </header>
        <p class="muted">{card.user.clone()}" · updated "<Time ms=Some(card.updated) relative=true/></p>
        {(!card.comment.is_empty()).then(|| view! { <p class="report-comment">{card.comment.clone()}</p> })}
        {actions}
        {failed}
        {confirm}
        {move || if editing.get() {
            let (name, comment, markdown) = saved.get_value();
            view! { <ReportEditor id=id.get_value() name comment markdown editing version/> }.into_any()
        } else {
            view! { <article class="report" data-testid="report-body"><Blocks blocks=shown.get_value()/></article> }.into_any()
        }}
    }
}

/// The editor of a draft report: name, description and Markdown; Preview
/// shows it as it will read, Save keeps it, Cancel drops the changes.
#[component]
fn ReportEditor(
    id: String,
    name: String,
    comment: String,
    markdown: String,
    editing: RwSignal<bool>,
    version: RwSignal<u64>,
) -> impl IntoView {
    let name = RwSignal::new(name);
    let comment = RwSignal::new(comment);
    let text = RwSignal::new(markdown);
    let id = StoredValue::new(id);
    let save = Action::new(move |_: &()| {
        let (n, c, t) = (name.get_untracked(), comment.get_untracked(), text.get_untracked());
        async move { save_report(id.get_value(), n, c, t).await }
    });
    let nav = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(false);
            version.update(|v| *v += 1);
            let replace = NavigateOptions { replace: true, ..NavigateOptions::default() };
            nav(&format!("/reports/{}", id.get_value()), replace);
        }
    });
    let preview = Action::new(move |_: &()| {
        let t = text.get_untracked();
        async move { preview_report(t).await }
    });
    let error = move || match save.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.user_message()}</p> }),
        _ => None,
    };
    let preview_view = move || {
        preview.value().get().map(|r| match r {
            Ok(blocks) => view! {
                <section class="report-preview" data-testid="report-preview" aria-label="preview">
                    <h2>"Preview"</h2>
                    <article class="report"><Blocks blocks/></article>
                </section>
            }
            .into_any(),
            Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
        })
    };
    view! {
        <form class="report-editor" data-testid="report-editor" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(());
        }>
            <label class="field"><span>"Name"</span>
                <input name="name" required=true minlength="3" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label class="field"><span>"Description"</span>
                <textarea name="comment" rows="2" prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field"><span>"Text (Markdown)"</span>
                <textarea name="markdown" class="mono" rows="18" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <EmbedHelper text/>
            {error}
            <div class="buttons">
                <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                <button type="button" data-action="Preview" on:click=move |_| { preview.dispatch(()); }>"Preview"</button>
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
            </div>
        </form>
        {preview_view}
    }
}

/// Writes an embed (ClearML's snippet) at the end of the text: what it
/// draws, of which tasks, which metric and variant.
#[component]
fn EmbedHelper(text: RwSignal<String>) -> impl IntoView {
    let kind = RwSignal::new("scalar".to_string());
    let tasks = RwSignal::new(String::new());
    let metric = RwSignal::new(String::new());
    let variant = RwSignal::new(String::new());
    let insert = move |_| {
        let ids: Vec<String> = tasks
            .get_untracked()
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ids.is_empty() {
            return;
        }
        let snippet =
            Widget::snippet(&kind.get_untracked(), &ids, metric.get_untracked().trim(), variant.get_untracked().trim());
        text.update(|t| {
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push('\n');
            t.push_str(&snippet);
            t.push('\n');
        });
    };
    view! {
        <fieldset class="embed-helper" data-testid="embed-helper">
            <legend>"Embed a chart"</legend>
            <label class="field"><span>"Chart"</span>
                <select name="embed-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="scalar">"Scalars"</option>
                    <option value="plot">"Plots"</option>
                    <option value="sample">"Debug samples"</option>
                    <option value="single">"Single values"</option>
                </select>
            </label>
            <label class="field grow"><span>"Task ids"</span>
                <input name="embed-tasks" placeholder="one or more, comma-separated" prop:value=tasks on:input=move |ev| tasks.set(event_target_value(&ev))/>
            </label>
            <label class="field"><span>"Metric"</span>
                <input name="embed-metric" placeholder="all" prop:value=metric on:input=move |ev| metric.set(event_target_value(&ev))/>
            </label>
            <label class="field"><span>"Variant"</span>
                <input name="embed-variant" placeholder="all" prop:value=variant on:input=move |ev| variant.set(event_target_value(&ev))/>
            </label>
            <button type="button" data-action="Insert chart" on:click=insert>"Insert chart"</button>
        </fieldset>
    }
}
