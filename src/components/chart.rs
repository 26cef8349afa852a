//! Scalar charts: one plotly.js line chart per metric with its variants as
//! series, drawn in the browser after hydration. The controls smooth the
//! lines (EMA), switch the x axis (iteration, relative or wall time) and the
//! y scale (linear or log); zooming into a task's chart fetches that window
//! again from the server at full chart resolution.

use crate::model::task::MetricSummary;
use crate::model::SeriesData;
use leptos::prelude::*;
use serde_json::{json, Value};

/// What the x axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    Iteration,
    /// Seconds since the task's first reported point.
    Relative,
    /// Wall-clock time.
    Wall,
}

impl XAxis {
    const ALL: [XAxis; 3] = [XAxis::Iteration, XAxis::Relative, XAxis::Wall];

    fn key(self) -> &'static str {
        match self {
            XAxis::Iteration => "iter",
            XAxis::Relative => "relative",
            XAxis::Wall => "wall",
        }
    }

    fn label(self) -> &'static str {
        match self {
            XAxis::Iteration => "Iteration",
            XAxis::Relative => "Relative time",
            XAxis::Wall => "Wall time",
        }
    }
}

/// How the charts are drawn, shared by every chart of a view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartOptions {
    /// EMA weight, 0 (none) to 0.99.
    pub smoothing: f64,
    pub x_axis: XAxis,
    pub log_y: bool,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions { smoothing: 0.0, x_axis: XAxis::Iteration, log_y: false }
    }
}

impl ChartOptions {
    /// As kept in the browser: `smoothing;x axis;log`.
    pub fn to_stored(self) -> String {
        format!("{};{};{}", self.smoothing, self.x_axis.key(), u8::from(self.log_y))
    }

    /// Reads [`ChartOptions::to_stored`] back; `None` for anything else.
    pub fn from_stored(s: &str) -> Option<ChartOptions> {
        let mut parts = s.split(';');
        let smoothing = parts.next()?.parse::<f64>().ok().filter(|w| (0.0..=0.99).contains(w))?;
        let key = parts.next()?;
        let x_axis = XAxis::ALL.into_iter().find(|a| a.key() == key)?;
        let log_y = match parts.next()? {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        parts.next().is_none().then_some(ChartOptions { smoothing, x_axis, log_y })
    }
}

/// Where the browser keeps the chart options.
#[cfg(feature = "hydrate")]
const OPTIONS_KEY: &str = "labbook-chart-options";

/// Chart options that survive a reload: read from the browser's
/// `localStorage` once the page runs (the server renders the defaults, so
/// hydration matches), written back on every change.
pub fn remembered_options() -> RwSignal<ChartOptions> {
    let options = RwSignal::new(ChartOptions::default());
    #[cfg(feature = "hydrate")]
    Effect::new(move |loaded: Option<bool>| {
        let current = options.get();
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let Some(storage) = storage else { return true };
        if loaded.is_none() {
            let saved = storage.get_item(OPTIONS_KEY).ok().flatten().and_then(|s| ChartOptions::from_stored(&s));
            if let Some(saved) = saved.filter(|s| *s != current) {
                options.set(saved);
            }
        } else {
            let _ = storage.set_item(OPTIONS_KEY, &current.to_stored());
        }
        true
    });
    options
}

/// Exponential moving average with TensorBoard's debiasing (the first
/// points are not pulled towards 0); gaps stay gaps.
pub fn smooth(y: &[Option<f64>], weight: f64) -> Vec<Option<f64>> {
    let (mut last, mut n) = (0.0, 0);
    y.iter()
        .map(|v| {
            v.map(|v| {
                last = last * weight + (1.0 - weight) * v;
                n += 1;
                last / (1.0 - weight.powi(n))
            })
        })
        .collect()
}

/// Groups series by metric, keeping their order.
pub fn by_metric(series: &[SeriesData]) -> Vec<(String, Vec<SeriesData>)> {
    super::grouped(series, |s| s.metric.clone())
}

/// The unit of a machine-monitoring series, from ClearML's variant names
/// (`memory_used_gb`, `io_read_mbs`, `gpu_0_temperature`, `cpu_usage`).
fn monitor_unit(variant: &str) -> &'static str {
    if variant.ends_with("_gb") {
        "GB"
    } else if variant.ends_with("_mbs") {
        "MB/s"
    } else if variant.contains("temperature") {
        "°C"
    } else {
        "%"
    }
}

