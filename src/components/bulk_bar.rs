//! The experiments table's bulk action bar: what is selected, and each
//! action with how many of the selected tasks it applies to (the rules are
//! [`TaskAction::applies`], the same the server enforces).
//!
//! An action that cannot be undone ([`TaskAction::warning`]) or needs a
//! queue, tags or a project ([`TaskAction::argument`]) opens a dialog that
//! says how many tasks it will touch and asks for that one thing; Cancel,
//! Escape or a click outside leave everything as it was.

use crate::api::projects::list_projects;
use crate::api::queues::list_queues;
use crate::api::tasks::{count_actions, known_tags, run_action};
use crate::components::dialog::Dialog;
use crate::components::tag_picker::TagPicker;
use crate::model::table::{ActionReport, TableQuery, TableRow, Target};
use crate::model::{TaskAction, ALL_ACTIONS};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// The rows picked for a bulk action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub ids: BTreeSet<String>,
    /// Every task matching the view, not only the picked rows.
    pub all_matching: bool,
}

/// The bulk action bar: what is selected, and each action with how many of
/// the selected tasks it applies to.
#[component]
pub fn BulkBar(
    rows: Vec<TableRow>,
    total: i64,
    query: TableQuery,
    selection: RwSignal<Selection>,
    report: RwSignal<Option<Result<ActionReport, String>>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let rows = StoredValue::new(rows);
    let q = StoredValue::new(query);
    // The action whose dialog is open, and what it was given.
    let asking = RwSignal::new(None::<TaskAction>);
    let argument = RwSignal::new(String::new());
    let act = Action::new(move |(action, target, arg): &(TaskAction, Target, String)| {
        let (action, target, arg) = (*action, target.clone(), arg.clone());
        async move { run_action(action, target, arg).await }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            report.set(Some(r.map_err(|e| e.user_message())));
            selection.set(Selection::default());
            on_done.run(());
        }
    });
    // After "select all matching", the counts come from the server.
    let matching_counts = LocalResource::new(move || {
        let all = selection.read().all_matching;
        async move {
            if all {
                count_actions(q.get_value()).await.ok()
            } else {
                None
            }
        }
    });
    let selected = move || {
        let sel = selection.read();
        if sel.all_matching {
            usize::try_from(total).unwrap_or_default()
        } else {
            sel.ids.len()
        }
    };
    // How many of the selected tasks `a` applies to; `None` while counting.
    let count = move |a: TaskAction| -> Option<usize> {
        let sel = selection.read();
        if sel.all_matching {
            let i = ALL_ACTIONS.iter().position(|x| *x == a)?;
            matching_counts.get().flatten().and_then(|c| c.get(i).copied())
        } else {
            Some(rows.with_value(|rows| {
                rows.iter().filter(|r| sel.ids.contains(&r.id) && a.applies(r.status, &r.system_tags)).count()
            }))
        }
    };
    let target = move |a: TaskAction| {
        let sel = selection.get_untracked();
        if sel.all_matching {
            Target::Matching(Box::new(q.get_value()))
        } else {
            // Only the tasks the state machine lets this action touch.
            Target::Ids(rows.with_value(|rows| {
                rows.iter()
                    .filter(|r| sel.ids.contains(&r.id) && a.applies(r.status, &r.system_tags))
                    .map(|r| r.id.clone())
                    .collect()
            }))
        }
    };
    let buttons = ALL_ACTIONS
        .into_iter()
        .map(|a| {
            let label = move || {
                let n = count(a).map(|n| n.to_string()).unwrap_or_else(|| "…".into());
                format!("{} ({n} of {})", a.label(), selected())
            };
            let disabled = move || act.pending().get() || count(a).is_none_or(|n| n == 0);
            let class = if a.warning().is_some() { "danger-outline" } else { "" };
            view! {
                <button type="button" data-action=a.label() class=class disabled=disabled on:click=move |_| {
                    if a.warning().is_some() || a.argument().is_some() {
                        argument.set(String::new());
                        asking.set(Some(a));
                    } else {
                        act.dispatch((a, target(a), String::new()));
                    }
                }>{label}</button>
            }
        })
        .collect_view();
    // A viewer compares and selects, but has no actions to run.
    let can_write = crate::components::access::can_write();
    let compare_href = move || {
        let sel = selection.read();
        let ids: Vec<String> = sel.ids.iter().cloned().collect();
        format!("/compare?ids={}", ids.join(","))
    };
    let can_compare = move || {
        let sel = selection.read();
        !sel.all_matching && (2..=100).contains(&sel.ids.len())
    };
    let dialog = move || {
        let a = asking.get()?;
        let n = count(a).unwrap_or_default();
        let noun = if n == 1 { "task" } else { "tasks" };
        let selected_tags: Vec<String> = {
            let sel = selection.get_untracked();
            rows.with_value(|rows| {
                let picked = rows.iter().filter(|r| sel.all_matching || sel.ids.contains(&r.id));
                let tags: BTreeSet<String> = if a == TaskAction::RemoveTags {
                    picked.flat_map(|r| r.tags.iter().cloned()).collect()
                } else {
                    rows.iter().flat_map(|r| r.tags.iter().cloned()).collect()
                };
                tags.into_iter().collect()
            })
        };
        let close = Callback::new(move |_| asking.set(None));
        Some(view! {
            <Dialog labelledby="bulk-title" on_close=close>
                <form data-testid="bulk-dialog" on:submit=move |ev| {
                    ev.prevent_default();
                    asking.set(None);
                    act.dispatch((a, target(a), argument.get_untracked()));
                }>
                    <h2 id="bulk-title">{format!("{} {n} {noun}?", a.label())}</h2>
                    {a.warning().map(|w| view! { <p class="warning">{w}</p> })}
                    <ArgumentField action=a value=argument tags=selected_tags/>
                    <div class="buttons">
                        <button type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                        <button type="submit" data-testid="bulk-confirm"
                            class=if a.warning().is_some() { "danger" } else { "primary" }>
                            {format!("{} {n} {noun}", a.label())}
                        </button>
                    </div>
                </form>
            </Dialog>
        })
    };
    view! {
        <div class="bulk" role="region" aria-label="bulk actions" data-testid="bulk-bar">
            {move || {
                let sel = selection.read();
                if sel.all_matching {
                    format!("All {total} matching tasks selected")
                } else {
                    format!("{} selected", sel.ids.len())
                }
            }}
            {move || (!selection.read().all_matching && total > rows.with_value(Vec::len) as i64).then(|| view! {
                <button type="button" class="link" on:click=move |_| selection.update(|s| s.all_matching = true)>
                    {format!("Select all {total} matching")}
                </button>
            })}
            {can_write.then_some(buttons)}
            {move || if can_compare() {
                view! { <a class="button" href=compare_href()>"Compare"</a> }.into_any()
            } else {
                view! { <button type="button" disabled=true title="Select 2 to 100 tasks">"Compare"</button> }.into_any()
            }}
            <button type="button" class="link" on:click=move |_| selection.set(Selection::default())>"Clear"</button>
        </div>
        {dialog}
    }
}

