//! Plotly figures stored as JSON (`{"data": [...], "layout": {...}}`), as the
//! SDK reports them, drawn by plotly.js in the browser after hydration.

use crate::api::events::PlotData;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use super::plotly_js as js;

fn figure_id(n: usize) -> String {
    format!("plot-figure-{n}")
}

/// Every figure, titled by metric and variant, with its iteration.
#[component]
pub fn Figures(plots: Vec<PlotData>) -> impl IntoView {
    if plots.is_empty() {
        return view! { <p class="empty">"No plots reported."</p> }.into_any();
    }
    #[cfg(feature = "hydrate")]
    {
        let figures: Vec<String> = plots.iter().map(|p| p.plot_str.clone()).collect();
        Effect::new(move |_| {
            for (n, f) in figures.iter().enumerate() {
                js::draw_json(&figure_id(n), f);
            }
        });
    }
    let items = plots
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            view! {
                <figure class="chart" data-testid="plot" data-metric=p.metric.clone()>
                    <figcaption>{format!("{} — {} (iteration {})", p.metric, p.variant, p.iter)}</figcaption>
                    <div id=figure_id(n) class="plot"></div>
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
