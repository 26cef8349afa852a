//! Editing a task in forms: a draft's inputs (hyperparameters, configuration
//! objects, script, container) and any unpublished task's user properties.
//! A save is one revision-guarded write: all of it or nothing, and never over
//! an edit made after the form was opened.

use crate::model::task::check_param_value;
use crate::model::{ConfigItem, Container, Hyperparam, Script};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What the draft form edits.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DraftForm {
    pub name: String,
    pub comment: String,
    /// Every hyperparameter row, user properties included (section `properties`).
    pub hyperparams: Vec<Hyperparam>,
    pub configuration: Vec<ConfigItem>,
    pub script: Script,
    pub container: Container,
}

/// A problem with one field: its key in the form (`name`, `hp.3`,
/// `hp.3.name`, `config.1`) and the message shown next to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// How a save ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SaveResult {
    /// Saved; the task is now at this revision.
    Saved { revision: i64 },
    /// The task changed since the form was opened (it is at `current`).
    Stale { current: i64 },
    /// Some fields are invalid; nothing was saved.
    Invalid(Vec<FieldError>),
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

/// Checks hyperparameter rows: a section and name each, no duplicates, and
/// values matching their types.
pub fn check_hyperparams(rows: &[Hyperparam]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, h) in rows.iter().enumerate() {
        if h.section.trim().is_empty() {
            out.push(err(format!("hp.{i}.section"), "a section is required"));
        }
        if h.name.trim().is_empty() {
            out.push(err(format!("hp.{i}.name"), "a name is required"));
        } else if !seen.insert((h.section.trim().to_string(), h.name.trim().to_string())) {
            out.push(err(format!("hp.{i}.name"), format!("'{}/{}' appears twice", h.section.trim(), h.name.trim())));
        }
        if let Err(m) = check_param_value(h.value_type.as_deref(), &h.value) {
            out.push(err(format!("hp.{i}"), m));
        }
    }
    out
}

/// Checks the whole draft form.
pub fn check_draft(form: &DraftForm) -> Vec<FieldError> {
    let mut out = Vec::new();
    if form.name.trim().chars().count() < 3 {
        out.push(err("name", "the name must be at least 3 characters long"));
    }
    out.extend(check_hyperparams(&form.hyperparams));
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in form.configuration.iter().enumerate() {
        if c.name.trim().is_empty() {
            out.push(err(format!("config.{i}"), "a name is required"));
        } else if !seen.insert(c.name.trim().to_string()) {
            out.push(err(format!("config.{i}"), format!("'{}' appears twice", c.name.trim())));
        }
    }
    out
}

