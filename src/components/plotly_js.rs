//! The few plotly.js calls the charts make, on the vendored `Plotly` global.
//! Figures are built as JSON on the Rust side and handed over parsed.
//!
//! plotly.js (4.6 MB) is not in the page's `<head>`: the first chart asks
//! for it ([`with_plotly`]), so pages without charts never load it and
//! pages with charts show everything else first.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// Where the vendored plotly.js is served.
/// Its name carries its version, so browsers may keep it for good.
pub const PLOTLY_SRC: &str = "/plotly-3.0.1.min.js";

/// Draws waiting for plotly.js.
type Waiting = Vec<Box<dyn FnOnce()>>;

thread_local! {
    /// What waits for plotly.js to load; `None` until it is asked for.
    static WAITING: RefCell<Option<Waiting>> = const { RefCell::new(None) };
}

/// Whether the `Plotly` global is there.
fn loaded() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("Plotly")).ok())
        .is_some_and(|p| !p.is_undefined())
}

/// Runs `f` once plotly.js is loaded: at once if it is, else when the
/// script, requested by the first caller, has loaded.
pub fn with_plotly(f: impl FnOnce() + 'static) {
    if loaded() {
        f();
        return;
    }
    let first = WAITING.with(|w| {
        let mut w = w.borrow_mut();
        let first = w.is_none();
        w.get_or_insert_with(Vec::new).push(Box::new(f));
        first
    });
    if first {
        request_script();
    }
}

/// Adds the plotly.js script to the page; when it has loaded, runs what waits.
fn request_script() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(script) = doc.create_element("script") else { return };
    if script.set_attribute("src", PLOTLY_SRC).is_err() {
        return;
    }
    let onload = Closure::<dyn FnMut()>::new(|| {
        let waiting = WAITING.with(|w| w.borrow_mut().take()).unwrap_or_default();
        for f in waiting {
            f();
        }
    });
    let onerror = Closure::<dyn FnMut()>::new(|| {
        leptos::logging::warn!("plotly.js could not be loaded from {PLOTLY_SRC}: charts stay empty");
        // A later chart asks again.
        WAITING.with(|w| w.borrow_mut().take());
    });
    let _ = js_sys::Reflect::set(&script, &JsValue::from_str("onload"), onload.as_ref());
    let _ = js_sys::Reflect::set(&script, &JsValue::from_str("onerror"), onerror.as_ref());
    // The page keeps the script, and so its handlers.
    onload.forget();
    onerror.forget();
    if let Some(head) = doc.document_element() {
        let _ = head.append_child(&script);
    }
}

#[wasm_bindgen]
extern "C" {
    // `catch`: plotly throws when the element is not (yet) in the page; that
    // must not take the whole app down.
    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = newPlot)]
    fn new_plot_js(id: &str, data: &JsValue, layout: &JsValue, config: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = react)]
    fn react_js(id: &str, data: &JsValue, layout: &JsValue, config: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = relayout)]
    fn relayout_js(el: &JsValue, update: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["Plotly", "Plots"], js_name = resize)]
    fn resize_js(el: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// The page's theme colours, from its CSS variables: text, muted text and
/// lines (so charts follow light and dark mode).
fn theme_colors() -> Option<(String, String, String)> {
    let window = web_sys::window()?;
    let root = window.document()?.document_element()?;
    let style = window.get_computed_style(&root).ok().flatten()?;
    let var = |name: &str| style.get_property_value(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    Some((var("--text")?, var("--muted")?, var("--border")?))
}

/// The layout keys that give a chart the page's theme: text colour,
/// transparent backgrounds, grid and axis lines in the border colour.
fn theme_update() -> Option<serde_json::Map<String, serde_json::Value>> {
    let (text, muted, border) = theme_colors()?;
    let mut m = serde_json::Map::new();
    m.insert("font.color".into(), text.clone().into());
    m.insert("title.font.color".into(), text.into());
    m.insert("legend.font.color".into(), muted.into());
    m.insert("paper_bgcolor".into(), "rgba(0,0,0,0)".into());
    m.insert("plot_bgcolor".into(), "rgba(0,0,0,0)".into());
    for axis in ["xaxis", "yaxis"] {
        for key in ["gridcolor", "zerolinecolor", "linecolor"] {
            m.insert(format!("{axis}.{key}"), border.clone().into());
        }
    }
    Some(m)
}

/// Sets a dotted key (`xaxis.gridcolor`) in a layout object, making the
/// objects on the way.
fn set_path(target: &JsValue, path: &str, value: &JsValue) {
    let mut obj = target.clone();
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let key = JsValue::from_str(part);
        if parts.peek().is_none() {
            let _ = js_sys::Reflect::set(&obj, &key, value);
            return;
        }
        let next = js_sys::Reflect::get(&obj, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
            let fresh: JsValue = js_sys::Object::new().into();
            let _ = js_sys::Reflect::set(&obj, &key, &fresh);
            fresh
        });
        obj = next;
    }
}

