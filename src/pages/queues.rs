//! `/queues`: every queue with its waiting tasks in the order they will
//! run, their count and wait times, and the workers serving it. Tasks can be
//! moved up, down, to the top or bottom, to another queue, or out of the
//! queue (back to draft); queues can be created, renamed and deleted.

use crate::api::queues::{create_queue, delete_queue, list_queue_views, queue_task, rename_queue};
use crate::components::dialog::Dialog;
use crate::components::error::ErrorBox;
use crate::components::history::{HistoryCharts, HistoryOf};
use crate::components::live::poll_while;
use crate::error::AppError;
use crate::model::format::fmt_duration;
use crate::model::queue::{QueueOp, QueuePosition, QueueView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Something the page asks the server to do.
#[derive(Debug, Clone, PartialEq)]
enum PageOp {
    Create(String),
    Rename { id: String, name: String },
    Delete { id: String, force: bool },
    Task { queue: String, task: String, op: QueueOp },
}

impl PageOp {
    async fn perform(self) -> Result<String, AppError> {
        match self {
            PageOp::Create(name) => create_queue(name.clone()).await.map(|_| format!("Queue {name} created.")),
            PageOp::Rename { id, name } => rename_queue(id, name.clone()).await.map(|_| format!("Renamed to {name}.")),
            PageOp::Delete { id, force } => delete_queue(id, force).await.map(|_| "Queue deleted.".to_string()),
            PageOp::Task { queue, task, op } => queue_task(queue, task, op.clone()).await.map(|_| match op {
                QueueOp::Remove => "Removed from the queue; the task is a draft again.".to_string(),
                QueueOp::MoveTo(_) => "Moved to the other queue.".to_string(),
                _ => "Queue order changed.".to_string(),
            }),
        }
    }
}

/// A queue whose delete awaits confirmation.
#[derive(Debug, Clone, PartialEq)]
struct DeleteAsk {
    id: String,
    name: String,
    waiting: usize,
}

/// The page's one action, and the queue whose delete awaits confirmation
/// (kept here: the cards are redrawn on every refresh).
#[derive(Clone, Copy)]
struct Ops {
    act: Action<PageOp, Result<String, AppError>>,
    confirm_delete: RwSignal<Option<DeleteAsk>>,
}

/// The queues page.
#[component]
pub fn QueuesPage() -> impl IntoView {
    let version = RwSignal::new(0u64);
    let queues = Resource::new(move || version.get(), |_| list_queue_views());
    let act = Action::new(|op: &PageOp| op.clone().perform());
    let confirm_delete = RwSignal::new(None::<DeleteAsk>);
    provide_context(Ops { act, confirm_delete });
    Effect::new(move |_| {
        if act.value().get().is_some() {
            version.update(|v| *v += 1);
        }
    });
    // Workers take tasks and new ones arrive: keep the page current.
    poll_while(|| true, move || version.update(|v| *v += 1));
    // The charts move slower: every tenth refresh.
    let history_refresh = Memo::new(move |_| version.get() / 10);
    let report = move || {
        act.value().get().map(|r| match r {
            Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
        })
    };
    let delete_dialog = move || {
        let ask = confirm_delete.get()?;
        let close = Callback::new(move |_| confirm_delete.set(None));
        let consequence = match ask.waiting {
            0 => "No task waits in it.".to_string(),
            1 => "The task waiting in it goes back to draft.".to_string(),
            n => format!("The {n} tasks waiting in it go back to draft."),
        };
        let DeleteAsk { id, name, waiting } = ask;
        Some(view! {
            <Dialog labelledby="delete-queue-title" on_close=close>
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    confirm_delete.set(None);
                    act.dispatch(PageOp::Delete { id: id.clone(), force: waiting > 0 });
                }>
                    <h2 id="delete-queue-title">{format!("Delete queue {name}?")}</h2>
                    <p class="warning">{consequence}</p>
                    <div class="buttons">
                        <button type="button" on:click=move |_| confirm_delete.set(None)>"Cancel"</button>
                        <button type="submit" class="danger">"Delete queue"</button>
                    </div>
                </form>
            </Dialog>
        })
    };
    view! {
        <Title text="Queues · Labbook"/>
        {delete_dialog}
        <header class="task-head"><h1>"Queues"</h1><A href="/workers">"Workers"</A></header>
        {crate::components::access::can_write().then(|| view! { <NewQueueForm/> })}
        {report}
        <Transition fallback=|| view! { <p>"Loading queues…"</p> }>
            {move || Suspend::new(async move {
                match queues.await {
                    Ok(qs) => {
                        let all: Vec<(String, String)> = qs.iter().map(|q| (q.id.clone(), q.name.clone())).collect();
                        qs.into_iter()
                            .map(|q| view! { <QueueCard queue=q all=all.clone()/> })
                            .collect_view()
                            .into_any()
                    }
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
        <HistoryCharts of=HistoryOf::Queues refresh=history_refresh/>
    }
}

#[component]
fn NewQueueForm() -> impl IntoView {
    let Ops { act, .. } = expect_context::<Ops>();
    let name = RwSignal::new(String::new());
    view! {
        <form class="inline-form" aria-label="new queue" on:submit=move |ev| {
            ev.prevent_default();
            act.dispatch(PageOp::Create(name.get_untracked()));
            name.set(String::new());
        }>
            <label>"New queue "<input name="queue-name" placeholder="name" prop:value=name
                on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <button type="submit">"Create"</button>
        </form>
    }
}

#[component]
fn QueueCard(queue: QueueView, all: Vec<(String, String)>) -> impl IntoView {
    let Ops { act, confirm_delete } = expect_context::<Ops>();
    let qid = queue.id.clone();
    let new_name = RwSignal::new(queue.name.clone());
    let waiting = queue.tasks.len();
    let workers = if queue.workers.is_empty() { "no worker".to_string() } else { queue.workers.join(", ") };
    let others: Vec<(String, String)> = all.into_iter().filter(|(id, _)| *id != queue.id).collect();
    let rename = {
        let id = qid.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            act.dispatch(PageOp::Rename { id: id.clone(), name: new_name.get_untracked() });
        }
    };
    let delete = {
        let ask = DeleteAsk { id: qid.clone(), name: queue.name.clone(), waiting };
        move |_| confirm_delete.set(Some(ask.clone()))
    };
    let can_write = crate::components::access::can_write();
    let rows = queue
        .tasks
        .clone()
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            // One dispatcher for the row, shared by its controls.
            let row = StoredValue::new((qid.clone(), t.id.clone()));
            let run = move |what: QueueOp| {
                let (queue, task) = row.get_value();
                act.dispatch(PageOp::Task { queue, task, op: what });
            };
            let button = move |label: &'static str, title: &'static str, what: QueueOp| {
                view! { <button type="button" title=title on:click=move |_| run(what.clone())>{label}</button> }
            };
            let options =
                others.clone().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view();
            view! {
                <tr data-testid="queued-task">
                    <td>{i + 1}</td>
                    <td><A href=format!("/tasks/{}", t.id)>{t.name}</A></td>
                    <td>{fmt_duration(t.waited_ms)}</td>
                    <td class="row-actions" hidden=!can_write>
                        {button("Top", "Run it next", QueueOp::Move(QueuePosition::Front))}
                        {button("Up", "One place earlier", QueueOp::Move(QueuePosition::Forward(1)))}
                        {button("Down", "One place later", QueueOp::Move(QueuePosition::Backward(1)))}
                        {button("Bottom", "Run it last", QueueOp::Move(QueuePosition::Back))}
                        {button("Remove", "Out of the queue, back to draft", QueueOp::Remove)}
                        <select aria-label="move to queue" on:change=move |ev| {
                            let to = event_target_value(&ev);
                            if !to.is_empty() {
                                run(QueueOp::MoveTo(to));
                            }
                        }>
                            <option value="" selected>"Move to…"</option>
                            {options}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let default_badge = queue.default.then(|| view! { <span class="badge">"default"</span> });
    view! {
        <section class="queue card" data-testid="queue" data-name=queue.name.clone()>
            <header class="queue-head">
                <h2>{queue.name.clone()}" "{default_badge}</h2>
                <p class="muted" data-testid="queue-stats">
                    {format!("{} waiting", queue.waits.count)}
                    " · oldest wait "{fmt_duration(queue.waits.oldest_ms)}
                    " · mean wait "{fmt_duration(queue.waits.mean_ms)}
                    " · served by "{workers}
                </p>
                {can_write.then(|| view! {
                    <form class="inline-form" aria-label="rename queue" on:submit=rename>
                        <input name="rename" aria-label="queue name" prop:value=new_name
                            on:input=move |ev| new_name.set(event_target_value(&ev))/>
                        <button type="submit">"Rename"</button>
                    </form>
                })}
                {(can_write && !queue.default).then(|| view! { <button type="button" class="danger" on:click=delete>"Delete"</button> })}
            </header>
            {if waiting == 0 {
                view! { <p class="muted">"No task waits in this queue."</p> }.into_any()
            } else {
                view! {
                    <table class="tasks" aria-label=format!("tasks in {}", queue.name)>
                        <thead><tr><th>"#"</th><th>"Task"</th><th>"Waiting"</th><th>"Actions"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
