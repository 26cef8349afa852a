//! `/models`: every registered model (or one project's, `?project=<id>`),
//! searched, filtered by state, framework and tag, sorted, paged, and
//! published, archived or restored in bulk. The view lives in the URL, as
//! the tasks table's does.

use crate::api::models::{list_models, run_model_action};
use crate::components::dialog::Dialog;
use crate::components::error::ErrorBox;
use crate::components::time::Time;
use crate::model::model::{ModelAction, ModelQuery, ModelSort, ModelState, ModelTable, MODEL_PAGE_SIZE};
use crate::model::table::ActionReport;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::collections::BTreeSet;

/// The models page.
#[component]
pub fn ModelsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let m = params.read();
        ModelQuery::from_params(m.get("project").filter(|p| !p.is_empty()), |k| m.get(k))
    });
    let version = RwSignal::new(0u64);
    let table = Resource::new(move || (query.get(), version.get()), |(q, _)| list_models(q));
    let selection = RwSignal::new(BTreeSet::<String>::new());
    // Outlives the refetch an action triggers, so its report stays shown.
    let report = RwSignal::new(None::<Result<ActionReport, String>>);
    let refresh = Callback::new(move |_| version.update(|v| *v += 1));
    view! {
        <Title text="Models · Labbook"/>
        <h1>"Models"</h1>
        {move || view! { <ModelFilters query=query.get()/> }}
        {move || report.get().map(|r| match r {
            Ok(r) => {
                let skipped = (!r.skipped.is_empty()).then(|| format!(" Skipped: {}.", r.skipped.join("; ")));
                view! { <p class="notice" role="status">{format!("Done for {} model{}.", r.applied, if r.applied == 1 { "" } else { "s" })}{skipped}</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading models…"</p> }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                match table.await {
                    Ok(t) => view! { <ModelTableView table=t query=q selection report on_done=refresh/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Search, state, framework and tag filters and the archive switch; every
/// change navigates.
#[component]
fn ModelFilters(query: ModelQuery) -> impl IntoView {
    let nav = use_navigate();
    let q = StoredValue::new(query.clone());
    let go = Callback::new(move |change: Box<dyn FnOnce(&mut ModelQuery) + Send + Sync>| {
        let mut next = q.get_value();
        change(&mut next);
        next.page = 0;
        nav(&next.href(), NavigateOptions::default());
    });
    let search = RwSignal::new(query.search.clone());
    let state = query.state.map(ModelState::as_str).unwrap_or("");
    view! {
        <form class="filters" role="search" data-testid="model-filters"
            on:submit=move |ev| {
                ev.prevent_default();
                let s = search.get_untracked();
                go.run(Box::new(move |q| q.search = s));
            }>
            <label class="field grow">
                <span>"Search"</span>
                <input type="search" name="q" placeholder="model name" prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            </label>
            <button type="submit">"Search"</button>
            <label class="field">
                <span>"State"</span>
                <select name="state" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    go.run(Box::new(move |q| q.state = match v.as_str() {
                        "draft" => Some(ModelState::Draft),
                        "published" => Some(ModelState::Published),
                        _ => None,
                    }));
                }>
                    <option value="" selected=state.is_empty()>"Any"</option>
                    <option value="draft" selected=state == "draft">"Draft"</option>
                    <option value="published" selected=state == "published">"Published"</option>
                </select>
            </label>
            <label class="field">
                <span>"Framework"</span>
                <input type="text" name="framework" list="model-frameworks" value=query.framework.clone()
                    on:change=move |ev| { let v = event_target_value(&ev); go.run(Box::new(move |q| q.framework = v)); }/>
            </label>
            <label class="field">
                <span>"Tag"</span>
                <input type="text" name="tag" list="model-tags" value=query.tag.clone()
                    on:change=move |ev| { let v = event_target_value(&ev); go.run(Box::new(move |q| q.tag = v)); }/>
            </label>
            <label class="check">
                <input type="checkbox" name="archived" checked=query.archived
                    on:change=move |ev| { let on = event_target_checked(&ev); go.run(Box::new(move |q| q.archived = on)); }/>
                "Archived"
            </label>
        </form>
    }
}

/// The table, its bulk buttons and its pager.
#[component]
fn ModelTableView(
    table: ModelTable,
    query: ModelQuery,
    selection: RwSignal<BTreeSet<String>>,
    report: RwSignal<Option<Result<ActionReport, String>>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let datalists = view! {
        <datalist id="model-frameworks">{table.frameworks.iter().map(|f| view! { <option value=f.clone()/> }).collect_view()}</datalist>
        <datalist id="model-tags">{table.tags.iter().map(|t| view! { <option value=t.clone()/> }).collect_view()}</datalist>
    };
    let no_rows = table.rows.is_empty();
    // Only rows on this page stay selected.
    let shown: BTreeSet<String> = table.rows.iter().map(|r| r.model.id.clone()).collect();
    selection.update_untracked(|s| s.retain(|id| shown.contains(id)));
    let models = StoredValue::new(table.rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>());
    let applicable = move |action: ModelAction| {
        let sel = selection.get();
        models.with_value(|ms| {
            ms.iter().filter(|m| sel.contains(&m.id) && action.applies_to(m)).map(|m| m.id.clone()).collect::<Vec<_>>()
        })
    };
    let act = Action::new(move |(action, ids): &(ModelAction, Vec<String>)| {
        let (action, ids) = (*action, ids.clone());
        async move { run_model_action(action, ids).await }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            report.set(Some(r.map_err(|e| e.user_message())));
            selection.set(BTreeSet::new());
            on_done.run(());
        }
    });
    let asking_publish = RwSignal::new(false);
    let button = move |action: ModelAction| {
        let label = move || {
            let n = applicable(action).len();
            if n > 0 {
                format!("{} ({n})", action.label())
            } else {
                action.label().to_string()
            }
        };
        view! {
            <button type="button" data-action=action.label() disabled=move || applicable(action).is_empty() || act.pending().get()
                on:click=move |_| {
                    if action == ModelAction::Publish {
                        asking_publish.set(true);
                    } else {
                        act.dispatch((action, applicable(action)));
                    }
                }>{label}</button>
        }
    };
    let publish_dialog = move || {
        asking_publish.get().then(|| {
            let close = Callback::new(move |_| asking_publish.set(false));
            let n = applicable(ModelAction::Publish).len();
            let what = format!("{n} model{}", if n == 1 { "" } else { "s" });
            view! {
                <Dialog labelledby="publish-models-title" on_close=close>
                    <h2 id="publish-models-title">{format!("Publish {what}?")}</h2>
                    <p>"A published model is final: it cannot be edited, unpublished or deleted. Its task stays as it is."</p>
                    <div class="buttons">
                        <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
                        <button type="button" class="primary" on:click=move |_| {
                            asking_publish.set(false);
                            act.dispatch((ModelAction::Publish, applicable(ModelAction::Publish)));
                        }>{format!("Publish {what}")}</button>
                    </div>
                </Dialog>
            }
        })
    };
    let sort_header = |key: ModelSort, label: &'static str| {
        let arrow = (query.sort == key).then_some(if query.ascending { " ▲" } else { " ▼" });
        let aria = if query.sort == key {
            if query.ascending {
                "ascending"
            } else {
                "descending"
            }
        } else {
            "none"
        };
        view! { <th scope="col" aria-sort=aria><A href=query.sorted_by(key).href()>{label}{arrow}</A></th> }
    };
    let all_ids: Vec<String> = shown.iter().cloned().collect();
    let all_ids = StoredValue::new(all_ids);
    let rows = table
        .rows
        .into_iter()
        .map(|r| {
            let m = r.model;
            let id = m.id.clone();
            let id2 = id.clone();
            let state = m.state_label();
            let tags = m.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view();
            let project = match (m.project.clone(), r.project_name) {
                (Some(p), Some(name)) => Some(view! { <A href=format!("/projects/{p}")>{name}</A> }),
                _ => None,
            };
            let task = match (m.task.clone(), r.task_name) {
                (Some(t), Some(name)) => Some(view! { <A href=format!("/tasks/{t}?tab=artifacts")>{name}</A> }),
                _ => None,
            };
            let name = m.name.clone();
            view! {
                <tr data-testid="model-row" data-id=id.clone() class:selected=move || selection.read().contains(&id)>
                    <td class="select"><input type="checkbox" aria-label=format!("Select {}", m.name)
                        prop:checked=move || selection.read().contains(&id2)
                        on:change={
                            let id = m.id.clone();
                            move |ev| {
                                let on = event_target_checked(&ev);
                                selection.update(|s| { if on { s.insert(id.clone()); } else { s.remove(&id); } });
                            }
                        }/></td>
                    <td class="name"><A href=format!("/models/{}", m.id)>{name}</A></td>
                    <td><span class=format!("badge badge-model-{state}") data-testid="model-state">{state}</span></td>
                    <td>{m.framework.clone().unwrap_or_default()}</td>
                    <td class="project">{project}</td>
                    <td>{task}</td>
                    <td class="tags">{tags}</td>
                    <td class="time"><Time ms=Some(m.created)/></td>
                    <td class="time"><Time ms=Some(m.last_update) relative=true/></td>
                </tr>
            }
        })
        .collect_view();
    let empty = no_rows.then(|| {
        let text = if query == (ModelQuery { project: query.project.clone(), ..ModelQuery::default() }) {
            "No models registered yet. A task registers one with OutputModel or by saving weights."
        } else {
            "No models match these filters."
        };
        view! { <tr><td colspan="9" class="empty">{text}</td></tr> }
    });
    let pager = {
        let q = query.clone();
        let href = move |p| ModelQuery { page: p, ..q.clone() }.href();
        crate::components::pager::pager(query.page, MODEL_PAGE_SIZE, table.total, "models", href, ())
    };
    view! {
        {datalists}
        <div class="bulk" data-testid="model-bulk-bar">
            <span>{move || format!("{} selected", selection.read().len())}</span>
            {button(ModelAction::Publish)}
            {button(ModelAction::Archive)}
            {button(ModelAction::Restore)}
        </div>
        {publish_dialog}
        <div class="table-wrap">
        <table class="table models" aria-label="models">
            <thead><tr>
                <th scope="col" class="select"><input type="checkbox" aria-label="Select all on this page"
                    prop:checked=move || { let n = selection.read().len(); n > 0 && all_ids.with_value(|a| a.len() == n) }
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selection.set(if on { all_ids.get_value().into_iter().collect() } else { BTreeSet::new() });
                    }/></th>
                {sort_header(ModelSort::Name, "Name")}
                <th scope="col">"State"</th>
                <th scope="col">"Framework"</th>
                <th scope="col">"Project"</th>
                <th scope="col">"Task"</th>
                <th scope="col">"Tags"</th>
                {sort_header(ModelSort::Created, "Created")}
                {sort_header(ModelSort::Updated, "Updated")}
            </tr></thead>
            <tbody>{rows}{empty}</tbody>
        </table>
        </div>
        {pager}
    }
}