/// `layout` with the page's theme applied (a stored figure's own white
/// background included).
fn themed(layout: &JsValue) -> JsValue {
    let layout = if layout.is_object() { layout.clone() } else { js_sys::Object::new().into() };
    for (k, v) in theme_update().unwrap_or_default() {
        set_path(&layout, &k, &parse(&v));
    }
    layout
}

/// Gives every chart on the page the current theme (after a theme switch).
pub fn retheme_all() {
    let Some(update) = theme_update() else { return };
    let update = parse(&serde_json::Value::Object(update));
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(charts) = doc.query_selector_all(".js-plotly-plot") else { return };
    for i in 0..charts.length() {
        if let Some(el) = charts.item(i) {
            let _ = relayout_js(&el.into(), &update);
        }
    }
}

fn parse(v: &serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap_or(JsValue::NULL)
}

/// Draws a figure into the element `id`, replacing what was there (once
/// plotly.js is loaded).
pub fn new_plot(id: &str, data: &JsValue, layout: &JsValue) {
    let (id, data, layout) = (id.to_string(), data.clone(), layout.clone());
    with_plotly(move || {
        if let Err(e) = new_plot_js(&id, &data, &themed(&layout), &parse(&serde_json::json!({"responsive": true}))) {
            leptos::logging::warn!("plotly could not draw #{id}: {e:?}");
        }
    });
}

/// Draws or updates a figure (`Plotly.react`: keeps zoom while the layout's
/// `uirevision` stays the same), once plotly.js is loaded.
pub fn react(id: &str, data: &serde_json::Value, layout: &serde_json::Value) {
    let (id, data, layout) = (id.to_string(), parse(data), parse(layout));
    with_plotly(move || {
        if let Err(e) = react_js(&id, &data, &themed(&layout), &parse(&serde_json::json!({"responsive": true}))) {
            leptos::logging::warn!("plotly could not draw #{id}: {e:?}");
        }
    });
}

/// Fits the chart in `id` to its element's size again (after the element
/// was resized other than by the window).
pub fn resize(id: &str) {
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) else {
        return;
    };
    if loaded() {
        let _ = resize_js(&el.into());
    }
}

/// Draws a figure given as JSON text (`{"data": …, "layout": …}`); text that
/// is not JSON is skipped.
pub fn draw_json(id: &str, figure: &str) {
    let Ok(fig) = js_sys::JSON::parse(figure) else { return };
    let get = |k: &str| js_sys::Reflect::get(&fig, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    new_plot(id, &get("data"), &get("layout"));
}

/// Calls `f` with the event of each `plotly_relayout` (zoom, pan, reset) of
/// the chart in `id`; does nothing until the chart has been drawn once.
pub fn on_relayout(id: &str, f: impl FnMut(JsValue) + 'static) -> bool {
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) else {
        return false;
    };
    let Ok(on) = js_sys::Reflect::get(&el, &JsValue::from_str("on")) else { return false };
    let Some(on) = on.dyn_ref::<js_sys::Function>() else { return false };
    let handler = Closure::<dyn FnMut(JsValue)>::new(f);
    let ok = on.call2(&el, &JsValue::from_str("plotly_relayout"), handler.as_ref()).is_ok();
    // The chart keeps the handler as long as it lives.
    handler.forget();
    ok
}

/// The x range of a relayout event: `Some(Some((from, to)))` when zoomed,
/// `Some(None)` when reset to the whole range, `None` for other changes.
pub fn relayout_range(event: &JsValue) -> Option<Option<(f64, f64)>> {
    let get = |k: &str| js_sys::Reflect::get(event, &JsValue::from_str(k)).ok().filter(|v| !v.is_undefined());
    if get("xaxis.autorange").is_some() {
        return Some(None);
    }
    // A drag sends the ends as two keys; `Plotly.relayout` calls may send one array.
    if let Some(range) = get("xaxis.range") {
        let arr = js_sys::Array::from(&range);
        return Some(Some((arr.get(0).as_f64()?, arr.get(1).as_f64()?)));
    }
    let from = get("xaxis.range[0]")?.as_f64()?;
    let to = get("xaxis.range[1]")?.as_f64()?;
    Some(Some((from, to)))
}
