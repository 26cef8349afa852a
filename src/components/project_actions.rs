//! Project management on a project's page (rename, move, delete with a
//! choice about its tasks) and the "new project" form of the start page.

use crate::api::projects::{create_project, delete_project, move_project, rename_project, ProjectContents};
use crate::model::Project;
use crate::pages::ErrorBox;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Which project form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    None,
    Rename,
    Move,
    Delete,
}

/// Rename, move and delete buttons for `project`; `on_changed` runs after a
/// rename or move, a delete goes back to the project list.
#[component]
pub fn ProjectActions(project: Project, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(Open::None);
    let error = RwSignal::new(None::<String>);
    let id = project.id.clone();
    let parent_path = project.name.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
    let basename = RwSignal::new(project.basename.clone());
    let location = RwSignal::new(parent_path);
    let contents = RwSignal::new("keep".to_string());
    let move_to = RwSignal::new(String::new());
    let nav = use_navigate();
    let act = Action::new(move |(what, id): &(Open, String)| {
        let (what, id) = (*what, id.clone());
        let contents = match contents.get_untracked().as_str() {
            "delete" => ProjectContents::Delete,
            "move" => ProjectContents::MoveTo(move_to.get_untracked()),
            _ => ProjectContents::Keep,
        };
        let (name, location) = (basename.get_untracked(), location.get_untracked());
        async move {
            let done = match what {
                Open::Rename => rename_project(id, name).await,
                Open::Move => move_project(id, location).await,
                Open::Delete => delete_project(id, contents).await,
                Open::None => Ok(()),
            };
            (what, done)
        }
    });
    Effect::new(move |_| match act.value().get() {
        Some((what, Ok(()))) => {
            error.set(None);
            open.set(Open::None);
            if what == Open::Delete {
                nav("/", NavigateOptions::default());
            } else {
                on_changed.run(());
            }
        }
        Some((_, Err(e))) => error.set(Some(e.to_string())),
        None => {}
    });
    let toggle = move |what: Open| {
        move |_| {
            error.set(None);
            open.update(|o| *o = if *o == what { Open::None } else { what });
        }
    };
    let submit = move |what: Open| {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            act.dispatch((what, id.clone()));
        }
    };
    let form = move |what: Open| {
        let submit = submit(what);
        let body = match what {
            Open::Rename => view! {
                <label class="field"><span>"New name"</span>
                    <input type="text" name="basename" prop:value=basename on:input=move |ev| basename.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary">"Rename"</button>
            }
            .into_any(),
            Open::Move => view! {
                <label class="field"><span>"New parent (empty for the top level)"</span>
                    <input type="text" name="location" prop:value=location on:input=move |ev| location.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary">"Move"</button>
            }
            .into_any(),
            _ => view! {
                <fieldset>
                    <legend>"Its tasks and models, and those of its sub-projects"</legend>
                    <label><input type="radio" name="contents" value="keep" prop:checked=move || contents.get() == "keep"
                        on:change=move |_| contents.set("keep".into())/>" Delete only if it is empty"</label>
                    <label><input type="radio" name="contents" value="move" prop:checked=move || contents.get() == "move"
                        on:change=move |_| contents.set("move".into())/>" Move them to "
                        <input type="text" name="move_to" aria-label="project to move the tasks to" placeholder="project path"
                            prop:value=move_to on:input=move |ev| move_to.set(event_target_value(&ev))/></label>
                    <label><input type="radio" name="contents" value="delete" prop:checked=move || contents.get() == "delete"
                        on:change=move |_| contents.set("delete".into())/>" Delete them too"</label>
                </fieldset>
                <button type="submit" class="danger">"Delete project"</button>
            }
            .into_any(),
        };
        view! {
            <form class="inline-form" data-form=format!("{what:?}").to_lowercase() on:submit=submit>
                {body}
                <button type="button" on:click=move |_| open.set(Open::None)>"Cancel"</button>
            </form>
        }
    };
    view! {
        <div class="actions" role="toolbar" aria-label="project actions">
            <button type="button" aria-expanded=move || open.get() == Open::Rename on:click=toggle(Open::Rename)>"Rename"</button>
            <button type="button" aria-expanded=move || open.get() == Open::Move on:click=toggle(Open::Move)>"Move"</button>
            <button type="button" aria-expanded=move || open.get() == Open::Delete on:click=toggle(Open::Delete)>"Delete"</button>
        </div>
        {move || match open.get() {
            Open::None => None,
            what => Some(form(what)),
        }}
        {move || error.get().map(|e| view! { <ErrorBox message=e/> })}
    }
}

/// The start page's form for a new project (a full path creates the parents).
#[component]
pub fn NewProjectForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let nav = use_navigate();
    let create = Action::new(move |name: &String| create_project(name.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(id)) => nav(&format!("/projects/{id}"), NavigateOptions::default()),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    view! {
        <form class="inline-form" data-form="new-project" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(name.get_untracked());
        }>
            <label class="field"><span>"New project"</span>
                <input type="text" name="project" placeholder="team/experiment" prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <button type="submit" disabled=move || create.pending().get()>"Create"</button>
        </form>
        {move || error.get().map(|e| view! { <ErrorBox message=e/> })}
    }
}
