//! The plots and debug samples of compared tasks, as ClearML's compare
//! view shows them: per metric and variant, each task's newest figure side
//! by side (scatter figures merged into one chart, a trace per task), and
//! each task's sample at one iteration chosen for all. Each sits in a fold
//! that is closed at first (its state remembered) and asks the server for
//! its data only once opened, so a comparison does not wait for them.

use super::error::ErrorBox;
use super::figure::{by_series, FigureView, IterationSlider};
use super::samples::media;
use super::stored::remembered_flag;
use crate::api::events::{compare_plots, compare_samples};
use crate::error::AppError;
use crate::model::event::{PlotData, SampleData};
use leptos::prelude::*;
use serde_json::Value;

/// One series (metric, variant) and what each compared task has of it,
/// one slot per task in the tasks' order.
pub type SeriesSlots<T> = ((String, String), Vec<Vec<T>>);

/// Per metric and variant (in first-seen order over all tasks), what each
/// task has of it.
pub fn per_series<T: Clone>(per_task: &[Vec<T>], key: impl Fn(&T) -> (String, String, i64)) -> Vec<SeriesSlots<T>> {
    let mut out: Vec<SeriesSlots<T>> = Vec::new();
    for (n, items) in per_task.iter().enumerate() {
        for ((metric, variant), group) in by_series(items, &key) {
            let k = (metric, variant);
            let slot = match out.iter().position(|(g, _)| *g == k) {
                Some(i) => i,
                None => {
                    out.push((k, vec![Vec::new(); per_task.len()]));
                    out.len() - 1
                }
            };
            out[slot].1[n] = group;
        }
    }
    out
}

/// One chart of several tasks' figures when every trace of each is a
/// scatter (plotly's default type): the traces renamed "{task} · {trace}",
/// the first figure's layout. `None` when fewer than two tasks have a
/// figure or any is something else (a table, a heatmap, an image).
pub fn merge_scatter(figures: &[Option<&PlotData>], names: &[String]) -> Option<String> {
    if figures.iter().flatten().count() < 2 {
        return None;
    }
    let mut traces = Vec::new();
    let mut layout = None;
    for (figure, name) in figures.iter().zip(names) {
        let Some(figure) = figure else { continue };
        let parsed: Value = serde_json::from_str(&figure.plot_str).ok()?;
        for trace in parsed.get("data")?.as_array()? {
            let mut trace = trace.as_object()?.clone();
            let kind = trace.get("type").and_then(Value::as_str).unwrap_or("scatter");
            if !matches!(kind, "scatter" | "scattergl") {
                return None;
            }
            let label = match trace.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
                Some(own) => format!("{name} · {own}"),
                None => name.clone(),
            };
            trace.insert("name".into(), Value::String(label));
            traces.push(Value::Object(trace));
        }
        if layout.is_none() {
            layout = parsed.get("layout").cloned();
        }
    }
    let mut layout = layout.unwrap_or_else(|| Value::Object(Default::default()));
    if let Some(l) = layout.as_object_mut() {
        l.insert("showlegend".into(), Value::Bool(true));
    }
    Some(serde_json::json!({ "data": traces, "layout": layout }).to_string())
}

/// Every iteration any task reported a series at, ascending.
pub fn iterations_of(groups: &[Vec<SampleData>]) -> Vec<i64> {
    let mut all: Vec<i64> = groups.iter().flatten().map(|s| s.iter).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// What a task shows at `iter`: its newest sample at or before it (`group`
/// sorted by iteration).
pub fn sample_at(group: &[SampleData], iter: i64) -> Option<&SampleData> {
    group.iter().rev().find(|s| s.iter <= iter)
}

/// A fold's data: `None` until its answer arrives.
type Fetched<T> = RwSignal<Option<Result<T, AppError>>>;

/// A fold whose open state the browser remembers under `key`, and its
/// data: nothing until it is first opened, then the answer of `fetch`,
/// asked once.
fn fold<T, F, Fut>(key: &'static str, fetch: F) -> (RwSignal<bool>, Fetched<T>)
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + 'static,
{
    let open = remembered_flag(key, false);
    let data: Fetched<T> = RwSignal::new(None);
    // Effects run in the browser only; once asked, never again.
    Effect::new(move |asked: Option<bool>| {
        if asked == Some(true) || !open.get() {
            return asked.unwrap_or(false);
        }
        let answer = fetch();
        leptos::task::spawn_local(async move { data.set(Some(answer.await)) });
        true
    });
    (open, data)
}

/// The `<details>` around a fold's body: follows `open` both ways.
#[component]
fn Fold(open: RwSignal<bool>, testid: &'static str, title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! {
        <details class="compare-media" data-testid=testid prop:open=move || open.get()
            on:toggle=move |ev| {
                let now = super::dialog::details_open(&ev);
                if now != open.get_untracked() {
                    open.set(now);
                }
            }>
            <summary><h2>{title}</h2></summary>
            {children()}
        </details>
    }
}

/// The compared tasks' plots (`ids` and their `names`, in the same order).
#[component]
pub fn ComparePlots(ids: Vec<String>, names: Vec<String>) -> impl IntoView {
    let ids = StoredValue::new(ids);
    let (open, data) = fold("labbook-compare-plots-open", move || compare_plots(ids.get_value()));
    let names = StoredValue::new(names);
    let body = move || match data.get() {
        None => open.get().then(|| view! { <p class="muted">"Loading plots…"</p> }.into_any()),
        Some(Ok(plots)) => Some(view! { <PlotGrid plots names=names.get_value()/> }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorBox message=e.user_message()/> }.into_any()),
    };
    view! { <Fold open testid="compare-plots" title="Plots">{body}</Fold> }
}

