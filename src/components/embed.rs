//! "Embed": the snippet that puts a chart into a report (ClearML's "Embed
//! in report" code, so it pastes into either server's reports), shown in a
//! dialog, selected, and copied to the clipboard where the browser allows.

use super::dialog::Dialog;
use crate::model::report::Widget;
use leptos::prelude::*;

/// Copies `text` to the clipboard; `false` where the browser refuses (not
/// a secure context, no permission).
fn copy(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        match web_sys::window().map(|w| w.navigator().clipboard()) {
            Some(clipboard) => {
                let _ = clipboard.write_text(text);
                true
            }
            None => false,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// A button that shows the embed snippet of a chart of `kind` (`scalar`,
/// `plot`, `sample`, `single`) over `objects`, for `metric` and `variant`
/// (empty: all).
#[component]
pub fn EmbedButton(
    kind: &'static str,
    objects: Vec<String>,
    #[prop(into)] metric: String,
    #[prop(optional, into)] variant: String,
) -> impl IntoView {
    let snippet = Widget::snippet(kind, &objects, &metric, &variant);
    let open = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let dialog = move || {
        let snippet = snippet.clone();
        open.get().then(|| {
            let close = Callback::new(move |_| {
                open.set(false);
                copied.set(false);
            });
            let text = snippet.clone();
            view! {
                <Dialog labelledby="embed-title" on_close=close>
                    <h2 id="embed-title">"Embed in a report"</h2>
                    <p>"Paste this into a report's text: the chart is drawn there and follows the task."</p>
                    <textarea class="mono" rows="5" readonly=true aria-label="Embed code" data-testid="embed-code"
                        on:focus=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                                    t.select();
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }>{snippet.clone()}</textarea>
                    <p class="muted" role="status">{move || copied.get().then_some("Copied to the clipboard.")}</p>
                    <div class="buttons">
                        <button type="button" on:click=move |_| close.run(())>"Close"</button>
                        <button type="button" class="primary" on:click=move |_| copied.set(copy(&text))>"Copy"</button>
                    </div>
                </Dialog>
            }
        })
    };
    view! {
        <button type="button" class="link" data-testid="embed" title="Embed this chart in a report"
            on:click=move |_| open.set(true)>"Embed"</button>
        {dialog}
    }
}
