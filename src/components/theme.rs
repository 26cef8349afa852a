//! The light/dark theme switch: the system's setting until the user picks
//! one, remembered in the browser (`localStorage`), applied as
//! `<html data-theme=…>` before the first paint by a line in the page head.

use leptos::prelude::*;

/// The key the choice is stored under.
pub const THEME_KEY: &str = "labbook-theme";

/// Applies a stored choice before the stylesheet paints (no flash).
pub const THEME_SCRIPT: &str =
    "try{var t=localStorage.getItem('labbook-theme');if(t)document.documentElement.dataset.theme=t}catch(e){}";

/// `system` → `light` → `dark` → `system`.
fn next(theme: &str) -> &'static str {
    match theme {
        "light" => "dark",
        "dark" => "system",
        _ => "light",
    }
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// A button cycling the theme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new("system".to_string());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(t) = storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten()) {
            theme.set(t);
        }
    });
    let pick = move |_| {
        let t = next(&theme.get_untracked()).to_string();
        #[cfg(feature = "hydrate")]
        {
            let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
            if let (Some(root), Some(store)) = (root, storage()) {
                if t == "system" {
                    let _ = root.remove_attribute("data-theme");
                    let _ = store.remove_item(THEME_KEY);
                } else {
                    let _ = root.set_attribute("data-theme", &t);
                    let _ = store.set_item(THEME_KEY, &t);
                }
            }
            crate::components::plotly_js::retheme_all();
        }
        theme.set(t);
    };
    view! {
        <button type="button" class="theme" aria-label="Theme" title="Switch between the system, light and dark themes"
            on:click=pick>{move || format!("Theme: {}", theme.get())}</button>
    }
}