/// Per metric and variant, each task's newest figure (`plots` and `names`
/// per task, in one order).
#[component]
pub fn PlotGrid(
    plots: Vec<Vec<PlotData>>,
    names: Vec<String>,
    /// The start of the figures' DOM ids; `compare-plot` unless given.
    #[prop(optional, into)]
    prefix: Option<String>,
) -> impl IntoView {
    let prefix = prefix.unwrap_or_else(|| "compare-plot".to_string());
    let series = per_series(&plots, |p| (p.metric.clone(), p.variant.clone(), p.iter));
    if series.is_empty() {
        return view! { <p class="empty">"None of these tasks reported plots."</p> }.into_any();
    }
    series
        .into_iter()
        .enumerate()
        .map(|(g, ((metric, variant), slots))| {
            // Each task's newest figure of the series.
            let newest: Vec<Option<&PlotData>> = slots.iter().map(|s| s.last()).collect();
            let body = match merge_scatter(&newest, &names) {
                Some(merged) => {
                    let figure = Signal::derive(move || merged.clone());
                    view! { <FigureView id=format!("{prefix}-{g}") figure/> }.into_any()
                }
                None => newest
                    .iter()
                    .zip(&names)
                    .enumerate()
                    .map(|(t, (plot, name))| match plot {
                        Some(p) => {
                            let fig = p.plot_str.clone();
                            let figure = Signal::derive(move || fig.clone());
                            view! {
                                <div class="compare-cell" data-testid="compare-plot-task">
                                    <p class="muted">{format!("{name} · iteration {}", p.iter)}</p>
                                    <FigureView id=format!("{prefix}-{g}-{t}") figure/>
                                </div>
                            }
                            .into_any()
                        }
                        None => view! {
                            <div class="compare-cell" data-testid="compare-plot-task">
                                <p class="muted">{format!("{name}: not reported")}</p>
                            </div>
                        }
                        .into_any(),
                    })
                    .collect_view()
                    .into_any(),
            };
            view! {
                <figure class="chart" data-testid="compare-plot" data-metric=metric.clone() data-variant=variant.clone()>
                    <figcaption>{format!("{metric} — {variant}")}</figcaption>
                    <div class="compare-cells">{body}</div>
                </figure>
            }
        })
        .collect_view()
        .into_any()
}

/// The compared tasks' debug samples (`ids` and their `names`).
#[component]
pub fn CompareSamples(ids: Vec<String>, names: Vec<String>) -> impl IntoView {
    let ids = StoredValue::new(ids);
    let (open, data) = fold("labbook-compare-samples-open", move || compare_samples(ids.get_value()));
    let names = StoredValue::new(names);
    let body = move || match data.get() {
        None => open.get().then(|| view! { <p class="muted">"Loading debug samples…"</p> }.into_any()),
        Some(Ok(samples)) => Some(view! { <SampleGrid samples names=names.get_value()/> }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorBox message=e.user_message()/> }.into_any()),
    };
    view! { <Fold open testid="compare-samples" title="Debug samples">{body}</Fold> }
}

