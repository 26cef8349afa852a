//! Settings the browser remembers across reloads, in its `localStorage`.

use leptos::prelude::*;

/// The text kept under `key`; `None` on the server, without storage, or
/// when nothing is kept.
pub fn read(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten())?;
        storage.get_item(key).ok().flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

/// Keeps `value` under `key` (nothing on the server, or when the browser
/// keeps nothing: private windows may refuse).
pub fn write(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

/// A setting that survives a reload: the server renders `initial` (so
/// hydration matches); once the page runs, the value kept under `key` is
/// read (`decode` of anything else is `None` and leaves `initial`), and
/// every change is written back with `encode`.
pub fn remembered<T>(
    key: &'static str,
    initial: T,
    encode: fn(&T) -> String,
    decode: fn(&str) -> Option<T>,
) -> RwSignal<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let value = RwSignal::new(initial);
    // Effects run in the browser only.
    Effect::new(move |loaded: Option<bool>| {
        let current = value.get();
        if loaded.is_none() {
            if let Some(saved) = read(key).and_then(|s| decode(&s)).filter(|s| *s != current) {
                value.set(saved);
            }
        } else {
            write(key, &encode(&current));
        }
        true
    });
    value
}

/// A remembered yes/no (a fold's open state), kept as `1` or `0`.
pub fn remembered_flag(key: &'static str, initial: bool) -> RwSignal<bool> {
    remembered(
        key,
        initial,
        |o| if *o { "1" } else { "0" }.to_string(),
        |s| match s {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
    )
}
