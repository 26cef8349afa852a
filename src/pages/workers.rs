//! `/workers`: the live workers (agents), the queues each serves, the task
//! it runs (with a link), when it last reported and its machine's load;
//! below, charts of how many workers ran and how loaded they were.

use crate::api::queues::list_workers;
use crate::components::error::ErrorBox;
use crate::components::history::{HistoryCharts, HistoryOf};
use crate::components::live::poll_while;
use crate::model::format::{fmt_duration, fmt_number, fmt_time};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The workers page.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let version = RwSignal::new(0u64);
    let workers = Resource::new(move || version.get(), |_| list_workers());
    poll_while(|| true, move || version.update(|v| *v += 1));
    // The charts move slower: every tenth refresh.
    let history_refresh = Memo::new(move |_| version.get() / 10);
    view! {
        <Title text="Workers · Labbook"/>
        <header class="task-head"><h1>"Workers"</h1><A href="/queues">"Queues"</A></header>
        <Transition fallback=|| view! { <p>"Loading workers…"</p> }>
            {move || Suspend::new(async move {
                match workers.await {
                    Ok(ws) if ws.is_empty() => view! {
                        <p class="muted">"No worker is running. Start one with "
                            <code>"labbook agent --queue default"</code>" or "
                            <code>"clearml-agent daemon --queue default"</code>"."</p>
                    }.into_any(),
                    Ok(ws) => {
                        let rows = ws.into_iter().map(|w| {
                            let task = w.task.map(|(id, name)| view! { <A href=format!("/tasks/{id}")>{name}</A> });
                            let running = (w.running_s > 0).then(|| fmt_duration(w.running_s * 1000));
                            let memory = w.memory.map(|(used, free)| {
                                format!("{} / {} MB", fmt_number(used), fmt_number(used + free))
                            });
                            view! {
                                <tr data-testid="worker">
                                    <td class="mono">{w.id}</td>
                                    <td>{w.queues.join(", ")}</td>
                                    <td data-testid="worker-task">{task}</td>
                                    <td>{running}</td>
                                    <td title=fmt_time(w.last_seen)>{format!("{} ago", fmt_duration(w.silent_ms))}</td>
                                    <td>{w.cpu.map(|c| format!("{c:.0}%"))}</td>
                                    <td>{memory}</td>
                                    <td>{w.disk_free.map(|d| format!("{d:.0}%"))}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <table class="tasks" aria-label="workers">
                                <thead><tr>
                                    <th>"Worker"</th><th>"Queues"</th><th>"Task"</th><th>"Running for"</th>
                                    <th>"Last report"</th><th>"CPU"</th><th>"Memory"</th><th>"Disk free"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
        <HistoryCharts of=HistoryOf::Workers refresh=history_refresh/>
    }
}
