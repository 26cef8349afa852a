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
}
