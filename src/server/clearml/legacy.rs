//! What ClearML's server does for clients of older API versions: before
//! 2.3, system tags travel in `tags`; before 2.9, hyperparameters and
//! configuration are `execution.parameters` and `execution.model_desc`.

use crate::model::task::LEGACY;
use serde_json::{Map, Value};

/// An API version, as `(major, minor)`.
pub type Version = (u32, u32);

/// The first version with `system_tags`.
const SYSTEM_TAGS: Version = (2, 3);
/// The first version with typed `hyperparams` and `configuration`.
const HYPERPARAMS: Version = (2, 9);

/// The system tags an old client sends in `tags`, by entity (each also
/// counts with a leading `-`, in filters), and the prefixes of a task's.
fn system_tag_names(entity: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match entity {
        "model" => (&["active", "archived"], &[]),
        "project" => (&["archived", "public", "default"], &[]),
        "task" => (&["active", "archived", "development"], &["annotat"]),
        "queue" => (&["default"], &[]),
        _ => (&[], &[]),
    }
}

/// The entity an endpoint's service is about (`tasks.get_all` → `task`).
fn entity_of(endpoint: &str) -> &str {
    let service = endpoint.split('.').next().unwrap_or_default();
    service.strip_suffix('s').unwrap_or(service)
}

/// Before 2.3: `tags` without `system_tags` are split into both, as
/// ClearML's server splits them (a filter's `-archived` too).
pub fn upgrade_request_tags(version: Version, endpoint: &str, body: &mut Map<String, Value>) {
    if version >= SYSTEM_TAGS {
        return;
    }
    let Some(Value::Array(tags)) = body.get("tags") else { return };
    if body.get("system_tags").and_then(Value::as_array).is_some_and(|s| !s.is_empty()) {
        return;
    }
    let (names, prefixes) = system_tag_names(entity_of(endpoint));
    let is_system = |t: &str| {
        let bare = t.strip_prefix('-').unwrap_or(t);
        names.contains(&bare) || prefixes.iter().any(|p| bare.starts_with(p))
    };
    let (system, user): (Vec<Value>, Vec<Value>) =
        tags.iter().cloned().partition(|t| t.as_str().is_some_and(is_system));
    body.insert("tags".into(), Value::Array(user));
    body.insert("system_tags".into(), Value::Array(system));
}

/// Before 2.3: the answer's entities carry their system tags in `tags`.
pub fn merge_answer_tags(version: Version, answer: &mut Value) {
    if version >= SYSTEM_TAGS {
        return;
    }
    for doc in documents(answer) {
        let system: Vec<Value> = doc.get("system_tags").and_then(Value::as_array).cloned().unwrap_or_default();
        if let Some(Value::Array(tags)) = doc.get_mut("tags") {
            for t in system {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
    }
}

/// Before 2.9: tasks answer their `legacy` hyperparameters as
/// `execution.parameters` (`TF_DEFINE/name` for that section) and their
/// `legacy` configuration as `execution.model_desc`, where they have any.
pub fn add_legacy_execution(version: Version, answer: &mut Value) {
    if version >= HYPERPARAMS {
        return;
    }
    for doc in documents(answer) {
        let mut parameters = Map::new();
        for (section, params) in doc.get("hyperparams").and_then(Value::as_object).into_iter().flatten() {
            for (name, p) in params.as_object().into_iter().flatten() {
                if p.get("type").and_then(Value::as_str) == Some(LEGACY) {
                    let key = if section == "TF_DEFINE" { format!("{section}/{name}") } else { name.clone() };
                    parameters.insert(key, p.get("value").cloned().unwrap_or(Value::Null));
                }
            }
        }
        let mut model_desc = Map::new();
        for (name, c) in doc.get("configuration").and_then(Value::as_object).into_iter().flatten() {
            if c.get("type").and_then(Value::as_str) == Some(LEGACY) {
                model_desc.insert(name.clone(), c.get("value").cloned().unwrap_or(Value::Null));
            }
        }
        let Some(Value::Object(execution)) = doc.get_mut("execution") else { continue };
        if !parameters.is_empty() {
            execution.insert("parameters".into(), Value::Object(parameters));
        }
        if !model_desc.is_empty() {
            execution.insert("model_desc".into(), Value::Object(model_desc));
        }
    }
}

/// The entities of an answer: `task`/`model`/`project`/`queue` objects and
/// their plurals' items.
fn documents(answer: &mut Value) -> Vec<&mut Map<String, Value>> {
    let mut out = Vec::new();
    let Value::Object(top) = answer else { return out };
    for (key, v) in top.iter_mut() {
        match (key.as_str(), v) {
            ("task" | "model" | "project" | "queue", Value::Object(doc)) => out.push(doc),
            ("tasks" | "models" | "projects" | "queues", Value::Array(items)) => {
                out.extend(items.iter_mut().filter_map(Value::as_object_mut));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn old_clients_tags_are_split_and_merged() {
        let mut body = json!({"tags": ["archived", "test", "-development"]}).as_object().cloned().unwrap_or_default();
        upgrade_request_tags((2, 2), "tasks.get_all", &mut body);
        assert_eq!(body["tags"], json!(["test"]));
        assert_eq!(body["system_tags"], json!(["archived", "-development"]));
        let mut answer = json!({"task": {"tags": ["test"], "system_tags": ["archived"]}});
        merge_answer_tags((2, 2), &mut answer);
        assert_eq!(answer["task"]["tags"], json!(["test", "archived"]));
        let mut newer = json!({"tags": ["archived"]}).as_object().cloned().unwrap_or_default();
        upgrade_request_tags((2, 3), "tasks.get_all", &mut newer);
        assert!(!newer.contains_key("system_tags"));
    }

    #[test]
    fn old_clients_see_legacy_parameters() {
        let mut answer = json!({"tasks": [{
            "execution": {},
            "hyperparams": {"TF_DEFINE": {"p": {"value": "2", "type": "legacy"}}, "Args": {"a": {"value": "1", "type": "legacy"}, "b": {"value": "3"}}},
            "configuration": {"design": {"value": "x", "type": "legacy"}},
        }]});
        add_legacy_execution((2, 8), &mut answer);
        assert_eq!(answer["tasks"][0]["execution"]["parameters"], json!({"TF_DEFINE/p": "2", "a": "1"}));
        assert_eq!(answer["tasks"][0]["execution"]["model_desc"], json!({"design": "x"}));
    }
}
