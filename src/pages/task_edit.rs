//! The task page's Edit tab: a draft's inputs in forms (hyperparameters,
//! configuration objects, script, container) and, for any unpublished task,
//! its user properties. Values are checked as they are typed; a save is
//! atomic and refused when the task changed since the form was opened.

use crate::api::tasks::{save_draft, save_properties};
use crate::components::error::ErrorBox;
use crate::error::{AppError, FieldError};
use crate::model::draft::{check_draft, check_hyperparams, DraftForm};
use crate::model::task::{check_param_value, USER_PROPERTIES_SECTION};
use crate::model::{ConfigItem, Hyperparam, Task, TaskStatus};
use leptos::prelude::*;

/// One editable hyperparameter row.
#[derive(Clone, Copy)]
struct ParamRow {
    key: usize,
    section: RwSignal<String>,
    name: RwSignal<String>,
    value: RwSignal<String>,
    value_type: RwSignal<String>,
    description: RwSignal<String>,
}

impl ParamRow {
    fn new(key: usize, h: Hyperparam) -> ParamRow {
        ParamRow {
            key,
            section: RwSignal::new(h.section),
            name: RwSignal::new(h.name),
            value: RwSignal::new(h.value),
            value_type: RwSignal::new(h.value_type.unwrap_or_default()),
            description: RwSignal::new(h.description.unwrap_or_default()),
        }
    }

    fn get(&self) -> Hyperparam {
        let opt = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        Hyperparam {
            section: self.section.get_untracked(),
            name: self.name.get_untracked(),
            value: self.value.get_untracked(),
            value_type: opt(self.value_type.get_untracked()),
            description: opt(self.description.get_untracked()),
        }
    }
}

/// One editable configuration object.
#[derive(Clone, Copy)]
struct ConfigRow {
    key: usize,
    name: RwSignal<String>,
    value: RwSignal<String>,
    item_type: RwSignal<String>,
}

/// A text input bound to a signal.
fn text_field(label: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="text" name=label prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))/>
        </label>
    }
}

