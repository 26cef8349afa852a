//! Plotly figures stored as JSON (`{"data": [...], "layout": {...}}`), as the
//! SDK reports them, drawn by plotly.js in the browser after hydration.

use crate::model::event::PlotData;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use super::plotly_js as js;

fn figure_id(n: usize) -> String {
    format!("plot-figure-{n}")
}

/// Groups items by `(metric, variant)` in first-seen order, each group
/// sorted by iteration.
pub fn by_series<T: Clone>(items: &[T], key: impl Fn(&T) -> (String, String, i64)) -> Vec<((String, String), Vec<T>)> {
    let mut out = super::grouped(items, |it| {
        let (m, v, _) = key(it);
        (m, v)
    });
    for (_, g) in &mut out {
        g.sort_by_key(|x| key(x).2);
    }
    out
}

/// A slider over the iterations a series was reported at; `index` is the
/// position of the shown one.
#[component]
pub fn IterationSlider(iterations: Vec<i64>, index: RwSignal<usize>) -> impl IntoView {
    let last = iterations.len().saturating_sub(1);
    let iterations = StoredValue::new(iterations);
    view! {
        <label class="iteration">"Iteration "
            <input type="range" min="0" max=last.to_string() step="1" aria-label="Iteration"
                prop:value=move || index.get().to_string()
                on:input=move |ev| index.set(event_target_value(&ev).parse::<usize>().unwrap_or(last).min(last))/>
            <output data-testid="iteration">{move || iterations.with_value(|it| it.get(index.get()).copied().unwrap_or_default())}</output>
        </label>
    }
}

/// Every figure, by metric and variant; a series reported at several
/// iterations shows one at a time with an iteration slider (newest first).
#[component]
pub fn Figures(
    plots: Vec<PlotData>,
    /// The task they are of: each figure gets an "Embed" button.
    #[prop(optional, into)]
    task: Option<String>,
) -> impl IntoView {
    if plots.is_empty() {
        return view! { <p class="empty">"No plots reported."</p> }.into_any();
    }
    let groups = by_series(&plots, |p| (p.metric.clone(), p.variant.clone(), p.iter));
    let items = groups
        .into_iter()
        .enumerate()
        .map(|(n, ((metric, variant), group))| {
            let index = RwSignal::new(group.len() - 1);
            let iterations: Vec<i64> = group.iter().map(|p| p.iter).collect();
            let slider = (group.len() > 1).then(|| view! { <IterationSlider iterations=iterations.clone() index/> });
            let group = StoredValue::new(group);
            let figure = Signal::derive(move || {
                group.with_value(|g| g.get(index.get()).map(|p| p.plot_str.clone()).unwrap_or_default())
            });
            let shown_iter = move || group.with_value(|g| g.get(index.get()).map(|p| p.iter).unwrap_or_default());
            let embed = task.clone().map(|t| {
                view! { <super::embed::EmbedButton kind="plot" objects=vec![t] metric=metric.clone() variant=variant.clone()/> }
            });
            view! {
                <figure class="chart" data-testid="plot" data-metric=metric.clone()>
                    <figcaption><span>{format!("{metric} — {variant}")}" (iteration "{shown_iter}")"</span>{embed}</figcaption>
                    {slider}
                    <FigureView id=figure_id(n) figure/>
                </figure>
            }
        })
        .collect_view();
    view! { <div class="charts">{items}</div> }.into_any()
}

/// One figure from plotly JSON, redrawn whenever `figure` changes.
#[component]
pub fn FigureView(#[prop(into)] id: String, figure: Signal<String>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            let (id, fig) = (id.clone(), figure.get());
            // After this render is in the DOM.
            request_animation_frame(move || js::draw_json(&id, &fig));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = figure;
    view! { <div id=id class="plot"></div> }
}
