//! A project at a glance, above its table: its active tasks by state (each
//! a link that filters the table), its last activity, and a metric
//! snapshot (a chosen metric's last value in each of the newest tasks,
//! coloured by state), as ClearML's project overview shows them.

use super::error::ErrorBox;
use super::status::StatusBadge;
use super::stored::remembered_flag;
use super::time::Time;
use crate::api::projects::get_overview;
use crate::error::AppError;
use crate::model::project::{ProjectOverview, SnapshotPoint};
use crate::model::table::TableQuery;
use crate::model::{State, TaskStatus, ALL_STATUSES};
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::{json, Value};

/// The overview of the project a table shows, fetched in the browser when
/// the project, the sub-projects switch or the chosen metric changes (not
/// when a filter or the page does); provided by the table page.
#[derive(Clone, Copy)]
pub struct Overview {
    data: LocalResource<Option<Result<ProjectOverview, AppError>>>,
    metric: RwSignal<Option<(String, String)>>,
}

impl Overview {
    /// The overview of `scope` (project id, with sub-projects) while it
    /// names a project.
    pub fn new(scope: Memo<(Option<String>, bool)>) -> Overview {
        let metric = RwSignal::new(None::<(String, String)>);
        // A new project starts from its first metric.
        Effect::new(move |_| {
            scope.track();
            metric.set(None);
        });
        let data = LocalResource::new(move || {
            let (project, subprojects) = scope.get();
            let chosen = metric.get();
            async move {
                match project {
                    Some(id) => Some(get_overview(id, subprojects, chosen).await),
                    None => None,
                }
            }
        });
        Overview { data, metric }
    }
}

/// The colour of a state in the snapshot (the badges' colours).
fn state_color(state: State) -> &'static str {
    match state {
        State::Draft => "#8a8f9c",
        State::Pending => "#4d8fa8",
        State::Running => "#2f6fde",
        State::Completed => "#1f9d55",
        State::Failed => "#d64545",
        State::Aborted => "#c98a12",
        State::Published => "#7a4fd6",
    }
}

/// The snapshot chart: one marker per task, in the order of their last
/// update (tasks updated within a second would pile up on a time axis),
/// its value up, its state as colour, its name and update time on hover
/// (`clock` writes the times).
pub fn snapshot_figure(
    metric: &(String, String),
    points: &[SnapshotPoint],
    clock: impl Fn(i64) -> String,
) -> (Value, Value) {
    let x: Vec<usize> = (1..=points.len()).collect();
    let y: Vec<f64> = points.iter().map(|p| p.value).collect();
    let hover: Vec<String> = points.iter().map(|p| format!("{}<br>{}", p.name, clock(p.updated))).collect();
    let colors: Vec<&str> = points.iter().map(|p| state_color(p.status.state())).collect();
    let data = json!([{
        "type": "scatter", "mode": "lines+markers", "x": x, "y": y, "text": hover,
        "marker": {"color": colors, "size": 9}, "line": {"color": "rgba(128,128,128,0.35)", "width": 1},
        "hovertemplate": "%{text}<br>%{y}<extra></extra>",
    }]);
    let layout = json!({
        "xaxis": {"title": {"text": "tasks, by last update"}, "dtick": if points.len() <= 20 { json!(1) } else { Value::Null }},
        "yaxis": {"title": {"text": format!("{} / {}", metric.0, metric.1)}},
        "margin": {"l": 60, "r": 20, "t": 10, "b": 50},
        "showlegend": false,
        "uirevision": format!("{}/{}", metric.0, metric.1),
    });
    (data, layout)
}