/// The charts of a view: one per metric, except that the machine
/// statistics the SDK reports (`:monitor:…`) get one chart per unit, so
/// percentages and gigabytes never share an axis. Each is (metric, title,
/// series).
pub fn chart_groups(series: &[SeriesData]) -> Vec<(String, String, Vec<SeriesData>)> {
    let mut out = Vec::new();
    for (metric, variants) in by_metric(series) {
        if !metric.starts_with(":monitor:") {
            out.push((metric.clone(), metric, variants));
            continue;
        }
        let units = super::grouped(&variants, |s| monitor_unit(&s.variant));
        out.extend(units.into_iter().map(|(unit, vs)| (metric.clone(), format!("{metric} ({unit})"), vs)));
    }
    out
}

/// The plotly traces and layout of one metric's chart. `t0` is the first
/// report time of the whole view (for relative time); `range` a zoomed
/// iteration window.
pub fn figure(
    metric: &str,
    variants: &[SeriesData],
    opts: ChartOptions,
    t0: i64,
    range: Option<(f64, f64)>,
) -> (Value, Value) {
    let xs = |s: &SeriesData| -> Vec<Value> {
        match opts.x_axis {
            XAxis::Iteration => s.x.iter().map(|&i| json!(i)).collect(),
            XAxis::Relative => s.t.iter().map(|&t| json!((t - t0) as f64 / 1000.0)).collect(),
            XAxis::Wall => s.t.iter().map(|&t| json!(t)).collect(),
        }
    };
    let mut traces = Vec::new();
    for (n, s) in variants.iter().enumerate() {
        let x = xs(s);
        let color = format!("hsl({}, 65%, 48%)", (n * 137) % 360);
        if opts.smoothing > 0.0 {
            traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x, "y": s.y,
                "line": {"color": color, "width": 1}, "opacity": 0.3, "showlegend": false, "hoverinfo": "skip"}));
            traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x,
                "y": smooth(&s.y, opts.smoothing), "line": {"color": color}}));
        } else {
            traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x, "y": s.y, "line": {"color": color}}));
        }
    }
    let mut x_axis = match opts.x_axis {
        XAxis::Iteration => json!({"title": {"text": "iteration"}}),
        XAxis::Relative => json!({"title": {"text": "seconds since start"}}),
        XAxis::Wall => json!({"title": {"text": "time"}, "type": "date"}),
    };
    if let Some((from, to)) = range {
        x_axis["range"] = json!([from, to]);
    }
    let layout = json!({
        "title": {"text": metric},
        "xaxis": x_axis,
        "yaxis": {"type": if opts.log_y { "log" } else { "linear" }},
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        // Same revision: a redraw keeps what the user zoomed to.
        "uirevision": format!("{metric}-{}", opts.x_axis.key()),
    });
    (Value::Array(traces), layout)
}

/// The smoothing, x axis and log scale controls.
#[component]
pub fn ChartControls(options: RwSignal<ChartOptions>) -> impl IntoView {
    let axes = XAxis::ALL
        .into_iter()
        .map(|a| view! { <option value=a.key() prop:selected=move || options.get().x_axis == a>{a.label()}</option> })
        .collect_view();
    view! {
        <div class="chart-controls" role="group" aria-label="chart options">
            <label>"Smoothing "
                <input type="range" min="0" max="0.99" step="0.01" aria-label="Smoothing"
                    prop:value=move || options.get().smoothing.to_string()
                    on:input=move |ev| {
                        let w = event_target_value(&ev).parse::<f64>().unwrap_or(0.0).clamp(0.0, 0.99);
                        options.update(|o| o.smoothing = w);
                    }/>
                <output>{move || format!("{:.2}", options.get().smoothing)}</output>
            </label>
            <label>"X axis "
                <select aria-label="X axis" on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some(a) = XAxis::ALL.into_iter().find(|a| a.key() == key) {
                        options.update(|o| o.x_axis = a);
                    }
                }>{axes}</select>
            </label>
            <label><input type="checkbox" aria-label="Log scale" prop:checked=move || options.get().log_y
                on:change=move |ev| { let on = event_target_checked(&ev); options.update(|o| o.log_y = on); }/>" Log scale"</label>
        </div>
    }
}

