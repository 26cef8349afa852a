//! The forms a task is written from in the web UI: a draft's edit form, the
//! new-task form and the clone dialog, with the checks the browser runs as
//! the user types and the server runs again before it saves.

use super::task::{check_param_value, TaskType};
use super::{check_name, ConfigItem, Container, Hyperparam, Script};
pub use crate::error::FieldError;
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

/// Checks hyperparameter rows: a section and name each, no duplicates, and
/// values matching their types.
pub fn check_hyperparams(rows: &[Hyperparam]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, h) in rows.iter().enumerate() {
        if h.section.trim().is_empty() {
            out.push(FieldError::new(format!("hp.{i}.section"), "a section is required"));
        }
        if h.name.trim().is_empty() {
            out.push(FieldError::new(format!("hp.{i}.name"), "a name is required"));
        } else if !seen.insert((h.section.trim().to_string(), h.name.trim().to_string())) {
            out.push(FieldError::new(
                format!("hp.{i}.name"),
                format!("'{}/{}' appears twice", h.section.trim(), h.name.trim()),
            ));
        }
        if let Err(m) = check_param_value(h.value_type.as_deref(), &h.value) {
            out.push(FieldError::new(format!("hp.{i}"), m));
        }
    }
    out
}

/// Checks the whole draft form.
pub fn check_draft(form: &DraftForm) -> Vec<FieldError> {
    let mut out = Vec::new();
    if let Err(m) = check_name("task", &form.name) {
        out.push(FieldError::new("name", m));
    }
    out.extend(check_hyperparams(&form.hyperparams));
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in form.configuration.iter().enumerate() {
        if c.name.trim().is_empty() {
            out.push(FieldError::new(format!("config.{i}"), "a name is required"));
        } else if !seen.insert(c.name.trim().to_string()) {
            out.push(FieldError::new(format!("config.{i}"), format!("'{}' appears twice", c.name.trim())));
        }
    }
    out
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
    if let Err(m) = check_name("task", &form.name) {
        out.push(FieldError::new("name", m));
    }
    if super::project::path_prefixes(form.project.trim()).is_err() {
        out.push(FieldError::new("project", "a project path such as team/experiments is required"));
    }
    if form.task_type.parse::<TaskType>().is_err() {
        out.push(FieldError::new("task_type", format!("unknown task type '{}'", form.task_type)));
    }
    if form.entry_point.trim().is_empty() {
        out.push(FieldError::new("entry_point", "the script to run is required"));
    }
    if let Err(m) = parse_arguments(&form.arguments) {
        out.push(FieldError::new("arguments", m));
    }
    out
}

/// What the clone dialog asks for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CloneForm {
    pub name: String,
    /// Project name (created if missing); empty keeps the source's project.
    pub project: String,
    pub comment: String,
    /// Parent task id; empty makes the source the parent.
    pub parent: String,
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
        let errors = check_new_task(&bad);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "project", "task_type", "entry_point", "arguments"]);
        assert!(errors[0].message.contains("at least 3 characters"));
    }
}