#[cfg(feature = "ssr")]
fn into_sections(rows: &[Hyperparam]) -> crate::model::task::Hyperparams {
    let mut out = crate::model::task::Hyperparams::new();
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

#[cfg(feature = "ssr")]
fn outcome(r: Result<i64, crate::server::clearml::EditError>) -> Result<SaveResult, ServerFnError> {
    use crate::server::clearml::EditError;
    match r {
        Ok(revision) => Ok(SaveResult::Saved { revision }),
        Err(EditError::Stale { current, .. }) => Ok(SaveResult::Stale { current }),
        Err(EditError::Api(e)) => Err(ServerFnError::new(e.msg)),
    }
}

/// Saves a draft's form if the task is still a draft at `revision`.
#[server(prefix = "/rpc", endpoint = "save_draft", input = Json)]
pub async fn save_draft(id: String, revision: i64, form: DraftForm) -> Result<SaveResult, ServerFnError> {
    use crate::server::clearml::request::ApiError;
    let errors = check_draft(&form);
    if !errors.is_empty() {
        return Ok(SaveResult::Invalid(errors));
    }
    let st = super::state()?;
    let r = crate::server::clearml::edit_task_at(&st, &id, revision, |t| {
        if !t.status.is_editable() {
            return Err(ApiError::invalid_status(
                format!("only drafts can be edited; this task is {}", t.status.state().label()),
                t.status.as_str(),
            ));
        }
        t.name = form.name.trim().to_string();
        t.comment = form.comment.clone();
        t.hyperparams = into_sections(&form.hyperparams);
        t.configuration = form
            .configuration
            .iter()
            .map(|c| {
                let name = c.name.trim().to_string();
                (name.clone(), ConfigItem { name, ..c.clone() })
            })
            .collect();
        t.script = form.script.clone();
        t.container = form.container.clone();
        Ok(())
    })
    .await;
    outcome(r)
}

/// Saves the user properties of any unpublished task at `revision`.
#[server(prefix = "/rpc", endpoint = "save_properties", input = Json)]
pub async fn save_properties(
    id: String,
    revision: i64,
    properties: Vec<Hyperparam>,
) -> Result<SaveResult, ServerFnError> {
    use crate::model::TaskStatus;
    use crate::server::clearml::request::ApiError;
    let properties: Vec<Hyperparam> = properties
        .into_iter()
        .map(|p| Hyperparam { section: crate::model::task::USER_PROPERTIES_SECTION.into(), ..p })
        .collect();
    let errors = check_hyperparams(&properties);
    if !errors.is_empty() {
        return Ok(SaveResult::Invalid(errors));
    }
    let st = super::state()?;
    let r = crate::server::clearml::edit_task_at(&st, &id, revision, |t| {
        if t.status == TaskStatus::Published {
            return Err(ApiError::invalid_status("a published task is read-only", t.status.as_str()));
        }
        let section =
            into_sections(&properties).remove(crate::model::task::USER_PROPERTIES_SECTION).unwrap_or_default();
        if section.is_empty() {
            t.hyperparams.remove(crate::model::task::USER_PROPERTIES_SECTION);
        } else {
            t.hyperparams.insert(crate::model::task::USER_PROPERTIES_SECTION.into(), section);
        }
        Ok(())
    })
    .await;
    outcome(r)
}

/// The "new task" form: a draft from scratch, as `Task.create` makes one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewTaskForm {
    pub name: String,
    /// Full project path; created if missing.
    pub project: String,
    /// A task type name (`training`, `testing`, …).
    pub task_type: String,
    pub repository: String,
    pub branch: String,
    /// Commit id; empty for the branch head.
    pub commit: String,
    /// The script to run, relative to the working dir.
    pub entry_point: String,
    pub working_dir: String,
    /// Command-line arguments: `--lr 0.1 --epochs=3` or `lr=0.1`; they become
    /// the `Args` hyperparameter section, as argparse arguments do.
    pub arguments: String,
    pub container_image: String,
    pub container_arguments: String,
    pub container_setup: String,
}

/// Whether a token is a `name=value` pair (an identifier before the `=`).
fn is_pair(token: &str) -> bool {
    token.split_once('=').is_some_and(|(name, _)| {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    })
}

/// Parses the form's arguments into `(name, value)` pairs, in order. A
/// `--flag` followed by another option, a `name=value` pair or nothing is
/// `true`.
pub fn parse_arguments(text: &str) -> Result<Vec<(String, String)>, String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        let bare = tok.trim_start_matches('-');
        let (name, value) = match bare.split_once('=') {
            Some((n, v)) => (n, v.to_string()),
            None if tok.starts_with("--") => match tokens.get(i + 1) {
                Some(next) if !next.starts_with("--") && !is_pair(next) => {
                    i += 1;
                    (bare, next.to_string())
                }
                _ => (bare, "true".to_string()),
            },
            None => return Err(format!("'{tok}' is not an argument: write --name value or name=value")),
        };
        if name.is_empty() {
            return Err(format!("'{tok}' has no argument name"));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!("argument '{name}' is given twice"));
        }
        out.push((name.to_string(), value));
        i += 1;
    }
    Ok(out)
}

/// Checks the new-task form; the errors are keyed by field name.
pub fn check_new_task(form: &NewTaskForm) -> Vec<FieldError> {
    let mut out = Vec::new();
    if form.name.trim().chars().count() < 3 {
        out.push(err("name", "the name must be at least 3 characters long"));
    }
    if crate::model::project::path_prefixes(form.project.trim()).is_err() {
        out.push(err("project", "a project path such as team/experiments is required"));
    }
    if form.task_type.parse::<crate::model::task::TaskType>().is_err() {
        out.push(err("task_type", format!("unknown task type '{}'", form.task_type)));
    }
    if form.entry_point.trim().is_empty() {
        out.push(err("entry_point", "the script to run is required"));
    }
    if let Err(m) = parse_arguments(&form.arguments) {
        out.push(err("arguments", m));
    }
    out
}

