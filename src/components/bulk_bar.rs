//! The experiments table's bulk action bar: what is selected, and each
//! action with how many of the selected tasks it applies to (the rules are
//! [`TaskAction::applies`], the same the server enforces).

use crate::api::queues::list_queues;
use crate::api::tasks::run_action;
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
    let argument = RwSignal::new(String::new());
    let queues = Resource::new(|| (), |_| list_queues());
    let q = StoredValue::new(query);
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
    let count_for = move |a: TaskAction| -> usize {
        let sel = selection.read();
        rows.with_value(|rows| {
            rows.iter().filter(|r| sel.ids.contains(&r.id) && a.applies(r.status, &r.system_tags)).count()
        })
    };
    let buttons = ALL_ACTIONS
        .into_iter()
        .map(|a| {
            let label = move || {
                let sel = selection.read();
                if sel.all_matching {
                    a.label().to_string()
                } else {
                    format!("{} ({} of {})", a.label(), count_for(a), sel.ids.len())
                }
            };
            let disabled = move || {
                let sel = selection.read();
                act.pending().get() || (!sel.all_matching && count_for(a) == 0)
            };
            view! {
                <button type="button" data-action=a.label() disabled=disabled on:click=move |_| {
                    let sel = selection.get_untracked();
                    let target = if sel.all_matching {
                        Target::Matching(Box::new(q.get_value()))
                    } else {
                        // Only the tasks the state machine lets this action touch.
                        Target::Ids(rows.with_value(|rows| rows.iter()
                            .filter(|r| sel.ids.contains(&r.id) && a.applies(r.status, &r.system_tags))
                            .map(|r| r.id.clone()).collect()))
                    };
                    act.dispatch((a, target, argument.get_untracked()));
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
    let queue_options = move || {
        queues
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|qc| {
                view! {
                    <option value=qc.id.clone()>{qc.name}</option>
                }
            })
            .collect_view()
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
            {can_write.then(|| view! {
                <label class="field">
                    <span>"Queue, tags or project"</span>
                    <input type="text" list="queue-names" placeholder="for Enqueue, tags, Move" prop:value=argument
                        on:input=move |ev| argument.set(event_target_value(&ev))/>
                    <datalist id="queue-names">{queue_options}</datalist>
                </label>
                {buttons}
            })}
            {move || if can_compare() {
                view! { <a class="button" href=compare_href()>"Compare"</a> }.into_any()
            } else {
                view! { <button type="button" disabled=true title="Select 2 to 100 tasks">"Compare"</button> }.into_any()
            }}
            <button type="button" class="link" on:click=move |_| selection.set(Selection::default())>"Clear"</button>
        </div>
    }
}
