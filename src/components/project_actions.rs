//! Project management on a project's page (rename, move, delete with a
//! choice about its tasks) and the "new project" form of the start page.

use crate::api::projects::{create_project, delete_project, move_project, rename_project};
use crate::components::error::ErrorBox;
use crate::model::project::ProjectContents;
use crate::model::Project;
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

/// The delete form's choice for a project's tasks and models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    Keep,
    Move,
    Delete,
}

/// One labelled text field bound to `value`, and the submit button.
fn one_field(label: &'static str, name: &'static str, value: RwSignal<String>, button: &'static str) -> AnyView {
    view! {
        <label class="field"><span>{label}</span>
            <input type="text" name=name prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
        <button type="submit" class="primary">{button}</button>
    }
    .into_any()
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
    let contents = RwSignal::new(Contents::Keep);
    let move_to = RwSignal::new(String::new());
    let nav = use_navigate();
    let act = Action::new(move |(what, id): &(Open, String)| {
        let (what, id) = (*what, id.clone());
        let contents = match contents.get_untracked() {
            Contents::Delete => ProjectContents::Delete,
            Contents::Move => ProjectContents::MoveTo(move_to.get_untracked()),
            Contents::Keep => ProjectContents::Keep,
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
        Some((_, Err(e))) => error.set(Some(e.user_message())),
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
    let radio = move |choice: Contents| {
        let value = format!("{choice:?}").to_lowercase();
        view! {
            <input type="radio" name="contents" value=value prop:checked=move || contents.get() == choice
                on:change=move |_| contents.set(choice)/>
        }
    };
    let form = move |what: Open| {
        let submit = submit(what);
        let body = match what {
            Open::Rename => one_field("New name", "basename", basename, "Rename"),
            Open::Move => one_field("New parent (empty for the top level)", "location", location, "Move"),
            _ => view! {
                <fieldset>
                    <legend>"Its tasks and models, and those of its sub-projects"</legend>
                    <label>{radio(Contents::Keep)}" Delete only if it is empty"</label>
                    <label>{radio(Contents::Move)}" Move them to "
                        <input type="text" name="move_to" aria-label="project to move the tasks to" placeholder="project path"
                            prop:value=move_to on:input=move |ev| move_to.set(event_target_value(&ev))/></label>
                    <label>{radio(Contents::Delete)}" Delete them too"</label>
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
        Some(Err(e)) => error.set(Some(e.user_message())),
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
