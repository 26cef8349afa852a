//! Modal dialogs and pop-up menus that behave as keyboard users expect:
//! focus moves into a dialog when it opens and back to what opened it when
//! it closes; Escape and a click outside close dialogs and menus.

use leptos::prelude::*;

/// A modal dialog over a dimmed page. Its first field (or its primary
/// button) takes the focus; Escape or a click on the backdrop runs
/// `on_close`, and the element that had the focus before gets it back.
#[component]
pub fn Dialog(
    /// The id of the dialog's heading (its accessible name).
    labelledby: &'static str,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let opener = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        let opener = send_wrapper::SendWrapper::new(opener);
        Effect::new(move |_| {
            let Some(el) = panel.get() else { return };
            let first = el
                .query_selector("input:not([type=hidden]), select, textarea, button.primary, button")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(first) = first {
                let _ = first.focus();
            }
        });
        // Escape closes it wherever the focus is (a button that became
        // disabled, or a click on the text, leaves it on the page's body).
        let escape = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                on_close.run(());
            }
        });
        on_cleanup(move || {
            escape.remove();
            if let Some(el) = opener.take() {
                // The opener may be re-rendered meanwhile; focus it only if still shown.
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        });
    }
    view! {
        <div class="dialog" data-testid="dialog-backdrop"
            on:click=move |ev| {
                if is_self(&ev) {
                    on_close.run(());
                }
            }>
            <div class="dialog-panel" role="dialog" aria-modal="true" aria-labelledby=labelledby node_ref=panel>
                {children()}
            </div>
        </div>
    }
}

/// Whether a click landed on the element that listens (the backdrop), not
/// inside it.
fn is_self(ev: &leptos::ev::MouseEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        match (ev.target(), ev.current_target()) {
            (Some(t), Some(c)) => t == c,
            _ => false,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Makes every pop-up menu (`<details class="menu">`) close on Escape
/// (focus returns to its button) and on a click outside it. Installed once,
/// by the app.
pub fn close_menus_on_escape_and_outside_click() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let close_all = |except: Option<web_sys::Node>, refocus: bool| {
            let Ok(open) = document().query_selector_all("details.menu[open]") else { return };
            for i in 0..open.length() {
                let Some(menu) = open.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
                if except.as_ref().is_some_and(|n| menu.contains(Some(n))) {
                    continue;
                }
                let _ = menu.remove_attribute("open");
                if refocus {
                    if let Some(summary) = menu
                        .query_selector("summary")
                        .ok()
                        .flatten()
                        .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = summary.focus();
                    }
                }
            }
        };
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                close_all(None, true);
            }
        });
        let clicks = window_event_listener(leptos::ev::click, move |ev| {
            let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            close_all(target, false);
        });
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
        });
    }
}

/// Whether the `<details>` a toggle event came from is open now.
pub fn details_open(ev: &leptos::ev::Event) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}