/// How creating a task ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CreateResult {
    /// The new draft's id.
    Created(String),
    /// Some fields are invalid; nothing was created.
    Invalid(Vec<FieldError>),
}

/// Creates a draft task from the new-task form.
#[server(prefix = "/rpc", endpoint = "create_task", input = Json)]
pub async fn create_task(form: NewTaskForm) -> Result<CreateResult, ServerFnError> {
    let errors = check_new_task(&form);
    if !errors.is_empty() {
        return Ok(CreateResult::Invalid(errors));
    }
    let st = super::state()?;
    let project = st.store.ensure_project(form.project.trim(), "").await.map_err(super::to_client)?;
    let args = parse_arguments(&form.arguments).map_err(ServerFnError::new)?;
    let hyperparams: serde_json::Map<String, serde_json::Value> = args
        .into_iter()
        .map(|(name, value)| (name.clone(), serde_json::json!({"section": "Args", "name": name, "value": value})))
        .collect();
    let body = serde_json::json!({
        "name": form.name.trim(),
        "project": project.id,
        "type": form.task_type,
        "script": {
            "repository": form.repository.trim(), "branch": form.branch.trim(), "version_num": form.commit.trim(),
            "entry_point": form.entry_point.trim(), "working_dir": form.working_dir.trim(),
        },
        "container": {
            "image": form.container_image.trim(), "arguments": form.container_arguments.trim(),
            "setup_shell_script": form.container_setup,
        },
        "hyperparams": {"Args": hyperparams},
    });
    let out = crate::server::clearml::call(&st, super::actions::WEB_USER, "tasks.create", body)
        .await
        .map_err(|e| ServerFnError::new(e.msg))?;
    let id = out["id"].as_str().ok_or_else(|| ServerFnError::new("the new task has no id"))?;
    Ok(CreateResult::Created(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(section: &str, name: &str, value: &str, ty: Option<&str>) -> Hyperparam {
        Hyperparam {
            section: section.into(),
            name: name.into(),
            value: value.into(),
            value_type: ty.map(str::to_string),
            description: None,
        }
    }

    #[test]
    fn a_bad_int_and_a_duplicate_are_reported_per_field() {
        let rows = vec![
            hp("Args", "epochs", "abc", Some("int")),
            hp("Args", "lr", "0.1", Some("float")),
            hp("Args", "lr", "1", None),
        ];
        let errors = check_hyperparams(&rows);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "hp.0");
        assert!(errors[0].message.contains("not a whole number"));
        assert_eq!(errors[1].field, "hp.2.name");
    }

    #[test]
    fn arguments_parse_in_both_styles() {
        let args = parse_arguments("--lr 0.1 --epochs=3 --verbose batch=64").unwrap();
        let pairs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(pairs, vec![("lr", "0.1"), ("epochs", "3"), ("verbose", "true"), ("batch", "64")]);
        assert!(parse_arguments("stray").unwrap_err().contains("'stray' is not an argument"));
        assert!(parse_arguments("--lr 1 --lr 2").unwrap_err().contains("given twice"));
        assert!(parse_arguments("").unwrap().is_empty());
    }

    #[test]
    fn a_new_task_needs_a_name_project_type_and_script() {
        let form = NewTaskForm {
            name: "ok name".into(),
            project: "a/b".into(),
            task_type: "training".into(),
            entry_point: "train.py".into(),
            ..NewTaskForm::default()
        };
        assert!(check_new_task(&form).is_empty());
        let bad = NewTaskForm {
            name: "x".into(),
            project: "a//b".into(),
            task_type: "cooking".into(),
            arguments: "oops".into(),
            ..NewTaskForm::default()
        };
        let fields: Vec<String> = check_new_task(&bad).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["name", "project", "task_type", "entry_point", "arguments"]);
    }
}
