//! Charts over time of the queues and the workers, with a range chooser
//! the browser remembers. Drawn only in the browser (nothing in them reads
//! without plotly.js), on the reader's clock, and updated in place when
//! the data is refetched, so a zoom stays.

use super::error::ErrorBox;
use super::stored::remembered;
use crate::api::queues::{queue_charts, worker_charts};
use crate::model::history::{HistoryRange, TimeChart, ALL_RANGES};
use leptos::prelude::*;
use serde_json::{json, Value};

/// Whose history a [`HistoryCharts`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOf {
    Queues,
    Workers,
}

/// The history section of the queues or workers page: a range chooser
/// and a chart per [`TimeChart`]; refetched whenever `refresh` changes.
#[component]
pub fn HistoryCharts(of: HistoryOf, #[prop(into)] refresh: Signal<u64>) -> impl IntoView {
    let range =
        remembered("labbook-history-range", HistoryRange::default(), |r| r.key().to_string(), HistoryRange::from_key);
    let charts = LocalResource::new(move || {
        let (r, _) = (range.get(), refresh.get());
        async move {
            match of {
                HistoryOf::Queues => queue_charts(r).await,
                HistoryOf::Workers => worker_charts(r).await,
            }
        }
    });
    let charts = Signal::derive(move || super::live::browser_only(charts));
    let titles = move || match charts.get() {
        Some(Ok(cs)) => cs.into_iter().map(|c| c.title).collect(),
        _ => Vec::new(),
    };
    let options = ALL_RANGES
        .into_iter()
        .map(|r| view! { <option value=r.key() selected=move || range.get() == r>{r.label()}</option> })
        .collect_view();
    let prefix = match of {
        HistoryOf::Queues => "queue-history",
        HistoryOf::Workers => "worker-history",
    };
    view! {
        <section class="history" aria-labelledby=format!("{prefix}-title")>
            <header class="history-head">
                <h2 id=format!("{prefix}-title")>"History"</h2>
                <label>"Last "
                    <select aria-label="History range" on:change=move |ev| {
                        if let Some(r) = HistoryRange::from_key(&event_target_value(&ev)) {
                            range.set(r);
                        }
                    }>{options}</select>
                </label>
            </header>
            {move || match charts.get() {
                None => Some(view! { <p class="muted">"Loading history…"</p> }.into_any()),
                Some(Err(e)) => Some(view! { <ErrorBox message=e.user_message()/> }.into_any()),
                Some(Ok(_)) => None,
            }}
            <div class="charts">
                <For each=titles key=|t| t.clone() let:title>
                    {
                        let id = format!("{prefix}-{}", title.to_lowercase().replace(' ', "-"));
                        let wanted = title.clone();
                        let chart = Signal::derive(move || match charts.get() {
                            Some(Ok(cs)) => cs.into_iter().find(|c| c.title == wanted),
                            _ => None,
                        });
                        view! { <TimeChartView id title chart/> }
                    }
                </For>
            </div>
        </section>
    }
}

/// One chart over time, redrawn in place when `chart` changes.
#[component]
fn TimeChartView(id: String, title: String, chart: Signal<Option<TimeChart>>) -> impl IntoView {
    let unit = move || chart.with(|c| c.as_ref().map(|c| format!("({})", c.unit)));
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            let Some(c) = chart.get() else { return };
            let (data, layout) = time_figure(&c, super::time::clock_text, &super::time::zone_label(now()));
            let id = id.clone();
            // After this render is in the DOM.
            request_animation_frame(move || super::plotly_js::react(&id, &data, &layout));
        });
    }
    let empty = move || chart.with(|c| c.as_ref().is_some_and(|c| !c.has_values()));
    let caption = title.clone();
    view! {
        <figure class="chart" data-testid="history-chart" data-title=title>
            <figcaption>{caption}" "<span class="muted">{unit}</span></figcaption>
            <Show when=empty>
                <p class="muted">"Nothing reported in this range."</p>
            </Show>
            <div id=id class="plot"></div>
        </figure>
    }
}

#[cfg(feature = "hydrate")]
fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// The plotly traces and layout of `chart`; `clock` writes a time as the
/// axis shows it, `zone` names that clock. Counts change in steps, so they
/// are drawn as steps; points are marked, so a value between gaps shows.
pub fn time_figure(chart: &TimeChart, clock: impl Fn(i64) -> String, zone: &str) -> (Value, Value) {
    let shape = if chart.unit == "tasks" || chart.unit == "workers" { "hv" } else { "linear" };
    let traces: Vec<Value> = chart
        .series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let x: Vec<String> = s.t.iter().map(|&t| clock(t)).collect();
            json!({"type": "scatter", "mode": "lines+markers", "marker": {"size": 4}, "name": s.name, "x": x, "y": s.y,
                "line": {"shape": shape, "color": format!("hsl({}, 65%, 48%)", (n * 137) % 360)},
                "connectgaps": false})
        })
        .collect();
    let layout = json!({
        "xaxis": {"type": "date", "title": {"text": format!("time ({zone})")}},
        "yaxis": {"title": {"text": chart.unit}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.3},
        "margin": {"l": 50, "r": 20, "t": 20, "b": 60},
        "showlegend": true,
        // Same revision: a refetch keeps what the reader zoomed to.
        "uirevision": chart.title,
    });
    (Value::Array(traces), layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::TimeSeries;

    #[test]
    fn a_time_figure_keeps_gaps_and_draws_counts_as_steps() {
        let mut chart = TimeChart::new("Queue length", "tasks");
        chart.series.push(TimeSeries { name: "default".into(), t: vec![0, 60_000], y: vec![Some(2.0), None] });
        let (data, layout) = time_figure(&chart, |t| format!("t{t}"), "UTC");
        assert_eq!(data[0]["x"], json!(["t0", "t60000"]));
        assert_eq!(data[0]["y"], json!([2.0, null]));
        assert_eq!(data[0]["line"]["shape"], "hv");
        assert_eq!(layout["xaxis"]["title"]["text"], "time (UTC)");
        let cpu = TimeChart::new("CPU usage", "%");
        assert_eq!(time_figure(&cpu, |t| t.to_string(), "UTC").0, json!([]));
    }
}
