//! Debug samples (images, audio, video, html) by metric and variant, one
//! iteration at a time, and a viewer that shows one large and steps
//! through its iterations (buttons or the arrow keys).

use crate::components::dialog::Dialog;
use crate::components::figure::{by_series, IterationSlider};
use crate::model::event::{SampleData, SampleKind};
use leptos::prelude::*;

/// One sample, shown as what it is.
pub fn media(s: &SampleData) -> AnyView {
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

/// Every metric/variant's samples with an iteration slider (newest shown
/// first); a click on one opens it in the viewer.
#[component]
pub fn Samples(
    samples: Vec<SampleData>,
    /// The task they are of: each series gets an "Embed" button.
    #[prop(optional, into)]
    task: Option<String>,
) -> impl IntoView {
    if samples.is_empty() {
        return view! { <p class="empty">"No debug samples reported."</p> }.into_any();
    }
    let groups = by_series(&samples, |s| (s.metric.clone(), s.variant.clone(), s.iter));
    // The series and iteration the viewer shows, when open.
    let viewing = RwSignal::new(None::<(usize, RwSignal<usize>)>);
    let all = StoredValue::new(groups.iter().map(|(_, g)| g.clone()).collect::<Vec<_>>());
    let items = groups
        .into_iter()
        .enumerate()
        .map(|(n, ((metric, variant), group))| {
            let index = RwSignal::new(group.len() - 1);
            let iterations: Vec<i64> = group.iter().map(|s| s.iter).collect();
            let slider = (group.len() > 1).then(|| view! { <IterationSlider iterations index/> });
            let group = StoredValue::new(group);
            let shown = move || group.with_value(|g| g.get(index.get()).map(media));
            let link = move || group.with_value(|g| g.get(index.get()).map(|s| s.url.clone()));
            let embed = task.clone().map(|t| {
                view! { <super::embed::EmbedButton kind="sample" objects=vec![t] metric=metric.clone() variant=variant.clone()/> }
            });
            view! {
                <figure class="sample" data-testid="sample" data-metric=metric.clone() data-variant=variant.clone()>
                    <figcaption>
                        {format!("{metric} — {variant}")}" "
                        <button type="button" class="link" data-testid="sample-open"
                            on:click=move |_| viewing.set(Some((n, index)))>"enlarge"</button>" "
                        <a href=link rel="external" download="">"download"</a>" "
                        {embed}
                    </figcaption>
                    {slider}
                    <div class="sample-body">{shown}</div>
                </figure>
            }
        })
        .collect_view();
    let viewer = move || {
        let (n, index) = viewing.get()?;
        let group = all.with_value(|a| a.get(n).cloned())?;
        Some(view! { <SampleViewer group index on_close=Callback::new(move |_| viewing.set(None))/> })
    };
    view! { <div class="samples">{items}</div>{viewer} }.into_any()
}

/// One series' samples, one at a time and large, in a dialog: Previous and
/// Next (or ← and →) step through its iterations; the slider on the page
/// follows.
#[component]
fn SampleViewer(group: Vec<SampleData>, index: RwSignal<usize>, on_close: Callback<()>) -> impl IntoView {
    let last = group.len().saturating_sub(1);
    let title = group.first().map(|s| format!("{} — {}", s.metric, s.variant)).unwrap_or_default();
    let group = StoredValue::new(group);
    let step = move |delta: isize| {
        index.update(|i| *i = i.saturating_add_signed(delta).min(last));
    };
    // The arrow keys step wherever the focus is (a button that became
    // disabled at either end drops it).
    let handle = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "ArrowLeft" => {
            ev.prevent_default();
            step(-1)
        }
        "ArrowRight" => {
            ev.prevent_default();
            step(1)
        }
        _ => {}
    });
    on_cleanup(move || handle.remove());
    let shown = move || group.with_value(|g| g.get(index.get()).map(media));
    let position = move || {
        let i = index.get();
        let iter = group.with_value(|g| g.get(i).map(|s| s.iter).unwrap_or_default());
        format!("Iteration {iter} · {} of {}", i + 1, last + 1)
    };
    view! {
        <Dialog labelledby="sample-viewer-title" on_close>
            <div class="sample-viewer" data-testid="sample-viewer">
                <h2 id="sample-viewer-title">{title}</h2>
                <div class="viewer-nav">
                    <button type="button" disabled=move || index.get() == 0 on:click=move |_| step(-1)>"‹ Previous"</button>
                    <output data-testid="viewer-position">{position}</output>
                    <button type="button" disabled=move || index.get() >= last on:click=move |_| step(1)>"Next ›"</button>
                    <button type="button" class="close" on:click=move |_| on_close.run(())>"Close"</button>
                </div>
                <div class="viewer-body">{shown}</div>
            </div>
        </Dialog>
    }
}
