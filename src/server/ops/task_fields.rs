//! What tasks carry besides their core fields: hyperparameters edited one
//! by one, artifacts, links to models; and the web UI's forms, which save
//! a draft's inputs or any task's user properties in one revision-guarded
//! write, or make a new draft.

use super::tasks::{create, modify, modify_at};
use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::draft::{check_draft, check_hyperparams, check_new_task, parse_arguments, DraftForm, NewTaskForm};
use crate::model::task::{Hyperparams, LinkKind, ModelLink, TaskPatch, USER_PROPERTIES_SECTION};
use crate::model::{ConfigItem, Container, Hyperparam, TaskPart, TaskType};
use crate::server::clock::{iso, now_ms};
use crate::server::state::AppState;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What `tasks.edit_hyper_params` does with the hyperparameters already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Keep them; the new ones are added or replace those of the same name.
    None,
    /// Drop the sections the new ones are in first.
    Section,
    /// Drop them all first.
    All,
}

/// The part of a task a hyperparameter change touches: user properties
/// alone may change on any unpublished task.
fn part_of(items: &[Hyperparam]) -> TaskPart {
    if items.iter().all(|h| h.section == USER_PROPERTIES_SECTION) {
        TaskPart::UserProperties
    } else {
        TaskPart::Inputs
    }
}

