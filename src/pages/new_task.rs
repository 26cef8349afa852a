//! `/new-task`: a draft task from scratch (repository, branch, script,
//! working dir, arguments, container), like `Task.create`.

use crate::api::tasks::create_task;
use crate::components::error::ErrorBox;
use crate::error::{AppError, FieldError};
use crate::model::draft::NewTaskForm;
use crate::model::task::ALL_TASK_TYPES;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

/// The new-task form; `?project=<path>` fills in the project.
#[component]
pub fn NewTaskPage() -> impl IntoView {
    let query = use_query_map();
    let project = query.with_untracked(|q| q.get("project").unwrap_or_default());
    let form = RwSignal::new(NewTaskForm { project, task_type: "training".into(), ..NewTaskForm::default() });
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let nav = use_navigate();
    let submit = Action::new(move |f: &NewTaskForm| create_task(f.clone()));
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(id)) => nav(&format!("/tasks/{id}"), NavigateOptions::default()),
        Some(Err(AppError::InvalidFields(list))) => errors.set(list),
        Some(Err(e)) => failure.set(Some(e.user_message())),
        None => {}
    });
    let message = move |key: &'static str| {
        move || {
            errors.with(|list| list.iter().find(|e| e.field == key).map(|e| e.message.clone())).map(|m| {
                view! { <span class="field-error" role="alert" id=format!("{key}-error")>{m}</span> }
            })
        }
    };
    let text = move |label: &'static str,
                     key: &'static str,
                     get: fn(&NewTaskForm) -> &String,
                     set: fn(&mut NewTaskForm, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" name=key prop:value=move || form.with(|f| get(f).clone())
                    aria-invalid=move || errors.with(|l| l.iter().any(|e| e.field == key)).to_string()
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
            </label>
            {message(key)}
        }
    };
    let types = ALL_TASK_TYPES
        .iter()
        .map(|t| view! { <option value=t.as_str() selected=*t == crate::model::TaskType::Training>{t.as_str()}</option> })
        .collect_view();
    view! {
        <Title text="New task · Labbook"/>
        <h1>"New task"</h1>
        <p class="hint">"Creates a draft you can edit, then enqueue for an agent to run."</p>
        <form class="draft-form" data-form="new-task" on:submit=move |ev| {
            ev.prevent_default();
            errors.set(Vec::new());
            failure.set(None);
            submit.dispatch(form.get_untracked());
        }>
            <fieldset><legend>"Task"</legend>
                {text("Name", "name", |f| &f.name, |f, v| f.name = v)}
                {text("Project", "project", |f| &f.project, |f, v| f.project = v)}
                <label class="field"><span>"Type"</span>
                    <select name="task_type" on:change=move |ev| form.update(|f| f.task_type = event_target_value(&ev))>{types}</select>
                </label>
                {message("task_type")}
            </fieldset>
            <fieldset><legend>"Code"</legend>
                {text("Repository", "repository", |f| &f.repository, |f, v| f.repository = v)}
                {text("Branch", "branch", |f| &f.branch, |f, v| f.branch = v)}
                {text("Commit", "commit", |f| &f.commit, |f, v| f.commit = v)}
                {text("Script", "entry_point", |f| &f.entry_point, |f, v| f.entry_point = v)}
                {text("Working dir", "working_dir", |f| &f.working_dir, |f, v| f.working_dir = v)}
                {text("Arguments (--name value or name=value)", "arguments", |f| &f.arguments, |f, v| f.arguments = v)}
            </fieldset>
            <fieldset><legend>"Container"</legend>
                {text("Image", "container_image", |f| &f.container_image, |f, v| f.container_image = v)}
                {text("Arguments", "container_arguments", |f| &f.container_arguments, |f, v| f.container_arguments = v)}
                <label class="field wide"><span>"Setup script"</span>
                    <textarea name="container_setup" prop:value=move || form.with(|f| f.container_setup.clone())
                        on:input=move |ev| form.update(|f| f.container_setup = event_target_value(&ev))></textarea>
                </label>
            </fieldset>
            {move || failure.get().map(|e| view! { <ErrorBox message=e/> })}
            <div class="buttons">
                <button type="submit" class="primary" disabled=move || submit.pending().get()>"Create draft"</button>
            </div>
        </form>
    }
}
