//! A chart embedded in a report, drawn from the tasks it names and fetched
//! again every [`REFRESH_MS`] while the report is open, so it follows runs
//! that are still going (ClearML's "live" embeds).

use super::chart::ScalarCharts;
use super::compare_media::{PlotGrid, SampleGrid};
use super::error::ErrorBox;
use crate::api::reports::report_widget;
use crate::model::report::{Widget, WidgetData, WidgetKind};
use leptos::prelude::*;
use leptos_router::components::A;

/// How often an embedded chart is fetched again, in milliseconds.
pub const REFRESH_MS: u64 = 15_000;

/// Where a chart's tasks are: the task's page, or a comparison of them.
fn source_href(w: &Widget) -> String {
    let tab = match w.kind {
        WidgetKind::Plot => "plots",
        WidgetKind::Sample => "samples",
        _ => "scalars",
    };
    match w.objects.as_slice() {
        [one] => format!("/tasks/{one}?tab={tab}"),
        many => format!("/compare?ids={}", many.join(",")),
    }
}

/// The `n`-th chart of a report (`n` keeps its DOM ids apart).
#[component]
pub fn ReportWidget(widget: Widget, n: usize) -> impl IntoView {
    let kind = format!("{:?}", widget.kind).to_lowercase();
    if let Some(why) = widget.unsupported.clone() {
        return view! {
            <figure class="widget" data-testid="report-widget" data-kind=kind>
                <p class="muted">{format!("This embedded chart is not shown: {why}.")}</p>
            </figure>
        }
        .into_any();
    }
    let href = source_href(&widget);
    let version = RwSignal::new(0u64);
    let asked = StoredValue::new(widget);
    let data = LocalResource::new(move || {
        version.track();
        report_widget(asked.get_value())
    });
    #[cfg(feature = "hydrate")]
    {
        use leptos::leptos_dom::helpers::set_interval_with_handle;
        if let Ok(handle) =
            set_interval_with_handle(move || version.update(|v| *v += 1), std::time::Duration::from_millis(REFRESH_MS))
        {
            on_cleanup(move || handle.clear());
        }
    }
    let prefix = format!("widget-{n}");
    let body = move || {
        let prefix = prefix.clone();
        Some(match super::live::browser_only(data)? {
            Ok(WidgetData::Scalars(series)) => view! { <ScalarCharts series prefix/> }.into_any(),
            Ok(WidgetData::Plots(names, plots)) => view! { <PlotGrid plots names prefix/> }.into_any(),
            Ok(WidgetData::Samples(names, samples)) => view! { <SampleGrid samples names/> }.into_any(),
            Ok(WidgetData::Single(values)) => {
                let rows = values
                    .into_iter()
                    .map(|v| {
                        let value = v.value.value.map(crate::model::format::fmt_number).unwrap_or_default();
                        view! {
                            <tr data-testid="widget-value">
                                <td>{v.task}</td><td>{v.value.metric}</td><td>{v.value.variant}</td><td class="num">{value}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="grid values" aria-label="single values">
                        <thead><tr><th scope="col">"Task"</th><th scope="col">"Metric"</th><th scope="col">"Name"</th><th scope="col">"Value"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
            Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
        })
    };
    view! {
        <figure class="widget" data-testid="report-widget" data-kind=kind>
            <p class="widget-source"><A href=href>"Open the source"</A></p>
            {move || body().unwrap_or_else(|| view! { <p class="muted">"Loading chart…"</p> }.into_any())}
        </figure>
    }
    .into_any()
}