/// `tasks.edit_hyper_params`: adds or replaces hyperparameters one by one.
pub async fn edit_hyper_params(
    state: &AppState,
    actor: &Actor,
    id: &str,
    items: &[Hyperparam],
    replace: Replace,
    force: bool,
) -> AppResult<()> {
    modify(state, actor, id, |t| {
        t.status.check_edit(part_of(items), force)?;
        match replace {
            Replace::All => t.hyperparams.clear(),
            Replace::Section => {
                for h in items {
                    t.hyperparams.remove(&h.section);
                }
            }
            Replace::None => {}
        }
        for h in items {
            t.hyperparams.entry(h.section.clone()).or_default().insert(h.name.clone(), h.clone());
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// `tasks.delete_hyper_params`: by section and name (an item without a
/// name takes its whole section). Answers how many went.
pub async fn delete_hyper_params(
    state: &AppState,
    actor: &Actor,
    id: &str,
    items: &[Hyperparam],
    force: bool,
) -> AppResult<usize> {
    let (deleted, _) = modify(state, actor, id, |t| {
        t.status.check_edit(part_of(items), force)?;
        let mut deleted = 0;
        for h in items {
            if h.name.is_empty() {
                deleted += t.hyperparams.remove(&h.section).map_or(0, |s| s.len());
            } else if let Some(sec) = t.hyperparams.get_mut(&h.section) {
                deleted += usize::from(sec.remove(&h.name).is_some());
                if sec.is_empty() {
                    t.hyperparams.remove(&h.section);
                }
            }
        }
        Ok(deleted)
    })
    .await?;
    Ok(deleted)
}

/// `tasks.get_hyper_params`: each task's hyperparameters as a flat list.
pub async fn get_hyper_params(
    state: &AppState,
    _actor: &Actor,
    ids: &[String],
) -> AppResult<Vec<(String, Vec<Hyperparam>)>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let t = lookup::task(state, id).await?;
        out.push((id.clone(), t.hyperparams.into_values().flat_map(BTreeMap::into_values).collect()));
    }
    Ok(out)
}

/// `tasks.edit_configuration`: adds or replaces configuration items by
/// name (with `replace_all`, drops the others first). Drafts only, unless
/// `force`.
pub async fn edit_configuration(
    state: &AppState,
    actor: &Actor,
    id: &str,
    items: &[ConfigItem],
    replace_all: bool,
    force: bool,
) -> AppResult<()> {
    modify(state, actor, id, |t| {
        t.status.check_edit(TaskPart::Inputs, force)?;
        if replace_all {
            t.configuration.clear();
        }
        for c in items {
            t.configuration.insert(c.name.clone(), c.clone());
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// `tasks.delete_configuration`: by name. Answers how many went.
pub async fn delete_configuration(
    state: &AppState,
    actor: &Actor,
    id: &str,
    names: &[String],
    force: bool,
) -> AppResult<usize> {
    let (deleted, _) = modify(state, actor, id, |t| {
        t.status.check_edit(TaskPart::Inputs, force)?;
        Ok(names.iter().filter(|n| t.configuration.remove(*n).is_some()).count())
    })
    .await?;
    Ok(deleted)
}

/// An artifact's identity: its key and mode (`output` unless it says).
pub fn artifact_key(a: &Value) -> (String, String) {
    let key = a.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    let mode = a.get("mode").and_then(Value::as_str).unwrap_or("output").to_string();
    (key, mode)
}

/// `tasks.add_or_update_artifacts`: upserts by key and mode; not on a
/// published task unless forced.
pub async fn add_or_update_artifacts(
    state: &AppState,
    actor: &Actor,
    id: &str,
    artifacts: &[Value],
    force: bool,
) -> AppResult<()> {
    for (i, a) in artifacts.iter().enumerate() {
        if !a.is_object() || artifact_key(a).0.is_empty() {
            return Err(AppError::invalid(format!("artifacts[{i}] must be an object with a 'key'")));
        }
    }
    modify(state, actor, id, |t| {
        t.status.check_edit(TaskPart::Outputs, force)?;
        for a in artifacts {
            let k = artifact_key(a);
            let mut a = a.clone();
            if a.get("mode").is_none() {
                a["mode"] = json!("output");
            }
            match t.artifacts.iter_mut().find(|x| artifact_key(x) == k) {
                Some(existing) => *existing = a,
                None => t.artifacts.push(a),
            }
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// `tasks.delete_artifacts`, by key and mode. Answers how many went.
pub async fn delete_artifacts(
    state: &AppState,
    actor: &Actor,
    id: &str,
    keys: &[(String, String)],
) -> AppResult<usize> {
    let (deleted, _) = modify(state, actor, id, |t| {
        let before = t.artifacts.len();
        t.artifacts.retain(|a| !keys.contains(&artifact_key(a)));
        Ok(before - t.artifacts.len())
    })
    .await?;
    Ok(deleted)
}

/// `tasks.add_or_update_model`: links a model (which must exist) as an
/// input or output under `name`, replacing a link of that name.
pub async fn link_model(
    state: &AppState,
    actor: &Actor,
    id: &str,
    name: &str,
    model: &str,
    kind: LinkKind,
) -> AppResult<()> {
    // As on ClearML's server, the model is not looked up: a link may name a
    // model registered later, or elsewhere.
    modify(state, actor, id, |t| {
        let links = match kind {
            LinkKind::Input => &mut t.models.input,
            LinkKind::Output => &mut t.models.output,
        };
        let link = ModelLink { name: name.to_string(), model: model.to_string(), updated: Some(iso(now_ms())) };
        match links.iter_mut().find(|l| l.name == name) {
            Some(l) => *l = link,
            None => links.push(link),
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Drops a task's model links by (name, input or output).
pub async fn unlink_models(state: &AppState, actor: &Actor, id: &str, links: &[(String, LinkKind)]) -> AppResult<()> {
    modify(state, actor, id, |t| {
        for (name, kind) in links {
            let list = match kind {
                LinkKind::Input => &mut t.models.input,
                LinkKind::Output => &mut t.models.output,
            };
            list.retain(|l| &l.name != name);
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Form rows as sections, trimmed, without empty types and descriptions.
fn into_sections(rows: &[Hyperparam]) -> Hyperparams {
    let mut out = Hyperparams::new();
    for h in rows {
        let h = Hyperparam {
            section: h.section.trim().to_string(),
            name: h.name.trim().to_string(),
            value: h.value.clone(),
            value_type: h.value_type.clone().filter(|t| !t.trim().is_empty()),
            description: h.description.clone().filter(|d| !d.trim().is_empty()),
        };
        out.entry(h.section.clone()).or_default().insert(h.name.clone(), h);
    }
    out
}

/// Refuses a form with invalid fields, each with its message.
fn check_fields(errors: Vec<crate::error::FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidFields(errors))
    }
}

/// Saves a draft's form if the task is still a draft at `revision`;
/// answers the new revision.
pub async fn save_draft(state: &AppState, actor: &Actor, id: &str, revision: i64, form: &DraftForm) -> AppResult<i64> {
    check_fields(check_draft(form))?;
    modify_at(state, actor, id, revision, |t| {
        t.status.check_edit(TaskPart::Inputs, false)?;
        t.name = form.name.trim().to_string();
        t.comment.clone_from(&form.comment);
        t.hyperparams = into_sections(&form.hyperparams);
        t.configuration = form
            .configuration
            .iter()
            .map(|c| {
                let name = c.name.trim().to_string();
                (name.clone(), ConfigItem { name, ..c.clone() })
            })
            .collect();
        t.script.clone_from(&form.script);
        t.container.clone_from(&form.container);
        Ok(())
    })
    .await
}

/// Saves the user properties of any unpublished task at `revision`;
/// answers the new revision.
pub async fn save_properties(
    state: &AppState,
    actor: &Actor,
    id: &str,
    revision: i64,
    properties: &[Hyperparam],
) -> AppResult<i64> {
    let properties: Vec<Hyperparam> =
        properties.iter().map(|p| Hyperparam { section: USER_PROPERTIES_SECTION.into(), ..p.clone() }).collect();
    check_fields(check_hyperparams(&properties))?;
    modify_at(state, actor, id, revision, |t| {
        t.status.check_edit(TaskPart::UserProperties, false)?;
        let section = into_sections(&properties).remove(USER_PROPERTIES_SECTION).unwrap_or_default();
        if section.is_empty() {
            t.hyperparams.remove(USER_PROPERTIES_SECTION);
        } else {
            t.hyperparams.insert(USER_PROPERTIES_SECTION.into(), section);
        }
        Ok(())
    })
    .await
}

/// Saves the name, comment and tags of any unpublished task at `revision`
/// (what ClearML's `tasks.update` changes on a task that ran); answers the
/// new revision. Tags are trimmed, blank ones dropped, duplicates kept once.
pub async fn save_labels(
    state: &AppState,
    actor: &Actor,
    id: &str,
    revision: i64,
    name: &str,
    comment: &str,
    tags: &[String],
) -> AppResult<i64> {
    if let Err(m) = crate::model::check_name("task", name) {
        return Err(AppError::InvalidFields(vec![crate::error::FieldError::new("name", m)]));
    }
    let mut clean: Vec<String> = Vec::new();
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !clean.iter().any(|c| c == t) {
            clean.push(t.to_string());
        }
    }
    modify_at(state, actor, id, revision, |t| {
        t.status.check_edit(TaskPart::Labels, false)?;
        t.name = name.trim().to_string();
        t.comment = comment.to_string();
        t.tags = clean;
        Ok(())
    })
    .await
}

/// Makes a draft from the new-task form, as `Task.create` does: the
/// project (created if missing), the script, the container, and the
/// arguments as the `Args` section. Answers its id.
pub async fn create_from_form(state: &AppState, actor: &Actor, form: &NewTaskForm) -> AppResult<String> {
    check_fields(check_new_task(form))?;
    let project = lookup::ensure_project(state, &form.project).await?;
    let args = parse_arguments(&form.arguments).map_err(AppError::invalid)?;
    let section: BTreeMap<String, Hyperparam> = args
        .into_iter()
        .map(|(name, value)| {
            (name.clone(), Hyperparam { section: "Args".into(), name, value, value_type: None, description: None })
        })
        .collect();
    let task_type: TaskType = form.task_type.parse().map_err(AppError::invalid)?;
    let patch = TaskPatch {
        name: Some(form.name.trim().to_string()),
        project: Some(project.id),
        task_type: Some(task_type),
        script: crate::model::task::ScriptPatch {
            repository: Some(form.repository.trim().into()),
            branch: Some(form.branch.trim().into()),
            version_num: Some(form.commit.trim().into()),
            entry_point: Some(form.entry_point.trim().into()),
            working_dir: Some(form.working_dir.trim().into()),
            ..Default::default()
        },
        container: Some(Container {
            image: form.container_image.trim().into(),
            arguments: form.container_arguments.trim().into(),
            setup_shell_script: form.container_setup.clone(),
        }),
        hyperparams: Some(Hyperparams::from([("Args".to_string(), section)])),
        ..TaskPatch::default()
    };
    create(state, actor, &patch).await
}