/// The Edit tab.
#[component]
pub fn EditTab(task: Task, on_saved: Callback<()>) -> impl IntoView {
    if task.status == TaskStatus::Published {
        return view! { <p class="empty">"A published task is read-only. Clone it to make an editable draft."</p> }
            .into_any();
    }
    // While the task is fetched again, this form is hidden: typing into it
    // would be lost when the fresh form replaces it.
    let reloading = RwSignal::new(false);
    let reload = Callback::new(move |_| {
        reloading.set(true);
        on_saved.run(());
    });
    let draft = task.status.is_editable();
    let next_key = StoredValue::new(0usize);
    let fresh_key = move || {
        let k = next_key.get_value();
        next_key.set_value(k + 1);
        k
    };
    let params: Vec<Hyperparam> = task
        .hyperparams
        .values()
        .flat_map(|s| s.values().cloned())
        .filter(|h| draft || h.section == USER_PROPERTIES_SECTION)
        .collect();
    let rows = RwSignal::new(params.into_iter().map(|h| ParamRow::new(fresh_key(), h)).collect::<Vec<_>>());
    let configs = RwSignal::new(
        task.configuration
            .values()
            .map(|c| ConfigRow {
                key: fresh_key(),
                name: RwSignal::new(c.name.clone()),
                value: RwSignal::new(c.value.clone()),
                item_type: RwSignal::new(c.item_type.clone().unwrap_or_default()),
            })
            .collect::<Vec<_>>(),
    );
    let name = RwSignal::new(task.name.clone());
    let comment = RwSignal::new(task.comment.clone());
    let s = task.script.clone();
    let (repository, branch, commit) =
        (RwSignal::new(s.repository.clone()), RwSignal::new(s.branch.clone()), RwSignal::new(s.version_num.clone()));
    let (entry_point, working_dir, binary) =
        (RwSignal::new(s.entry_point.clone()), RwSignal::new(s.working_dir.clone()), RwSignal::new(s.binary.clone()));
    let image = RwSignal::new(task.container.image.clone());
    let container_args = RwSignal::new(task.container.arguments.clone());
    let setup_script = RwSignal::new(task.container.setup_shell_script.clone());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let outcome = RwSignal::new(None::<Result<i64, AppError>>);
    let (id, revision) = (task.id.clone(), task.revision);
    let base_script = task.script.clone();

    let collect = move || DraftForm {
        name: name.get_untracked(),
        comment: comment.get_untracked(),
        hyperparams: rows.get_untracked().iter().map(ParamRow::get).collect(),
        configuration: configs
            .get_untracked()
            .iter()
            .map(|c| ConfigItem {
                name: c.name.get_untracked(),
                value: c.value.get_untracked(),
                item_type: Some(c.item_type.get_untracked()).filter(|t| !t.is_empty()),
                description: None,
            })
            .collect(),
        script: crate::model::Script {
            repository: repository.get_untracked(),
            branch: branch.get_untracked(),
            version_num: commit.get_untracked(),
            entry_point: entry_point.get_untracked(),
            working_dir: working_dir.get_untracked(),
            binary: binary.get_untracked(),
            ..base_script.clone()
        },
        container: crate::model::Container {
            image: image.get_untracked(),
            arguments: container_args.get_untracked(),
            setup_shell_script: setup_script.get_untracked(),
        },
    };
    let save = Action::new(move |form: &DraftForm| {
        let (id, form) = (id.clone(), form.clone());
        async move {
            if draft {
                save_draft(id, revision, form).await
            } else {
                save_properties(id, revision, form.hyperparams).await
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            if let Err(AppError::InvalidFields(e)) = &r {
                errors.set(e.clone());
            }
            outcome.set(Some(r));
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = collect();
        let found = if draft {
            check_draft(&form)
        } else {
            let props: Vec<Hyperparam> = form
                .hyperparams
                .iter()
                .cloned()
                .map(|h| Hyperparam { section: USER_PROPERTIES_SECTION.into(), ..h })
                .collect();
            check_hyperparams(&props)
        };
        errors.set(found.clone());
        outcome.set(None);
        if found.is_empty() {
            save.dispatch(form);
        }
    };
    // The message for a field key (`hp.3`), by the row's current position.
    let error_for =
        move |field: String| move || errors.read().iter().find(|e| e.field == field).map(|e| e.message.clone());
    let row_index = move |key: usize| rows.read().iter().position(|r| r.key == key).unwrap_or(usize::MAX);
    let param_rows = move || {
        rows.get()
            .into_iter()
            .map(|r| {
                let live_check = move || check_param_value(Some(r.value_type.get()).as_deref(), &r.value.get()).err();
                let saved_error = move || {
                    let i = row_index(r.key);
                    let keys = [format!("hp.{i}"), format!("hp.{i}.name"), format!("hp.{i}.section")];
                    errors.read().iter().find(|e| keys.contains(&e.field)).map(|e| e.message.clone())
                };
                let message = move || live_check().or_else(saved_error);
                let label = move || format!("{}/{}", r.section.get(), r.name.get());
                let section_input = draft.then(|| view! {
                    <td><input type="text" aria-label="Section" prop:value=r.section on:input=move |ev| r.section.set(event_target_value(&ev))/></td>
                });
                view! {
                    <tr data-testid="edit-param">
                        {section_input}
                        <td><input type="text" aria-label="Name" prop:value=r.name on:input=move |ev| r.name.set(event_target_value(&ev))/></td>
                        <td>
                            <input type="text" aria-label=move || format!("Value of {}", label()) prop:value=r.value
                                aria-invalid=move || message().is_some().to_string()
                                on:input=move |ev| {
                                    r.value.set(event_target_value(&ev));
                                    // Errors from the last save attempt no longer describe this value.
                                    if !errors.read_untracked().is_empty() {
                                        errors.set(Vec::new());
                                    }
                                }/>
                            {move || message().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                        </td>
                        <td>
                            <select aria-label="Type" on:change=move |ev| r.value_type.set(event_target_value(&ev))>
                                {["", "str", "int", "float", "bool"].into_iter().map(|t| view! {
                                    <option value=t selected=move || r.value_type.get() == t>{if t.is_empty() { "any" } else { t }}</option>
                                }).collect_view()}
                            </select>
                        </td>
                        <td><input type="text" aria-label="Description" prop:value=r.description on:input=move |ev| r.description.set(event_target_value(&ev))/></td>
                        <td><button type="button" aria-label=move || format!("Delete {}", label())
                            on:click=move |_| rows.update(|rs| rs.retain(|x| x.key != r.key))>"✕"</button></td>
                    </tr>
                }
            })
            .collect_view()
    };
    let add_row = move |_| {
        let section = if draft { "General" } else { USER_PROPERTIES_SECTION };
        let h = Hyperparam { section: section.into(), ..Hyperparam::default() };
        rows.update(|rs| rs.push(ParamRow::new(fresh_key(), h)));
    };
    let config_rows = move || {
        configs
            .get()
            .into_iter()
            .map(|c| {
                let idx = move || configs.read().iter().position(|x| x.key == c.key).unwrap_or(usize::MAX);
                let message = move || errors.read().iter().find(|e| e.field == format!("config.{}", idx())).map(|e| e.message.clone());
                view! {
                    <fieldset class="config-edit" data-testid="edit-config">
                        <legend>{move || c.name.get()}</legend>
                        <label class="field"><span>"Name"</span>
                            <input type="text" prop:value=c.name on:input=move |ev| c.name.set(event_target_value(&ev))/></label>
                        {move || message().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                        <label class="field"><span>"Type"</span>
                            <input type="text" prop:value=c.item_type on:input=move |ev| c.item_type.set(event_target_value(&ev))/></label>
                        <label class="field wide"><span>"Content"</span>
                            <textarea rows="8" spellcheck="false" aria-label=move || format!("Content of {}", c.name.get())
                                prop:value=c.value on:input=move |ev| c.value.set(event_target_value(&ev))></textarea></label>
                        <button type="button" on:click=move |_| configs.update(|cs| cs.retain(|x| x.key != c.key))>"Delete object"</button>
                    </fieldset>
                }
            })
            .collect_view()
    };
    let add_config = move |_| {
        configs.update(|cs| {
            cs.push(ConfigRow {
                key: fresh_key(),
                name: RwSignal::new(String::new()),
                value: RwSignal::new(String::new()),
                item_type: RwSignal::new(String::new()),
            })
        })
    };
    let result = move || {
        outcome.get().map(|r| match r {
            Ok(_) => view! {
                <p class="notice" role="status">"Saved. "
                    <button type="button" class="link" on:click=move |_| reload.run(())>"Show the saved task"</button></p>
            }
            .into_any(),
            Err(AppError::Stale { current }) => view! {
                <div class="error" role="alert" data-testid="stale">
                    {format!(
                        "This task was changed by someone else since you opened this form (it is now at revision {current}, the form was made from revision {revision}). Nothing was saved. "
                    )}
                    <button type="button" on:click=move |_| reload.run(())>"Reload the task"</button>
                </div>
            }
            .into_any(),
            Err(AppError::InvalidFields(_)) => {
                view! { <ErrorBox message="Some fields are invalid; nothing was saved.".to_string()/> }.into_any()
            }
            Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
        })
    };
    let draft_fields = draft.then(|| {
        view! {
            <fieldset>
                <legend>"Task"</legend>
                <label class="field"><span>"Name"</span>
                    <input type="text" name="task-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
                {move || error_for("name".into())().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                {text_field("Comment", comment)}
            </fieldset>
            <fieldset>
                <legend>"Script"</legend>
                {text_field("Repository", repository)}
                {text_field("Branch", branch)}
                {text_field("Commit", commit)}
                {text_field("Entry point", entry_point)}
                {text_field("Working directory", working_dir)}
                {text_field("Binary", binary)}
            </fieldset>
            <fieldset>
                <legend>"Container"</legend>
                {text_field("Image", image)}
                {text_field("Arguments", container_args)}
                <label class="field wide"><span>"Setup script"</span>
                    <textarea rows="3" prop:value=setup_script on:input=move |ev| setup_script.set(event_target_value(&ev))></textarea></label>
            </fieldset>
        }
    });
    let configs_block = draft.then(|| {
        view! {
            <h2>"Configuration objects"</h2>
            {config_rows}
            <button type="button" on:click=add_config>"Add configuration object"</button>
        }
    });
    let heading = if draft { "Hyperparameters and user properties" } else { "User properties" };
    let section_header = draft.then(|| view! { <th>"Section"</th> });
    view! {
        <p class="empty" hidden=move || !reloading.get()>"Loading the task…"</p>
        <form class="draft-form" data-testid="draft-form" on:submit=on_submit novalidate=true hidden=move || reloading.get()>
            {draft_fields}
            <h2>{heading}</h2>
            <table class="params edit">
                <thead><tr>{section_header}<th>"Name"</th><th>"Value"</th><th>"Type"</th><th>"Description"</th><th></th></tr></thead>
                <tbody>{param_rows}</tbody>
            </table>
            <button type="button" on:click=add_row>"Add parameter"</button>
            {configs_block}
            <div class="buttons">
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
            </div>
            {result}
        </form>
    }
    .into_any()
}
