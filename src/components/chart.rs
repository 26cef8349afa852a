//! Scalar charts: one plotly.js line chart per metric with its variants as
//! series (or one per series), drawn in the browser after hydration. The
//! controls choose the metrics shown, smooth the lines (exponential, running
//! average or Gaussian), switch the x axis (iteration, relative or wall time,
//! or another series' value), the y scale (linear or log), and split a
//! metric's series into charts of their own; each chart can fill the window.
//! Zooming into a task's chart fetches that window again from the server at
//! full chart resolution.

use super::embed::EmbedButton;
use crate::model::task::MetricSummary;
use crate::model::SeriesData;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What the x axis shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum XAxis {
    Iteration,
    /// Seconds since the task's first reported point.
    Relative,
    /// Wall-clock time.
    Wall,
    /// The value of another series at the same iteration (W&B's "custom x
    /// axis": a metric such as `epoch` or the learning rate).
    Series {
        metric: String,
        variant: String,
    },
}

/// The fixed x axes, in the order the chooser lists them.
const TIME_AXES: [XAxis; 3] = [XAxis::Iteration, XAxis::Relative, XAxis::Wall];

/// Separates a series' metric from its variant in an x-axis key.
const KEY_SEP: char = '\u{1f}';

impl XAxis {
    /// The chooser's value for this axis.
    fn key(&self) -> String {
        match self {
            XAxis::Iteration => "iter".into(),
            XAxis::Relative => "relative".into(),
            XAxis::Wall => "wall".into(),
            XAxis::Series { metric, variant } => format!("series:{metric}{KEY_SEP}{variant}"),
        }
    }

    /// Reads [`XAxis::key`] back.
    fn from_key(key: &str) -> Option<XAxis> {
        if let Some(rest) = key.strip_prefix("series:") {
            let (metric, variant) = rest.split_once(KEY_SEP)?;
            return Some(XAxis::Series { metric: metric.into(), variant: variant.into() });
        }
        TIME_AXES.into_iter().find(|a| a.key() == key)
    }

    fn label(&self) -> String {
        match self {
            XAxis::Iteration => "Iteration".into(),
            XAxis::Relative => "Relative time".into(),
            XAxis::Wall => "Wall time".into(),
            XAxis::Series { metric, variant } => format!("{metric} / {variant}"),
        }
    }
}

/// How lines are smoothed; the amount is [`ChartOptions::smoothing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Smoothing {
    /// Exponential moving average; the amount is its weight (0 to 0.99).
    Ema,
    /// The mean of the last n points (n = the amount, 1 to 100).
    Average,
    /// A Gaussian kernel over the neighbouring points; the amount is its
    /// standard deviation in points (0 to 50).
    Gaussian,
}

impl Smoothing {
    const ALL: [Smoothing; 3] = [Smoothing::Ema, Smoothing::Average, Smoothing::Gaussian];

    fn key(self) -> &'static str {
        match self {
            Smoothing::Ema => "ema",
            Smoothing::Average => "average",
            Smoothing::Gaussian => "gaussian",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Smoothing::Ema => "Exponential",
            Smoothing::Average => "Running average",
            Smoothing::Gaussian => "Gaussian",
        }
    }

    /// The largest amount and the slider's step.
    fn range(self) -> (f64, f64) {
        match self {
            Smoothing::Ema => (0.99, 0.01),
            Smoothing::Average => (100.0, 1.0),
            Smoothing::Gaussian => (50.0, 1.0),
        }
    }

    /// The amount a newly chosen method starts with.
    fn default_amount(self) -> f64 {
        match self {
            Smoothing::Ema => 0.6,
            Smoothing::Average => 10.0,
            Smoothing::Gaussian => 3.0,
        }
    }

    /// Whether `amount` is a valid amount of this method.
    fn allows(self, amount: f64) -> bool {
        let (max, step) = self.range();
        (0.0..=max).contains(&amount) && (step < 1.0 || amount.fract() == 0.0)
    }

    /// `y` smoothed by `amount`, or `None` when that smooths nothing (an
    /// amount of 0, a window of one point). Gaps stay gaps and are skipped
    /// by the windows.
    pub fn apply(self, y: &[Option<f64>], amount: f64) -> Option<Vec<Option<f64>>> {
        match self {
            Smoothing::Ema if amount > 0.0 => Some(smooth(y, amount)),
            Smoothing::Average if amount >= 2.0 => Some(running_average(y, amount as usize)),
            Smoothing::Gaussian if amount > 0.0 => Some(gaussian(y, amount)),
            _ => None,
        }
    }
}