/// The overview panel; `query` is the table's view (its status links keep
/// the rest of it).
#[component]
pub fn ProjectOverviewPanel(query: TableQuery) -> impl IntoView {
    let Some(overview) = use_context::<Overview>() else { return ().into_any() };
    let open = remembered_flag("labbook-overview-open", true);
    let query = StoredValue::new(query);
    let body = move || {
        let answer = super::live::browser_only(overview.data)?;
        Some(match answer? {
            Ok(o) => view! { <OverviewBody overview=o query=query.get_value() metric=overview.metric/> }.into_any(),
            Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
        })
    };
    view! {
        <details class="overview card" data-testid="project-overview" prop:open=move || open.get()
            on:toggle=move |ev| {
                let now = super::dialog::details_open(&ev);
                if now != open.get_untracked() {
                    open.set(now);
                }
            }>
            <summary>"Overview"</summary>
            {move || body().unwrap_or_else(|| view! { <p class="muted">"Loading overview…"</p> }.into_any())}
        </details>
    }
    .into_any()
}

#[component]
fn OverviewBody(
    overview: ProjectOverview,
    query: TableQuery,
    metric: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let total = overview.total();
    // Counted by state, as the badges show them.
    let mut by_state: Vec<(State, i64)> = Vec::new();
    for (status, n) in &overview.counts {
        match by_state.iter_mut().find(|(s, _)| *s == status.state()) {
            Some((_, m)) => *m += n,
            None => by_state.push((status.state(), *n)),
        }
    }
    let counts = by_state
        .into_iter()
        .map(|(state, n)| {
            let statuses: Vec<TaskStatus> = ALL_STATUSES.iter().copied().filter(|s| s.state() == state).collect();
            let badge = statuses.first().copied().unwrap_or_default();
            let href = query
                .with(|q| {
                    q.statuses = statuses;
                    q.page = 0;
                })
                .href();
            view! {
                <li data-testid="state-count" data-state=state.label().to_lowercase()>
                    <A href=href><StatusBadge status=badge/>" "<span class="count">{n}</span></A>
                </li>
            }
        })
        .collect_view();
    let last = overview.last_task.clone().map(|(id, name, at)| {
        view! {
            <p data-testid="last-activity">"Last activity "<Time ms=Some(at) relative=true/>": "
                <A href=format!("/tasks/{id}")>{name}</A></p>
        }
    });
    let chosen = overview.metric.clone();
    let snapshot = match chosen {
        None => view! { <p class="muted">"No task here reported a metric yet."</p> }.into_any(),
        Some(shown) => {
            let options = overview
                .metrics
                .iter()
                .map(|m| {
                    let value = format!("{}\u{1f}{}", m.0, m.1);
                    view! { <option value=value selected=*m == shown>{format!("{} / {}", m.0, m.1)}</option> }
                })
                .collect_view();
            let n = overview.snapshot.len();
            #[cfg(feature = "hydrate")]
            {
                let (data, layout) = snapshot_figure(&shown, &overview.snapshot, super::time::clock_text);
                request_animation_frame(move || super::plotly_js::react("metric-snapshot", &data, &layout));
            }
            view! {
                <figure class="chart snapshot" data-testid="metric-snapshot" data-points=n.to_string()>
                    <figcaption>
                        <span>"Metric snapshot"</span>
                        <select aria-label="Snapshot metric" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some((m, var)) = v.split_once('\u{1f}') {
                                metric.set(Some((m.to_string(), var.to_string())));
                            }
                        }>{options}</select>
                    </figcaption>
                    <div id="metric-snapshot" class="plot"></div>
                </figure>
            }
            .into_any()
        }
    };
    view! {
        <div class="overview-body">
            <div class="overview-facts">
                <p><strong>{total}</strong>{if total == 1 { " active task" } else { " active tasks" }}</p>
                <ul class="plain state-counts">{counts}</ul>
                {last}
            </div>
            {snapshot}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_colours_each_task_by_state() {
        let p = |status, value| SnapshotPoint { task: "t".into(), name: "n".into(), status, updated: 0, value };
        let points = [p(TaskStatus::Completed, 0.5), p(TaskStatus::Failed, 0.9)];
        let (data, layout) = snapshot_figure(&("loss".into(), "total".into()), &points, |t| t.to_string());
        assert_eq!(data[0]["y"], json!([0.5, 0.9]));
        assert_eq!(data[0]["marker"]["color"], json!(["#1f9d55", "#d64545"]));
        assert_eq!(layout["yaxis"]["title"]["text"], "loss / total");
    }
}