/// The single values a task reported (`report_single_value`): ClearML's
/// "Summary" table, a value per metric and variant, never a chart point.
#[component]
pub fn SummaryTable(metrics: Vec<MetricSummary>) -> impl IntoView {
    let fmt = crate::model::format::fmt_number;
    let rows = metrics
        .into_iter()
        .filter(MetricSummary::is_single_value)
        .map(|m| {
            view! {
                <tr data-testid="summary-value" data-series=format!("{}/{}", m.metric, m.variant)>
                    <td>{m.metric.clone()}</td><td>{m.variant.clone()}</td><td class="num">{fmt(m.value)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid values" aria-label="summary">
            <caption>"Summary"</caption>
            <thead><tr><th scope="col">"Metric"</th><th scope="col">"Name"</th><th scope="col">"Value"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// First, last, min and max of every series, from the exact statistics the
/// server keeps (not from the downsampled points); single values are in the
/// [`SummaryTable`].
#[component]
pub fn ValuesTable(metrics: Vec<MetricSummary>) -> impl IntoView {
    let fmt = crate::model::format::fmt_number;
    let rows = metrics
        .into_iter()
        .filter(|m| !m.is_single_value())
        .map(|m| {
            view! {
                <tr data-testid="scalar-values" data-series=format!("{}/{}", m.metric, m.variant)>
                    <td>{m.metric.clone()}</td><td>{m.variant.clone()}</td>
                    <td class="num">{fmt(m.first_value)}<span class="muted">{format!(" @{}", m.first_value_iteration)}</span></td>
                    <td class="num">{fmt(m.value)}<span class="muted">{format!(" @{}", m.last_iteration)}</span></td>
                    <td class="num">{fmt(m.min_value)}<span class="muted">{format!(" @{}", m.min_value_iteration)}</span></td>
                    <td class="num">{fmt(m.max_value)}<span class="muted">{format!(" @{}", m.max_value_iteration)}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid values" aria-label="scalar values">
            <thead><tr><th scope="col">"Metric"</th><th scope="col">"Variant"</th><th scope="col">"First"</th>
                <th scope="col">"Last"</th><th scope="col">"Min"</th><th scope="col">"Max"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The DOM id of the chart of the n-th metric.
fn chart_id(n: usize) -> String {
    format!("scalar-chart-{n}")
}

/// One chart per metric, with its variants as series. With `task`, zooming
/// into a chart (x axis by iteration) refetches that window from the server.
#[component]
pub fn ScalarCharts(
    series: Vec<SeriesData>,
    #[prop(optional)] options: Option<RwSignal<ChartOptions>>,
    #[prop(optional)] task: Option<String>,
) -> impl IntoView {
    let groups = chart_groups(&series);
    if groups.is_empty() {
        return view! { <p class="empty">"No scalars reported."</p> }.into_any();
    }
    let options = options.unwrap_or_else(|| RwSignal::new(ChartOptions::default()));
    let t0 = series.iter().filter_map(|s| s.t.first().copied()).min().unwrap_or(0);
    let charts = groups
        .into_iter()
        .enumerate()
        .map(|(n, (metric, title, variants))| view! { <MetricChart n metric title variants options t0 task=task.clone()/> })
        .collect_view();
    view! { <div class="charts">{charts}</div> }.into_any()
}

/// One metric's chart: redrawn when the options change or a zoom window arrives.
#[component]
fn MetricChart(
    n: usize,
    metric: String,
    title: String,
    variants: Vec<SeriesData>,
    options: RwSignal<ChartOptions>,
    t0: i64,
    task: Option<String>,
) -> impl IntoView {
    // A few series are named; many (a comparison) are counted.
    let names = if variants.len() <= 4 {
        variants.iter().map(|v| v.variant.clone()).collect::<Vec<_>>().join(", ")
    } else {
        format!("{} series", variants.len())
    };
    // The zoomed window and its points, when the user zoomed in.
    let zoomed: Zoomed = RwSignal::new(None);
    #[cfg(feature = "hydrate")]
    {
        let (metric, id, title) = (metric.clone(), chart_id(n), title.clone());
        let mine: std::collections::BTreeSet<String> = variants.iter().map(|v| v.variant.clone()).collect();
        let mine = StoredValue::new(mine);
        let whole = StoredValue::new(variants.clone());
        let listening = StoredValue::new(false);
        Effect::new(move |_| {
            let opts = options.get();
            let (range, shown) = match zoomed.get() {
                Some((range, points)) if opts.x_axis == XAxis::Iteration => (Some(range), points),
                _ => (None, whole.get_value()),
            };
            let (data, layout) = figure(&title, &shown, opts, t0, range);
            let (id, metric, task) = (id.clone(), metric.clone(), task.clone());
            // After this render is in the page, and plotly.js is.
            request_animation_frame(move || {
                crate::components::plotly_js::with_plotly(move || {
                    crate::components::plotly_js::react(&id, &data, &layout);
                    if !listening.get_value() {
                        if let Some(task) = task {
                            let variants = mine.get_value();
                            listening.set_value(listen_for_zoom(&id, task, metric, variants, options, zoomed));
                        }
                    }
                });
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (options, t0, task, &variants);
    let zoom_note = move || {
        zoomed.get().map(|((from, to), _)| {
            view! { <span class="muted" data-testid="zoom-window">{format!(" (iterations {from:.0}–{to:.0} at full resolution)")}</span> }
        })
    };
    view! {
        <figure class="chart" data-testid="scalar-chart" data-metric=metric.clone()>
            <figcaption>{title.clone()}" — "{names}{zoom_note}</figcaption>
            <div id=chart_id(n) class="plot"></div>
        </figure>
    }
}

/// The window the user zoomed to and its points at full chart resolution.
type Zoomed = RwSignal<Option<((f64, f64), Vec<SeriesData>)>>;

/// Refetches a zoomed iteration window of `metric` from the server; a reset
/// goes back to the whole series. Answers whether the listener is attached.
#[cfg(feature = "hydrate")]
fn listen_for_zoom(
    id: &str,
    task: String,
    metric: String,
    variants: std::collections::BTreeSet<String>,
    options: RwSignal<ChartOptions>,
    zoomed: Zoomed,
) -> bool {
    crate::components::plotly_js::on_relayout(id, move |event| {
        if options.get_untracked().x_axis != XAxis::Iteration {
            return;
        }
        match crate::components::plotly_js::relayout_range(&event) {
            Some(Some((from, to))) => {
                let (task, metric, variants) = (task.clone(), metric.clone(), variants.clone());
                leptos::task::spawn_local(async move {
                    let window = Some((from.floor() as i64, to.ceil() as i64));
                    if let Ok(all) = crate::api::events::task_scalars(task, None, window).await {
                        let mine =
                            all.into_iter().filter(|s| s.metric == metric && variants.contains(&s.variant)).collect();
                        zoomed.set(Some(((from, to), mine)));
                    }
                });
            }
            Some(None) => zoomed.set(None),
            None => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(metric: &str, variant: &str) -> SeriesData {
        SeriesData { metric: metric.into(), variant: variant.into(), ..SeriesData::default() }
    }

    #[test]
    fn chart_options_are_stored_and_read_back() {
        let o = ChartOptions { smoothing: 0.6, x_axis: XAxis::Wall, log_y: true };
        assert_eq!(ChartOptions::from_stored(&o.to_stored()), Some(o));
        assert_eq!(ChartOptions::from_stored(&ChartOptions::default().to_stored()), Some(ChartOptions::default()));
        for bad in ["", "2;iter;0", "0.5;sideways;0", "0.5;iter;yes", "0.5;iter;0;extra"] {
            assert_eq!(ChartOptions::from_stored(bad), None, "{bad}");
        }
    }

    #[test]
    fn machine_statistics_get_a_chart_per_unit() {
        let all = [
            series("loss", "train"),
            series(":monitor:machine", "cpu_usage"),
            series(":monitor:machine", "memory_used_gb"),
            series(":monitor:machine", "memory_free_gb"),
            series(":monitor:machine", "network_rx_mbs"),
            series(":monitor:gpu", "gpu_0_utilization"),
        ];
        let charts: Vec<(String, usize)> = chart_groups(&all).into_iter().map(|(_, t, vs)| (t, vs.len())).collect();
        assert_eq!(
            charts,
            [
                ("loss".to_string(), 1),
                (":monitor:machine (%)".to_string(), 1),
                (":monitor:machine (GB)".to_string(), 2),
                (":monitor:machine (MB/s)".to_string(), 1),
                (":monitor:gpu (%)".to_string(), 1),
            ]
        );
    }
}