/// Per metric and variant, each task's sample at one iteration chosen with
/// a slider for all (`samples` and `names` per task, in one order).
#[component]
pub fn SampleGrid(samples: Vec<Vec<SampleData>>, names: Vec<String>) -> impl IntoView {
    let series = per_series(&samples, |s| (s.metric.clone(), s.variant.clone(), s.iter));
    if series.is_empty() {
        return view! { <p class="empty">"None of these tasks reported debug samples."</p> }.into_any();
    }
    let names = StoredValue::new(names);
    series
        .into_iter()
        .map(|((metric, variant), slots)| {
            let iterations = iterations_of(&slots);
            // The newest iteration first, as on a task's page.
            let index = RwSignal::new(iterations.len().saturating_sub(1));
            let slider = (iterations.len() > 1).then(|| view! { <IterationSlider iterations=iterations.clone() index/> });
            let iterations = StoredValue::new(iterations);
            let slots = StoredValue::new(slots);
            let cells = move || {
                let iter = iterations.with_value(|it| it.get(index.get()).copied().unwrap_or_default());
                slots.with_value(|slots| {
                    names.with_value(|names| {
                        slots
                            .iter()
                            .zip(names)
                            .map(|(group, name)| match sample_at(group, iter) {
                                Some(s) => view! {
                                    <figure class="sample" data-testid="compare-sample" data-task=name.clone()>
                                        <figcaption>{format!("{name} · iteration {}", s.iter)}</figcaption>
                                        <div class="sample-body">{media(s)}</div>
                                    </figure>
                                }
                                .into_any(),
                                None => view! {
                                    <figure class="sample" data-testid="compare-sample" data-task=name.clone()>
                                        <figcaption>{format!("{name}: nothing by iteration {iter}")}</figcaption>
                                    </figure>
                                }
                                .into_any(),
                            })
                            .collect_view()
                    })
                })
            };
            view! {
                <section class="compare-series" data-testid="compare-sample-series" data-metric=metric.clone() data-variant=variant.clone()>
                    <h3>{format!("{metric} — {variant}")}</h3>
                    {slider}
                    <div class="samples">{cells}</div>
                </section>
            }
        })
        .collect_view()
        .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::SampleKind;

    fn plot(metric: &str, iter: i64, plot_str: &str) -> PlotData {
        PlotData { metric: metric.into(), variant: "v".into(), iter, plot_str: plot_str.into() }
    }

    fn sample(iter: i64) -> SampleData {
        SampleData {
            metric: "img".into(),
            variant: "v".into(),
            iter,
            url: format!("/s/{iter}.png"),
            kind: SampleKind::Image,
        }
    }

    #[test]
    fn series_get_a_slot_per_task_in_first_seen_order() {
        let a = vec![plot("b", 0, "{}"), plot("a", 0, "{}")];
        let b = vec![plot("a", 1, "{}"), plot("c", 0, "{}")];
        let s = per_series(&[a, b], |p| (p.metric.clone(), p.variant.clone(), p.iter));
        let keys: Vec<&str> = s.iter().map(|((m, _), _)| m.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(s[1].1.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1]);
        assert!(s[2].1[0].is_empty(), "the first task has no c");
    }

    #[test]
    fn scatter_figures_merge_with_task_names_and_others_do_not() {
        let a = plot("m", 0, r#"{"data":[{"type":"scatter","name":"loss","x":[1],"y":[2]}],"layout":{"title":"t"}}"#);
        let b = plot("m", 0, r#"{"data":[{"x":[3],"y":[4]}],"layout":{}}"#);
        let names = ["run a".to_string(), "run b".to_string()];
        let merged: Value =
            serde_json::from_str(&merge_scatter(&[Some(&a), Some(&b)], &names).expect("merged")).expect("json");
        assert_eq!(merged["data"][0]["name"], "run a · loss");
        assert_eq!(merged["data"][1]["name"], "run b");
        assert_eq!(merged["layout"]["title"], "t");
        let table = plot("m", 0, r#"{"data":[{"type":"table","cells":{}}],"layout":{}}"#);
        assert_eq!(merge_scatter(&[Some(&a), Some(&table)], &names), None);
        assert_eq!(merge_scatter(&[Some(&a), None], &names), None, "one figure is not a comparison");
        let broken = plot("m", 0, "not json");
        assert_eq!(merge_scatter(&[Some(&a), Some(&broken)], &names), None);
    }

    #[test]
    fn a_task_shows_its_newest_sample_at_or_before_the_chosen_iteration() {
        let group = vec![sample(0), sample(10), sample(20)];
        assert_eq!(sample_at(&group, 15).map(|s| s.iter), Some(10));
        assert_eq!(sample_at(&group, 20).map(|s| s.iter), Some(20));
        assert_eq!(sample_at(&group[1..], 5), None);
        assert_eq!(iterations_of(&[group, vec![sample(5), sample(10)]]), [0, 5, 10, 20]);
    }
}
