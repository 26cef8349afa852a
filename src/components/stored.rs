//! Settings the browser remembers across reloads, in its `localStorage`.

use leptos::prelude::*;

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
    #[cfg(feature = "hydrate")]
    Effect::new(move |loaded: Option<bool>| {
        let current = value.get();
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let Some(storage) = storage else { return true };
        if loaded.is_none() {
            let saved = storage.get_item(key).ok().flatten().and_then(|s| decode(&s));
            if let Some(saved) = saved.filter(|s| *s != current) {
                value.set(saved);
            }
        } else {
            let _ = storage.set_item(key, &encode(&current));
        }
        true
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, encode, decode);
    value
}