/// How the charts are drawn, shared by every chart of a view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChartOptions {
    pub method: Smoothing,
    /// How much [`ChartOptions::method`] smooths (0: not at all).
    pub smoothing: f64,
    pub x_axis: XAxis,
    pub log_y: bool,
    /// One chart per series instead of one per metric.
    pub split: bool,
    /// The metrics not drawn.
    pub hidden: BTreeSet<String>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            method: Smoothing::Ema,
            smoothing: 0.0,
            x_axis: XAxis::Iteration,
            log_y: false,
            split: false,
            hidden: BTreeSet::new(),
        }
    }
}

impl ChartOptions {
    /// As kept in the browser (JSON).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads [`ChartOptions::to_stored`] back; `None` for anything else
    /// (an older format, an amount out of range).
    pub fn from_stored(s: &str) -> Option<ChartOptions> {
        let o: ChartOptions = serde_json::from_str(s).ok()?;
        o.method.allows(o.smoothing).then_some(o)
    }
}

/// Chart options that survive a reload (kept in the browser).
pub fn remembered_options() -> RwSignal<ChartOptions> {
    super::stored::remembered(
        "labbook-chart-options",
        ChartOptions::default(),
        ChartOptions::to_stored,
        ChartOptions::from_stored,
    )
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

/// The mean of each point and the `window - 1` points before it (fewer at
/// the start); gaps stay gaps.
pub fn running_average(y: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    let mut recent = std::collections::VecDeque::with_capacity(window);
    let mut sum = 0.0;
    y.iter()
        .map(|v| {
            v.map(|v| {
                recent.push_back(v);
                sum += v;
                if recent.len() > window {
                    sum -= recent.pop_front().unwrap_or(0.0);
                }
                sum / recent.len() as f64
            })
        })
        .collect()
}

/// Each point replaced by the Gaussian-weighted mean of the points within
/// three standard deviations (`sigma`, in points) of it; gaps stay gaps.
pub fn gaussian(y: &[Option<f64>], sigma: f64) -> Vec<Option<f64>> {
    let reach = (3.0 * sigma).ceil() as usize;
    let weights: Vec<f64> = (0..=reach).map(|d| (-((d * d) as f64) / (2.0 * sigma * sigma)).exp()).collect();
    let values: Vec<f64> = y.iter().flatten().copied().collect();
    let mut next: usize = 0;
    y.iter()
        .map(|v| {
            v.map(|_| {
                let i = next;
                next += 1;
                let (from, to) = (i.saturating_sub(reach), (i + reach).min(values.len() - 1));
                let (mut sum, mut total) = (0.0, 0.0);
                for (j, v) in values.iter().enumerate().take(to + 1).skip(from) {
                    let w = weights[i.abs_diff(j)];
                    sum += w * v;
                    total += w;
                }
                sum / total
            })
        })
        .collect()
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

/// The charts of a view: one per metric not `hidden`, except that the
/// machine statistics the SDK reports (`:monitor:…`) get one chart per
/// unit, so percentages and gigabytes never share an axis; with `split`,
/// one per series. Each is (metric, title, the variants it draws); made of
/// the series' names only, so new points cost nothing here.
pub fn chart_groups(
    series: &[SeriesData],
    split: bool,
    hidden: &BTreeSet<String>,
) -> Vec<(String, String, Vec<String>)> {
    let names: Vec<(&str, &str)> = series.iter().map(|s| (s.metric.as_str(), s.variant.as_str())).collect();
    let mut out = Vec::new();
    for (metric, pairs) in super::grouped(&names, |(m, _)| *m) {
        if hidden.contains(metric) {
            continue;
        }
        let variants: Vec<String> = pairs.into_iter().map(|(_, v)| v.to_string()).collect();
        let metric = metric.to_string();
        if split {
            out.extend(variants.into_iter().map(|v| (metric.clone(), format!("{metric} / {v}"), vec![v])));
        } else if !metric.starts_with(":monitor:") {
            out.push((metric.clone(), metric, variants));
        } else {
            let units = super::grouped(&variants, |v| monitor_unit(v));
            out.extend(units.into_iter().map(|(unit, vs)| (metric.clone(), format!("{metric} ({unit})"), vs)));
        }
    }
    out
}

/// The points of `s` against the series `by`: each point's x is the value
/// `by` last had at or before the point's iteration; points before `by`'s
/// first value (or where it was not finite) are left out.
fn against(s: &SeriesData, by: &SeriesData) -> (Vec<Value>, Vec<Option<f64>>) {
    let by: BTreeMap<i64, Option<f64>> = by.x.iter().copied().zip(by.y.iter().copied()).collect();
    s.x.iter()
        .zip(&s.y)
        .filter_map(|(i, y)| {
            let (_, x) = by.range(..=*i).next_back()?;
            x.map(|x| (json!(x), *y))
        })
        .unzip()
}

/// The plotly traces and layout of one metric's chart. `t0` is the first
/// report time of the whole view (for relative time); `range` a zoomed
/// iteration window; `x_series` the series an [`XAxis::Series`] names.
pub fn figure(
    metric: &str,
    variants: &[SeriesData],
    opts: &ChartOptions,
    t0: i64,
    range: Option<(f64, f64)>,
    x_series: Option<&SeriesData>,
) -> (Value, Value) {
    let points = |s: &SeriesData| -> (Vec<Value>, Vec<Option<f64>>) {
        match (&opts.x_axis, x_series) {
            (XAxis::Relative, _) => (s.t.iter().map(|&t| json!((t - t0) as f64 / 1000.0)).collect(), s.y.clone()),
            // On the reader's clock: plotly.js reads epoch numbers as UTC.
            (XAxis::Wall, _) => (s.t.iter().map(|&t| json!(super::time::clock_text_ms(t))).collect(), s.y.clone()),
            (XAxis::Series { .. }, Some(by)) => against(s, by),
            // The chosen series is not in this view: by iteration.
            (XAxis::Iteration | XAxis::Series { .. }, _) => (s.x.iter().map(|&i| json!(i)).collect(), s.y.clone()),
        }
    };
    let mut traces = Vec::new();
    for (n, s) in variants.iter().enumerate() {
        let (x, y) = points(s);
        let color = format!("hsl({}, 65%, 48%)", (n * 137) % 360);
        match opts.method.apply(&y, opts.smoothing) {
            Some(smoothed) => {
                traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x, "y": y,
                    "line": {"color": color, "width": 1}, "opacity": 0.3, "showlegend": false, "hoverinfo": "skip"}));
                traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x,
                    "y": smoothed, "line": {"color": color}}));
            }
            None => {
                traces.push(json!({"type": "scatter", "mode": "lines", "name": s.variant, "x": x, "y": y, "line": {"color": color}}));
            }
        }
    }
    let mut x_axis = match (&opts.x_axis, x_series) {
        (XAxis::Relative, _) => json!({"title": {"text": "seconds since start"}}),
        (XAxis::Wall, _) => {
            json!({"title": {"text": format!("time ({})", super::time::zone_label(t0))}, "type": "date"})
        }
        (XAxis::Series { metric, variant }, Some(_)) => json!({"title": {"text": format!("{metric} / {variant}")}}),
        (XAxis::Iteration | XAxis::Series { .. }, _) => json!({"title": {"text": "iteration"}}),
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

/// The metric chooser, smoothing, x axis, log scale and split controls.
/// `metrics` are the chartable metrics of the view, `series` the series
/// that can serve as an x axis.
#[component]
pub fn ChartControls(
    options: RwSignal<ChartOptions>,
    #[prop(optional)] metrics: Vec<String>,
    #[prop(optional)] series: Vec<(String, String)>,
) -> impl IntoView {
    let axes = TIME_AXES
        .into_iter()
        .chain(series.into_iter().map(|(metric, variant)| XAxis::Series { metric, variant }))
        .map(|a| {
            let (key, label) = (a.key(), a.label());
            view! { <option value=key prop:selected=move || options.with(|o| o.x_axis == a)>{label}</option> }
        })
        .collect_view();
    let methods = Smoothing::ALL
        .into_iter()
        .map(|m| view! { <option value=m.key() prop:selected=move || options.with(|o| o.method == m)>{m.label()}</option> })
        .collect_view();
    let amount = move || {
        options.with(|o| match o.method {
            Smoothing::Ema => format!("{:.2}", o.smoothing),
            Smoothing::Average => format!("{} points", o.smoothing),
            Smoothing::Gaussian => format!("σ {} points", o.smoothing),
        })
    };
    let method = Memo::new(move |_| options.with(|o| o.method));
    let chooser = (!metrics.is_empty()).then(|| view! { <MetricChooser options metrics/> });
    view! {
        <div class="chart-controls" role="group" aria-label="chart options">
            {chooser}
            <label>"Smoother "
                <select aria-label="Smoother" on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some(m) = Smoothing::ALL.into_iter().find(|m| m.key() == key) {
                        options.update(|o| {
                            o.method = m;
                            o.smoothing = m.default_amount();
                        });
                    }
                }>{methods}</select>
            </label>
            <label>"Smoothing "
                {move || {
                    // A new slider per method: its range and step differ.
                    let (max, step) = method.get().range();
                    view! {
                        <input type="range" min="0" max=max.to_string() step=step.to_string() aria-label="Smoothing"
                            prop:value=move || options.with(|o| o.smoothing.to_string())
                            on:input=move |ev| {
                                let v = event_target_value(&ev).parse::<f64>().unwrap_or(0.0).clamp(0.0, max);
                                options.update(|o| o.smoothing = if step < 1.0 { v } else { v.round() });
                            }/>
                    }
                }}
                <output>{amount}</output>
            </label>
            <label>"X axis "
                <select aria-label="X axis" on:change=move |ev| {
                    if let Some(a) = XAxis::from_key(&event_target_value(&ev)) {
                        options.update(|o| o.x_axis = a);
                    }
                }>{axes}</select>
            </label>
            <label><input type="checkbox" aria-label="Log scale" prop:checked=move || options.with(|o| o.log_y)
                on:change=move |ev| { let on = event_target_checked(&ev); options.update(|o| o.log_y = on); }/>" Log scale"</label>
            <label><input type="checkbox" aria-label="One chart per series" prop:checked=move || options.with(|o| o.split)
                on:change=move |ev| { let on = event_target_checked(&ev); options.update(|o| o.split = on); }/>" One chart per series"</label>
        </div>
    }
}

