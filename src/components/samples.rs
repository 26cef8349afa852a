//! Debug samples (images, audio, video, html) by metric and variant, one
//! iteration at a time.

use crate::components::figure::{by_series, IterationSlider};
use crate::model::event::{SampleData, SampleKind};
use leptos::prelude::*;

/// One sample, shown as what it is.
fn media(s: &SampleData) -> AnyView {
    let (url, label) = (s.url.clone(), format!("{} / {} at iteration {}", s.metric, s.variant, s.iter));
    match s.kind {
        SampleKind::Image => view! { <img src=url alt=label loading="lazy"/> }.into_any(),
        SampleKind::Audio => view! { <audio src=url controls=true aria-label=label></audio> }.into_any(),
        SampleKind::Video => view! { <video src=url controls=true aria-label=label></video> }.into_any(),
        // Sandboxed: reported html runs no script and reaches nothing here.
        SampleKind::Html => view! { <iframe src=url title=label sandbox=""></iframe> }.into_any(),
        SampleKind::File => view! { <a href=url rel="external">{label}</a> }.into_any(),
    }
}

/// Every metric/variant's samples with an iteration slider (newest shown first).
#[component]
pub fn Samples(samples: Vec<SampleData>) -> impl IntoView {
    if samples.is_empty() {
        return view! { <p class="empty">"No debug samples reported."</p> }.into_any();
    }
    let groups = by_series(&samples, |s| (s.metric.clone(), s.variant.clone(), s.iter));
    let items = groups
        .into_iter()
        .map(|((metric, variant), group)| {
            let index = RwSignal::new(group.len() - 1);
            let iterations: Vec<i64> = group.iter().map(|s| s.iter).collect();
            let slider = (group.len() > 1).then(|| view! { <IterationSlider iterations index/> });
            let group = StoredValue::new(group);
            let shown = move || group.with_value(|g| g.get(index.get()).map(media));
            let link = move || group.with_value(|g| g.get(index.get()).map(|s| s.url.clone()));
            view! {
                <figure class="sample" data-testid="sample" data-metric=metric.clone() data-variant=variant.clone()>
                    <figcaption>{format!("{metric} — {variant}")}" "<a href=link rel="external" download="">"download"</a></figcaption>
                    {slider}
                    <div class="sample-body">{shown}</div>
                </figure>
            }
        })
        .collect_view();
    view! { <div class="samples">{items}</div> }.into_any()
}
