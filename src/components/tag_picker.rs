//! Picking tags: the chosen ones as chips, each removable, and a field that
//! suggests the tags already in use (ClearML's tag menu, W&B's tag editor).

use crate::model::split_tags;
use leptos::prelude::*;

/// How many suggestions show as buttons under the field (the field's own
/// list offers them all).
const SHOWN: usize = 12;

/// `chosen` with the tags of `text` added, each once, in order.
fn with_added(chosen: &[String], text: &str) -> Vec<String> {
    let mut out = chosen.to_vec();
    for tag in split_tags(text) {
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// The suggestions worth showing: those not chosen yet, in their order.
fn open_suggestions(suggest: &[String], chosen: &[String]) -> Vec<String> {
    suggest.iter().filter(|t| !chosen.contains(t)).cloned().collect()
}

/// Chosen tags as chips and a field to add more. What is typed is added on
/// Enter, a comma or leaving the field (comma-separated text adds several);
/// Backspace in the empty field takes the last chip back; a suggestion (a
/// tag in use, from `suggest`) is added by clicking it or picking it from
/// the field's list. `chosen` changes at once (a form submitted right after
/// leaving the field has the tag), and `on_change` hears each change.
#[component]
pub fn TagPicker(
    /// The tags chosen.
    chosen: RwSignal<Vec<String>>,
    /// Tags to suggest, most relevant first.
    #[prop(into)]
    suggest: Signal<Vec<String>>,
    /// The DOM id of the field (its suggestion list is `<id>-list`).
    id: &'static str,
    label: &'static str,
    #[prop(optional)] on_change: Option<Callback<Vec<String>>>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let set = move |tags: Vec<String>| {
        if chosen.with_untracked(|c| *c != tags) {
            chosen.set(tags.clone());
            if let Some(f) = on_change {
                f.run(tags);
            }
        }
    };
    let add = move |text: String| {
        set(chosen.with_untracked(|c| with_added(c, &text)));
        typed.set(String::new());
    };
    let remove = move |tag: String| set(chosen.with_untracked(|c| c.iter().filter(|t| **t != tag).cloned().collect()));
    let chips = move || {
        chosen
            .get()
            .into_iter()
            .map(|tag| {
                let gone = tag.clone();
                view! {
                    <li class="tag chip" data-testid="tag-chip">{tag.clone()}
                        <button type="button" class="chip-remove" aria-label=format!("Remove tag {tag}")
                            on:click=move |_| remove(gone.clone())>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let open = Memo::new(move |_| chosen.with(|c| suggest.with(|s| open_suggestions(s, c))));
    let options = move || open.get().into_iter().map(|t| view! { <option value=t/> }).collect_view();
    let buttons = move || {
        let shown: Vec<String> = open.get().into_iter().take(SHOWN).collect();
        (!shown.is_empty()).then(|| {
            let each = shown
                .into_iter()
                .map(|tag| {
                    let pick = tag.clone();
                    view! {
                        <button type="button" class="tag suggestion" aria-label=format!("Add tag {tag}")
                            on:click=move |_| add(pick.clone())>{format!("+ {tag}")}</button>
                    }
                })
                .collect_view();
            view! { <p class="tag-suggestions" data-testid="tag-suggestions"><span class="muted">"In use: "</span>{each}</p> }
        })
    };
    let list = format!("{id}-list");
    view! {
        <div class="field tag-picker">
            <label for=id>{label}</label>
            <ul class="chips" aria-label="chosen tags">{chips}</ul>
            <input type="text" id=id name="tags" list=list.clone() autocomplete="off" placeholder="add a tag"
                prop:value=typed
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    // A comma ends a tag; a pick from the list is a whole tag.
                    let picked = open.with_untracked(|o| o.contains(&text)) && is_pick(&ev);
                    if text.ends_with(',') || picked {
                        add(text);
                    } else {
                        typed.set(text);
                    }
                }
                on:keydown=move |ev| match ev.key().as_str() {
                    "Enter" if !typed.with_untracked(|t| t.trim().is_empty()) => {
                        ev.prevent_default();
                        add(typed.get_untracked());
                    }
                    "Backspace" if typed.with_untracked(String::is_empty) => {
                        if let Some(last) = chosen.with_untracked(|c| c.last().cloned()) {
                            remove(last);
                        }
                    }
                    _ => {}
                }
                on:blur=move |_| {
                    if !typed.with_untracked(|t| t.trim().is_empty()) {
                        add(typed.get_untracked());
                    }
                }/>
            <datalist id=list>{options}</datalist>
            {buttons}
        </div>
    }
}

/// Whether an `input` event replaced the whole text with a pick from the
/// field's list (Chromium sends a plain event, others an `InputEvent` of
/// type `insertReplacementText`), not a keystroke.
fn is_pick(ev: &leptos::ev::Event) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.dyn_ref::<web_sys::InputEvent>().is_none_or(|e| e.input_type() == "insertReplacementText")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_adds_each_tag_once_in_order() {
        let chosen = vec!["old".to_string()];
        assert_eq!(with_added(&chosen, " best, old,, best ,new"), ["old", "best", "new"]);
        assert_eq!(with_added(&chosen, " , "), ["old"]);
    }

    #[test]
    fn suggestions_leave_out_what_is_chosen() {
        let suggest = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(open_suggestions(&suggest, &["b".to_string()]), ["a", "c"]);
    }
}