/// The one thing an action asks for: a queue to enqueue in, tags to add
/// or remove (offering those in use), or the project to move to.
#[component]
fn ArgumentField(action: TaskAction, value: RwSignal<String>, tags: Vec<String>) -> impl IntoView {
    match action {
        TaskAction::Enqueue => {
            let queues = LocalResource::new(list_queues);
            view! {
                <label class="field">
                    <span>"Queue"</span>
                    <select name="queue" on:change=move |ev| value.set(event_target_value(&ev))>
                        {move || queues.get().map(|r| match r {
                            Ok(qs) => qs.into_iter().map(|q| view! {
                                <option value=q.id.clone() selected=q.default>{q.name}</option>
                            }).collect_view().into_any(),
                            Err(e) => view! { <option value="">{e.user_message()}</option> }.into_any(),
                        })}
                    </select>
                </label>
            }
            .into_any()
        }
        TaskAction::AddTags | TaskAction::RemoveTags => {
            // Removing offers the selected tasks' tags; adding those of the
            // rows shown, then the ones most used anywhere.
            let shown = StoredValue::new(tags);
            let known = (action == TaskAction::AddTags).then(|| LocalResource::new(|| known_tags(None)));
            let suggest = Signal::derive(move || {
                let mut all = shown.get_value();
                if let Some(more) = known.and_then(|k| k.get()).and_then(Result::ok) {
                    all.extend(more.into_iter().filter(|t| !all.contains(t)).collect::<Vec<_>>());
                }
                all
            });
            // The action's argument is the tags, comma-separated.
            let chosen = RwSignal::new(crate::model::split_tags(&value.get_untracked()));
            let changed = Callback::new(move |t: Vec<String>| value.set(t.join(",")));
            view! { <TagPicker chosen suggest id="bulk-tags" label="Tags (comma-separated)" on_change=changed/> }
                .into_any()
        }
        TaskAction::Move => {
            let projects = LocalResource::new(list_projects);
            view! {
                <label class="field">
                    <span>"Project (created if new)"</span>
                    <input type="text" name="project" list="bulk-projects" required prop:value=value
                        on:input=move |ev| value.set(event_target_value(&ev))/>
                    <datalist id="bulk-projects">
                        {move || projects.get().and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|p| view! { <option value=p.project.name/> }).collect_view()}
                    </datalist>
                </label>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}
