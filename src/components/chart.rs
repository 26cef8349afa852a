//! Scalar charts, drawn by plotly.js in the browser after hydration.

use crate::model::SeriesData;
use leptos::prelude::*;

/// The DOM id of the chart of the n-th metric.
fn chart_id(n: usize) -> String {
    format!("scalar-chart-{n}")
}

/// Groups series by metric, keeping their order.
pub fn by_metric(series: &[SeriesData]) -> Vec<(String, Vec<SeriesData>)> {
    let mut out: Vec<(String, Vec<SeriesData>)> = Vec::new();
    for s in series {
        match out.iter_mut().find(|(m, _)| *m == s.metric) {
            Some((_, v)) => v.push(s.clone()),
            None => out.push((s.metric.clone(), vec![s.clone()])),
        }
    }
    out
}

/// One plotly line chart per metric, with its variants as series.
#[component]
pub fn ScalarCharts(series: Vec<SeriesData>) -> impl IntoView {
    let groups = by_metric(&series);
    if groups.is_empty() {
        return view! { <p class="empty">"No scalars reported."</p> }.into_any();
    }
    #[cfg(feature = "hydrate")]
    {
        let groups = groups.clone();
        Effect::new(move |_| {
            let groups = groups.clone();
            leptos::task::spawn_local(async move {
                for (n, (metric, variants)) in groups.iter().enumerate() {
                    let mut plot = plotly::Plot::new();
                    for v in variants {
                        let x: Vec<f64> = v.x.iter().map(|&i| i as f64).collect();
                        plot.add_trace(plotly::Scatter::new(x, v.y.clone()).name(&v.variant));
                    }
                    plot.set_layout(
                        plotly::Layout::new()
                            .title(metric.as_str())
                            .x_axis(plotly::layout::Axis::new().title("iteration")),
                    );
                    plotly::bindings::new_plot(&chart_id(n), &plot).await;
                }
            });
        });
    }
    let charts = groups
        .into_iter()
        .enumerate()
        .map(|(n, (metric, variants))| {
            let names = variants.iter().map(|v| v.variant.clone()).collect::<Vec<_>>().join(", ");
            view! {
                <figure class="chart" data-testid="scalar-chart" data-metric=metric.clone()>
                    <figcaption>{metric.clone()}" — "{names}</figcaption>
                    <div id=chart_id(n) class="plot"></div>
                </figure>
            }
        })
        .collect_view();
    view! { <div class="charts">{charts}</div> }.into_any()
}
