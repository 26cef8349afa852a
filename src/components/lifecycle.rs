//! The task page's lifecycle buttons (enabled exactly where the seed's state
//! table allows) and the clone dialog.

use crate::api::queues::list_queues;
use crate::api::tasks::{clone_task, run_action};
use crate::components::dialog::Dialog;
use crate::components::error::ErrorBox;
use crate::model::draft::CloneForm;
use crate::model::table::Target;
use crate::model::Task;
use crate::model::TaskAction;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// The actions offered on the task page, in order.
const PAGE_ACTIONS: [TaskAction; 8] = [
    TaskAction::Enqueue,
    TaskAction::Dequeue,
    TaskAction::Abort,
    TaskAction::Reset,
    TaskAction::Publish,
    TaskAction::Archive,
    TaskAction::Restore,
    TaskAction::Delete,
];

/// Buttons for a task's lifecycle; `on_changed` runs after an action took effect.
#[component]
pub fn LifecycleBar(task: Task, project_name: String, on_changed: Callback<()>) -> impl IntoView {
    let id = task.id.clone();
    let project = task.project.clone();
    let queue = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    // The irreversible action waiting for a yes.
    let confirming = RwSignal::new(None::<TaskAction>);
    let cloning = RwSignal::new(false);
    let nav = use_navigate();
    let act = Action::new(move |(a, id, q): &(TaskAction, String, String)| {
        let (a, id, q) = (*a, id.clone(), q.clone());
        async move { (a, run_action(a, Target::Ids(vec![id]), q).await) }
    });
    Effect::new(move |_| {
        if let Some((a, r)) = act.value().get() {
            match r {
                Ok(r) if r.applied == 1 => {
                    message.set(Some(Ok(format!("{} done.", a.label()))));
                    if a == TaskAction::Delete {
                        let to = project.as_ref().map(|p| format!("/projects/{p}")).unwrap_or_else(|| "/tasks".into());
                        nav(&to, NavigateOptions::default());
                    } else {
                        on_changed.run(());
                    }
                }
                Ok(r) => message.set(Some(Err(r.skipped.join("; ")))),
                Err(e) => message.set(Some(Err(e.user_message()))),
            }
        }
    });
    let buttons = PAGE_ACTIONS
        .into_iter()
        .filter(|a| a.applies(task.status, &task.system_tags))
        .map(|a| {
            let id = id.clone();
            let run = move |_| {
                if a.warning().is_some() {
                    confirming.set(Some(a));
                } else {
                    act.dispatch((a, id.clone(), queue.get_untracked()));
                }
            };
            let picker = (a == TaskAction::Enqueue).then(|| {
                // Only a task that can be enqueued asks for the queues, and
                // only in the browser: the view is rebuilt as the task changes,
                // and a server render would carry one copy per rebuild.
                let queues = LocalResource::new(list_queues);
                view! {
                    <label class="field inline">
                        <span class="sr-only">"Queue"</span>
                        <select aria-label="Queue" on:change=move |ev| queue.set(event_target_value(&ev))>
                            {move || match queues.get() {
                                None => view! { <option>"…"</option> }.into_any(),
                                Some(Ok(qs)) => qs.into_iter().map(|q| view! {
                                    <option value=q.id.clone() selected=q.default>{q.name}</option>
                                }).collect_view().into_any(),
                                Some(Err(e)) => view! { <option>{e.user_message()}</option> }.into_any(),
                            }}
                        </select>
                    </label>
                }
            });
            view! {
                {picker}
                <button type="button" data-action=a.label() class=if a == TaskAction::Delete { "danger" } else { "" }
                    disabled=move || act.pending().get() on:click=run>{a.label()}</button>
            }
        })
        .collect_view();
    let default_clone = CloneForm {
        name: format!("Clone Of {}", task.name),
        project: project_name,
        comment: task.comment.clone(),
        parent: task.id.clone(),
    };
    let source = task.id.clone();
    let confirm_id = task.id.clone();
    let confirm_dialog = move || {
        let a = confirming.get()?;
        let id = confirm_id.clone();
        let close = Callback::new(move |_| confirming.set(None));
        Some(view! {
            <Dialog labelledby="confirm-title" on_close=close>
                <form data-testid="confirm-dialog" on:submit=move |ev| {
                    ev.prevent_default();
                    confirming.set(None);
                    act.dispatch((a, id.clone(), queue.get_untracked()));
                }>
                    <h2 id="confirm-title">{format!("{} this task?", a.label())}</h2>
                    <p class="warning">{a.warning()}</p>
                    <div class="buttons">
                        <button type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                        <button type="submit" class="danger" data-testid="confirm">{a.label()}</button>
                    </div>
                </form>
            </Dialog>
        })
    };
    view! {
        <div class="actions" role="toolbar" aria-label="task actions">
            {buttons}
            <button type="button" data-action="Clone" on:click=move |_| cloning.set(true)>"Clone"</button>
        </div>
        {move || message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            Err(e) => view! { <ErrorBox message=e/> }.into_any(),
        })}
        {confirm_dialog}
        <Show when=move || cloning.get()>
            <CloneDialog source=source.clone() initial=default_clone.clone() on_close=Callback::new(move |_| cloning.set(false))/>
        </Show>
    }
}

/// The clone dialog: name, project, comment and parent of the new draft.
#[component]
fn CloneDialog(source: String, initial: CloneForm, on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(initial.name);
    let project = RwSignal::new(initial.project);
    let comment = RwSignal::new(initial.comment);
    let parent = RwSignal::new(initial.parent);
    let error = RwSignal::new(None::<String>);
    let nav = use_navigate();
    let submit = Action::new(move |form: &CloneForm| {
        let (id, form) = (source.clone(), form.clone());
        async move { clone_task(id, form).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(new_id)) => {
            on_close.run(());
            nav(&format!("/tasks/{new_id}?tab=edit"), NavigateOptions::default());
        }
        Some(Err(e)) => error.set(Some(e.user_message())),
        None => {}
    });
    let field = |label: &'static str, sig: RwSignal<String>| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" name=label.to_lowercase() prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <Dialog labelledby="clone-title" on_close>
            <form on:submit=move |ev| {
                ev.prevent_default();
                if let Err(m) = crate::model::check_name("task", &name.get_untracked()) {
                    error.set(Some(m));
                    return;
                }
                submit.dispatch(CloneForm {
                    name: name.get_untracked(),
                    project: project.get_untracked(),
                    comment: comment.get_untracked(),
                    parent: parent.get_untracked(),
                });
            }>
                <h2 id="clone-title">"Clone task"</h2>
                {field("Name", name)}
                {field("Project", project)}
                {field("Comment", comment)}
                {field("Parent", parent)}
                {move || error.get().map(|e| view! { <ErrorBox message=e/> })}
                <div class="buttons">
                    <button type="submit" class="primary" disabled=move || submit.pending().get()>"Clone"</button>
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                </div>
            </form>
        </Dialog>
    }
}