/// Which metrics are drawn: a menu of checkboxes with a filter, and All / None.
#[component]
fn MetricChooser(options: RwSignal<ChartOptions>, metrics: Vec<String>) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let total = metrics.len();
    let all = StoredValue::new(metrics.clone());
    let shown = move || all.with_value(|ms| options.with(|o| ms.iter().filter(|m| !o.hidden.contains(*m)).count()));
    let items = metrics
        .into_iter()
        .map(|m| {
            let (name, key, find) = (m.clone(), m.clone(), m.to_lowercase());
            let matches = move || filter.with(|f| find.contains(&f.to_lowercase()));
            view! {
                <label class="check" data-testid="metric-choice" style:display=move || if matches() { "" } else { "none" }>
                    <input type="checkbox" prop:checked=move || options.with(|o| !o.hidden.contains(&key))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            options.update(|o| {
                                if on { o.hidden.remove(&m); } else { o.hidden.insert(m.clone()); }
                            });
                        }/>
                    " "{name}
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="menu" data-testid="menu-metrics">
            <summary>{move || format!("Metrics ({} of {total})", shown())}</summary>
            <div class="menu-items">
                <input type="search" placeholder="Filter metrics" aria-label="Filter metrics"
                    prop:value=filter on:input=move |ev| filter.set(event_target_value(&ev))/>
                <div class="buttons">
                    <button type="button" on:click=move |_| options.update(|o| o.hidden.clear())>"All"</button>
                    <button type="button" on:click=move |_| {
                        options.update(|o| o.hidden = all.get_value().into_iter().collect())
                    }>"None"</button>
                </div>
                {items}
            </div>
        </details>
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

/// The DOM id of the chart of the n-th metric (ids start with `prefix`:
/// several chart grids on one page need their own).
fn chart_id(prefix: &str, n: usize) -> String {
    format!("{prefix}-{n}")
}

/// One chart per metric (or per series), with its variants as series. With
/// `task`, zooming into a chart (x axis by iteration) refetches that window
/// from the server. New points (a running task's live refresh) redraw the
/// charts in place, keeping a zoom, the full-screen chart and the focus; the
/// charts themselves change only with the split, the hidden metrics and the
/// series' names.
#[component]
pub fn ScalarCharts(
    #[prop(into)] series: Signal<Vec<SeriesData>>,
    #[prop(optional)] options: Option<RwSignal<ChartOptions>>,
    #[prop(optional)] task: Option<String>,
    /// The start of the charts' DOM ids; `scalar-chart` unless given.
    #[prop(optional, into)]
    prefix: Option<String>,
    /// The tasks a chart's "Embed" snippet names; no Embed button without.
    #[prop(optional)]
    embed: Option<Vec<String>>,
) -> impl IntoView {
    let prefix = StoredValue::new(prefix.unwrap_or_else(|| "scalar-chart".to_string()));
    let options = options.unwrap_or_else(|| RwSignal::new(ChartOptions::default()));
    // Each chart's metric, title and variants: what the grid is made of.
    let slots = Memo::new(move |_| {
        let (split, hidden) = options.with(|o| (o.split, o.hidden.clone()));
        series.with(|all| (all.is_empty(), chart_groups(all, split, &hidden)))
    });
    let charts = move || {
        let (nothing, slots) = slots.get();
        if nothing {
            return view! { <p class="empty">"No scalars reported."</p> }.into_any();
        }
        if slots.is_empty() {
            return view! { <p class="empty">"Every metric is hidden (see Metrics)."</p> }.into_any();
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(n, (metric, title, variants))| {
                let id = prefix.with_value(|p| chart_id(p, n));
                view! { <MetricChart id metric title variants options task=task.clone() all=series embed=embed.clone()/> }
            })
            .collect_view()
            .into_any()
    };
    view! { <div class="charts">{charts}</div> }.into_any()
}

/// The series of `all` that one chart draws, in the chart's order.
#[cfg(any(feature = "hydrate", test))]
fn chart_series(all: &[SeriesData], metric: &str, variants: &[String]) -> Vec<SeriesData> {
    variants.iter().filter_map(|v| all.iter().find(|s| s.metric == metric && s.variant == *v).cloned()).collect()
}

/// The first report time of a view (relative time counts from it).
#[cfg(any(feature = "hydrate", test))]
fn first_time(all: &[SeriesData]) -> i64 {
    all.iter().filter_map(|s| s.t.first().copied()).min().unwrap_or(0)
}

/// One chart: redrawn in place when its series, the options or a zoom
/// window change; "Full screen" makes it fill the window (Escape or the
/// button again gives it back).
#[component]
fn MetricChart(
    /// Its DOM id.
    id: String,
    metric: String,
    title: String,
    /// The variants of `metric` it draws.
    variants: Vec<String>,
    options: RwSignal<ChartOptions>,
    task: Option<String>,
    /// Every series of the view (its own, and one may be the x axis).
    all: Signal<Vec<SeriesData>>,
    /// The tasks its embed snippet names.
    embed: Option<Vec<String>>,
) -> impl IntoView {
    // A few series are named; many (a comparison) are counted.
    let names = if variants.len() <= 4 { variants.join(", ") } else { format!("{} series", variants.len()) };
    // The zoomed window and its points, when the user zoomed in.
    let zoomed: Zoomed = RwSignal::new(None);
    let maximized = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let resize_id = id.clone();
        let (metric, id, title) = (metric.clone(), id.clone(), title.clone());
        let mine: BTreeSet<String> = variants.iter().cloned().collect();
        let mine = StoredValue::new(mine);
        let variants = StoredValue::new(variants);
        let listening = StoredValue::new(false);
        Effect::new(move |_| {
            let opts = options.get();
            let zoom = zoomed.get();
            let (data, layout) = all.with(|all| {
                let (range, shown) = match zoom {
                    Some((range, points)) if opts.x_axis == XAxis::Iteration => (Some(range), points),
                    _ => (None, variants.with_value(|v| chart_series(all, &metric, v))),
                };
                let by = match &opts.x_axis {
                    XAxis::Series { metric, variant } => {
                        all.iter().find(|s| s.metric == *metric && s.variant == *variant)
                    }
                    _ => None,
                };
                figure(&title, &shown, &opts, first_time(all), range, by)
            });
            let (id, metric, task) = (id.clone(), metric.clone(), task.clone());
            // After this render is in the page, and plotly.js is.
            request_animation_frame(move || {
                crate::components::plotly_js::with_plotly(move || {
                    // The chart may be gone by now (a metric hidden, the
                    // view split, another page): then there is nothing to draw.
                    let (Some(attached), Some(variants)) = (listening.try_get_value(), mine.try_get_value()) else {
                        return;
                    };
                    crate::components::plotly_js::react(&id, &data, &layout);
                    if !attached {
                        if let Some(task) = task {
                            let _ =
                                listening.try_set_value(listen_for_zoom(&id, task, metric, variants, options, zoomed));
                        }
                    }
                });
            });
        });
        // The plot takes its new size after the page has laid it out.
        let id = resize_id;
        Effect::new(move |first: Option<()>| {
            maximized.track();
            if first.is_some() {
                let id = id.clone();
                request_animation_frame(move || crate::components::plotly_js::resize(&id));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (options, task, &variants, all);
    let zoom_note = move || {
        zoomed.get().map(|((from, to), _)| {
            view! { <span class="muted" data-testid="zoom-window">{format!(" (iterations {from:.0}–{to:.0} at full resolution)")}</span> }
        })
    };
    view! {
        <figure class="chart" class:maximized=maximized data-testid="scalar-chart" data-metric=metric.clone()
            data-title=title.clone()
            on:keydown=move |ev| if ev.key() == "Escape" && maximized.get_untracked() { maximized.set(false); }>
            <figcaption>
                <span>{title.clone()}" — "{names}{zoom_note}</span>
                {embed.map(|objects| view! { <EmbedButton kind="scalar" objects metric=metric.clone()/> })}
                <button type="button" class="link" aria-pressed=move || maximized.get().to_string()
                    on:click=move |_| maximized.update(|m| *m = !*m)>
                    {move || if maximized.get() { "Exit full screen" } else { "Full screen" }}
                </button>
            </figcaption>
            <div id=id.clone() class="plot"></div>
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
    fn a_chart_takes_its_series_from_the_latest_view_in_its_order() {
        let mut later = series("loss", "val");
        later.t = vec![20];
        let mut first = series("loss", "train");
        first.t = vec![10, 30];
        let all = vec![later, series("acc", "train"), first];
        let drawn = chart_series(&all, "loss", &["train".into(), "val".into(), "gone".into()]);
        let names: Vec<&str> = drawn.iter().map(|s| s.variant.as_str()).collect();
        assert_eq!(names, ["train", "val"]);
        assert_eq!(first_time(&all), 10);
        assert_eq!(first_time(&[]), 0);
    }

    #[test]
    fn chart_options_are_stored_and_read_back() {
        let o = ChartOptions {
            method: Smoothing::Gaussian,
            smoothing: 4.0,
            x_axis: XAxis::Series { metric: "epoch".into(), variant: "epoch".into() },
            log_y: true,
            split: true,
            hidden: ["loss".to_string()].into(),
        };
        assert_eq!(ChartOptions::from_stored(&o.to_stored()), Some(o));
        assert_eq!(ChartOptions::from_stored(&ChartOptions::default().to_stored()), Some(ChartOptions::default()));
        // The format before smoothing methods, amounts out of range, not JSON.
        for bad in ["", "0.5;iter;0", r#"{"method":"Ema","smoothing":2}"#, r#"{"method":"Average","smoothing":2.5}"#] {
            assert_eq!(ChartOptions::from_stored(bad), None, "{bad}");
        }
    }

    #[test]
    fn x_axis_keys_read_back() {
        for a in [XAxis::Iteration, XAxis::Wall, XAxis::Series { metric: "a/b".into(), variant: "c d".into() }] {
            assert_eq!(XAxis::from_key(&a.key()), Some(a));
        }
        assert_eq!(XAxis::from_key("sideways"), None);
    }

    #[test]
    fn smoothing_methods() {
        let y = [Some(0.0), Some(10.0), None, Some(20.0), Some(30.0)];
        assert_eq!(Smoothing::Ema.apply(&y, 0.0), None);
        assert_eq!(Smoothing::Average.apply(&y, 1.0), None);
        assert_eq!(Smoothing::Average.apply(&y, 2.0), Some(vec![Some(0.0), Some(5.0), None, Some(15.0), Some(25.0)]));
        let g = Smoothing::Gaussian.apply(&y, 1.0).unwrap_or_default();
        assert_eq!(g[2], None);
        // A symmetric kernel keeps a straight line straight, inside it.
        let line: Vec<Option<f64>> = (0..20).map(|i| Some(f64::from(i))).collect();
        let g = gaussian(&line, 2.0);
        assert!((g[10].unwrap_or_default() - 10.0).abs() < 1e-9);
        // At the edges it only sees one side.
        assert!(g[0].unwrap_or_default() > 0.0);
    }

    #[test]
    fn a_series_as_the_x_axis_takes_its_last_value_so_far() {
        let loss = SeriesData {
            x: vec![0, 5, 10, 15],
            y: vec![Some(4.0), Some(3.0), Some(2.0), Some(1.0)],
            ..series("loss", "train")
        };
        let epoch = SeriesData { x: vec![5, 12], y: vec![Some(1.0), Some(2.0)], ..series("epoch", "epoch") };
        let (x, y) = against(&loss, &epoch);
        assert_eq!(x, [json!(1.0), json!(1.0), json!(2.0)]);
        assert_eq!(y, [Some(3.0), Some(2.0), Some(1.0)]);
    }

    #[test]
    fn hidden_metrics_and_split_series() {
        let all = [series("loss", "train"), series("loss", "val"), series("acc", "val")];
        let titles = |split, hidden: &[&str]| -> Vec<String> {
            let hidden = hidden.iter().map(|h| h.to_string()).collect();
            chart_groups(&all, split, &hidden).into_iter().map(|(_, t, _)| t).collect()
        };
        assert_eq!(titles(false, &[]), ["loss", "acc"]);
        assert_eq!(titles(false, &["loss"]), ["acc"]);
        assert_eq!(titles(true, &["acc"]), ["loss / train", "loss / val"]);
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
        let charts: Vec<(String, usize)> =
            chart_groups(&all, false, &BTreeSet::new()).into_iter().map(|(_, t, vs)| (t, vs.len())).collect();
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
