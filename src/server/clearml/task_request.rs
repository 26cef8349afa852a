//! Reading `tasks.*` requests into typed values: task fields into a
//! [`TaskPatch`], `tasks.get_all` into a [`TaskFilter`], hyperparameter
//! lists. Every problem is a 400 naming the field; nothing is half-read.

use super::request::{name_regex, opt_string, string_value, Req};
use crate::error::{AppError, AppResult};
use crate::model::task::{Configuration, Hyperparams, ModelLink, ScriptPatch, TaskPatch, LEGACY};
use crate::model::{ConfigItem, Container, Hyperparam, TaskStatus, TaskType};
use crate::server::store::{TagFilter, TaskFilter, TaskOrder};
use serde_json::{Map, Value};

/// Parses `hyperparams: {section: {name: {section, name, value, type, description}}}`.
pub fn parse_hyperparams(v: &Value) -> AppResult<Hyperparams> {
    let Value::Object(sections) = v else {
        return Err(AppError::invalid("hyperparams must be an object of sections"));
    };
    let mut out = Hyperparams::new();
    for (section, params) in sections {
        let Value::Object(params) = params else {
            return Err(AppError::invalid(format!("hyperparams.{section} must be an object")));
        };
        let mut sec = std::collections::BTreeMap::new();
        for (name, p) in params {
            let what = format!("hyperparams.{section}.{name}");
            let Value::Object(p) = p else {
                return Err(AppError::invalid(format!("{what} must be an object with a value")));
            };
            sec.insert(
                name.clone(),
                Hyperparam {
                    section: section.clone(),
                    name: name.clone(),
                    value: opt_string(p, "value", &what)?.unwrap_or_default(),
                    value_type: opt_string(p, "type", &what)?,
                    description: opt_string(p, "description", &what)?,
                },
            );
        }
        out.insert(section.clone(), sec);
    }
    Ok(out)
}

/// Parses `configuration: {name: {name, value, type, description}}`.
pub fn parse_configuration(v: &Value) -> AppResult<Configuration> {
    let Value::Object(items) = v else {
        return Err(AppError::invalid("configuration must be an object"));
    };
    let mut out = Configuration::new();
    for (name, item) in items {
        let what = format!("configuration.{name}");
        let Value::Object(item) = item else {
            return Err(AppError::invalid(format!("{what} must be an object with a value")));
        };
        out.insert(
            name.clone(),
            ConfigItem {
                name: name.clone(),
                value: opt_string(item, "value", &what)?.unwrap_or_default(),
                item_type: opt_string(item, "type", &what)?,
                description: opt_string(item, "description", &what)?,
            },
        );
    }
    Ok(out)
}

pub fn parse_links(v: &Value, what: &str) -> AppResult<Vec<ModelLink>> {
    serde_json::from_value(v.clone()).map_err(|e| AppError::invalid(format!("{what}: {e}")))
}

pub fn parse_container(v: &Value, what: &str) -> AppResult<Container> {
    let Value::Object(c) = v else {
        return Err(AppError::invalid(format!("{what} must be an object")));
    };
    Ok(Container {
        image: opt_string(c, "image", what)?.unwrap_or_default(),
        arguments: opt_string(c, "arguments", what)?.unwrap_or_default(),
        setup_shell_script: opt_string(c, "setup_shell_script", what)?.unwrap_or_default(),
    })
}

fn parse_script(script: &Map<String, Value>) -> AppResult<ScriptPatch> {
    let mut s = ScriptPatch::default();
    for (k, v) in script {
        let what = format!("script.{k}");
        let text = || string_value(v, &what).map(Some);
        match k.as_str() {
            "binary" => s.binary = text()?,
            "repository" => s.repository = text()?,
            "tag" => s.tag = text()?,
            "branch" => s.branch = text()?,
            "version_num" => s.version_num = text()?,
            "entry_point" => s.entry_point = text()?,
            "working_dir" => s.working_dir = text()?,
            "diff" => s.diff = text()?,
            "requirements" => {
                s.requirements = Some(match v {
                    Value::Object(m) => m.clone(),
                    Value::Null => Map::new(),
                    _ => return Err(AppError::invalid("script.requirements must be an object")),
                })
            }
            _ => {} // Unknown script fields are tolerated and dropped.
        }
    }
    Ok(s)
}

/// The editable fields of a `tasks.create`/`tasks.edit` request (§8.1).
pub fn parse_patch(req: &Req) -> AppResult<TaskPatch> {
    let mut p = TaskPatch {
        name: req.opt_str("name")?,
        status: req.opt_str("status")?.map(|s| s.parse::<TaskStatus>().map_err(AppError::invalid)).transpose()?,
        task_type: req.opt_str("type")?.map(|t| t.parse::<TaskType>().map_err(AppError::invalid)).transpose()?,
        comment: req.opt_str("comment")?,
        project: req.opt_str("project")?,
        ..TaskPatch::default()
    };
    if req.body.contains_key("parent") {
        p.parent = Some(req.opt_str("parent")?.filter(|x| !x.is_empty()));
    }
    if req.has("tags") {
        p.tags = Some(req.str_list("tags")?);
    }
    if req.has("system_tags") {
        p.system_tags = Some(req.str_list("system_tags")?);
    }
    if req.body.contains_key("output_dest") {
        p.output_destination = Some(req.opt_str("output_dest")?.filter(|d| !d.is_empty()));
    }
    if let Some(script) = req.opt_object("script")? {
        p.script = parse_script(script)?;
    }
    if let Some(execution) = req.opt_object("execution")? {
        for (k, v) in execution {
            match k.as_str() {
                "queue" => p.execution_queue = Some(v.as_str().map(str::to_string)),
                "artifacts" => {
                    p.artifacts = Some(match v {
                        Value::Array(a) => a.clone(),
                        Value::Null => Vec::new(),
                        _ => return Err(AppError::invalid("execution.artifacts must be a list")),
                    })
                }
                // The pre-2.9 fields become typed `legacy` items, as on
                // ClearML's server, and are not kept themselves.
                "parameters" if v.is_object() => p.legacy_hyperparams = Some(legacy_params(v)),
                "model_desc" if v.is_object() => p.legacy_configuration = Some(legacy_config(v)),
                // Before 2.13 a task had one input model, `execution.model`:
                // ClearML's server keeps it as the link "Input Model".
                "model" => p.input_models = Some(crate::server::ops::tasks::legacy_model_link(v, "Input Model")?),
                _ => {
                    p.execution_extra.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if let Some(output) = req.opt_object("output")? {
        for (k, v) in output {
            if k == "destination" {
                p.output_destination = Some(v.as_str().filter(|d| !d.is_empty()).map(str::to_string));
            } else if k == "model" {
                p.output_models = Some(crate::server::ops::tasks::legacy_model_link(v, "Output Model")?);
            } else {
                p.output_extra.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(models) = req.opt_object("models")? {
        if let Some(v) = models.get("input") {
            p.input_models = Some(parse_links(v, "models.input")?);
        }
        if let Some(v) = models.get("output") {
            p.output_models = Some(parse_links(v, "models.output")?);
        }
    }
    if let Some(c) = req.get("container") {
        p.container = Some(parse_container(c, "container")?);
    }
    if let Some(h) = req.get("hyperparams") {
        p.hyperparams = Some(parse_hyperparams(h)?);
    }
    if let Some(c) = req.get("configuration") {
        p.configuration = Some(parse_configuration(c)?);
    }
    if let Some(rt) = req.get("runtime") {
        let Value::Object(rt) = rt else {
            return Err(AppError::invalid("runtime must be an object"));
        };
        p.runtime = Some(rt.clone());
    }
    Ok(p)
}

/// A value as a legacy item holds it: strings as they are, anything else
/// as its JSON text.
fn legacy_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `execution.parameters` as hyperparameters: section `Args`, or
/// `TF_DEFINE` for names that start with `TF_DEFINE/`.
fn legacy_params(v: &Value) -> Vec<Hyperparam> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let (section, name) = match k.strip_prefix("TF_DEFINE/") {
                Some(n) => ("TF_DEFINE", n),
                None => ("Args", k.as_str()),
            };
            Hyperparam {
                section: section.into(),
                name: name.into(),
                value: legacy_text(v),
                value_type: Some(LEGACY.into()),
                description: None,
            }
        })
        .collect()
}

/// `execution.model_desc` as configuration items.
fn legacy_config(v: &Value) -> Vec<ConfigItem> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| ConfigItem {
            name: k.clone(),
            value: legacy_text(v),
            item_type: Some(LEGACY.into()),
            description: None,
        })
        .collect()
}

/// Parses a ClearML list filter with `-x` exclusions and the `__$all`,
/// `__$any`, `__$not` (and `__$and`/`__$or`) operators.
pub fn parse_tag_filter(items: &[String]) -> TagFilter {
    #[derive(Clone, Copy)]
    enum Mode {
        Any,
        All,
    }
    let mut f = TagFilter::default();
    let mut mode = Mode::Any;
    let mut negate = false;
    for item in items {
        match item.as_str() {
            "__$all" | "__$and" => {
                mode = Mode::All;
                negate = false;
            }
            "__$any" | "__$or" => {
                mode = Mode::Any;
                negate = false;
            }
            "__$not" => negate = true,
            s => {
                if let Some(x) = s.strip_prefix('-') {
                    f.none.push(x.to_string());
                } else if negate {
                    f.none.push(s.to_string());
                } else {
                    match mode {
                        Mode::Any => f.any.push(s.to_string()),
                        Mode::All => f.all.push(s.to_string()),
                    }
                }
            }
        }
    }
    f
}

fn split_exclusions<T, E: std::fmt::Display>(
    items: &[String],
    field: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> AppResult<(Vec<T>, Vec<T>)> {
    let mut inc = Vec::new();
    let mut exc = Vec::new();
    for i in items {
        let (target, s) = match i.strip_prefix('-') {
            Some(s) => (&mut exc, s),
            None => (&mut inc, i.as_str()),
        };
        if s.starts_with("__$") {
            continue;
        }
        target.push(parse(s).map_err(|e| AppError::invalid(format!("{field}: {e}")))?);
    }
    Ok((inc, exc))
}

/// The store filter of a `tasks.get_all` request.
pub fn query_of(req: &Req) -> AppResult<TaskFilter> {
    let mut f = TaskFilter { ids: req.str_list("id")?, projects: req.str_list("project")?, ..TaskFilter::default() };
    if let Some(name) = req.opt_str("name")? {
        name_regex(&name)?;
        f.name_regex = Some(name);
    }
    (f.statuses, f.exclude_statuses) = split_exclusions(&req.str_list("status")?, "status", str::parse::<TaskStatus>)?;
    (f.types, f.exclude_types) = split_exclusions(&req.str_list("type")?, "type", str::parse::<TaskType>)?;
    f.tags = parse_tag_filter(&req.str_list("tags")?);
    f.system_tags = parse_tag_filter(&req.str_list("system_tags")?);
    // Hidden tasks are found by id, or when asked for (as ClearML does).
    if !req.bool_or("search_hidden", false)? && f.ids.is_empty() {
        f.system_tags.none.push("hidden".into());
    }
    f.search_text = req.opt_str("search_text")?;
    for o in req.str_list("order_by")? {
        let (desc, field) = match o.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, o.trim_start_matches('+')),
        };
        let col =
            TaskOrder::parse(field).ok_or_else(|| AppError::invalid(format!("cannot order tasks by '{field}'")))?;
        f.order.push((col, desc));
    }
    f.page = req.opt_i64("page")?.unwrap_or(0);
    if f.page < 0 {
        return Err(AppError::invalid("page must not be negative"));
    }
    f.page_size = req.opt_i64("page_size")?.unwrap_or(500);
    if !(1..=10_000).contains(&f.page_size) {
        return Err(AppError::invalid("page_size must be between 1 and 10000"));
    }
    Ok(f)
}

/// The `hyperparams` list of `edit_hyper_params`/`delete_hyper_params`.
pub fn hyperparam_items(req: &Req) -> AppResult<Vec<Hyperparam>> {
    let items = req.opt_list("hyperparams")?.ok_or_else(|| AppError::missing("hyperparams"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(m) = item else {
                return Err(AppError::invalid(format!("hyperparams[{i}] must be an object")));
            };
            let what = format!("hyperparams[{i}]");
            let text = |k: &str| opt_string(m, k, &what);
            Ok(Hyperparam {
                section: text("section")?.ok_or_else(|| AppError::missing(format!("hyperparams[{i}].section")))?,
                name: text("name")?.unwrap_or_default(),
                value: text("value")?.unwrap_or_default(),
                value_type: text("type")?,
                description: text("description")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tag_filters_with_operators() {
        let f = parse_tag_filter(&strings(&["a", "-b"]));
        assert_eq!((f.any, f.all, f.none), (strings(&["a"]), vec![], strings(&["b"])));
        let f = parse_tag_filter(&strings(&["__$all", "a", "b", "__$not", "c"]));
        assert_eq!((f.any, f.all, f.none), (vec![], strings(&["a", "b"]), strings(&["c"])));
    }

    #[test]
    fn get_all_requests_become_filters() {
        let req = Req::parse(
            br#"{"name": "^seed\\ task$", "status": ["completed", "-failed"], "system_tags": ["-archived"],
                 "order_by": ["-last_update", "name"], "page": 1, "page_size": 50, "method": "get"}"#,
        )
        .unwrap();
        let f = query_of(&req).unwrap();
        assert_eq!(f.statuses, vec![TaskStatus::Completed]);
        assert_eq!(f.exclude_statuses, vec![TaskStatus::Failed]);
        assert_eq!(f.system_tags.none, strings(&["archived", "hidden"]));
        assert_eq!(f.order, vec![(TaskOrder::LastUpdate, true), (TaskOrder::Name, false)]);
        assert_eq!((f.page, f.page_size), (1, 50));
    }

    #[test]
    fn bad_get_all_requests_are_refused() {
        for body in [
            r#"{"status": ["running"]}"#,
            r#"{"type": ["Unsupported"]}"#,
            r#"{"name": "("}"#,
            r#"{"order_by": ["-colour"]}"#,
            r#"{"page_size": 0}"#,
        ] {
            let e = query_of(&Req::parse(body.as_bytes()).unwrap()).unwrap_err();
            assert_eq!((e.status(), e.subcode()), (400, 12), "{body}: {e}");
        }
    }

    #[test]
    fn hyperparams_parse_and_reject_bad_shapes() {
        let h = parse_hyperparams(&json!({"Args": {"lr": {"section": "Args", "name": "lr", "value": "0.1",
                                              "type": "float", "description": "None"}, "n": {"value": 3}}}))
        .unwrap();
        assert_eq!(h["Args"]["lr"].value, "0.1");
        assert_eq!(h["Args"]["lr"].value_type.as_deref(), Some("float"));
        assert_eq!(h["Args"]["n"].value, "3");
        assert!(parse_hyperparams(&json!({"Args": 5})).is_err());
        assert!(parse_hyperparams(&json!({"Args": {"lr": {"value": [1]}}})).is_err());
    }

    #[test]
    fn an_edit_request_becomes_a_patch() {
        let req = Req::parse(
            br#"{"task": "t", "name": "renamed", "parent": "", "output_dest": "s3://a",
                 "output": {"destination": "s3://b", "result": "ok"}, "script": {"branch": "dev", "x": 1},
                 "execution": {"queue": null, "docker_cmd": "img"}}"#,
        )
        .unwrap();
        let p = parse_patch(&req).unwrap();
        assert_eq!(p.name.as_deref(), Some("renamed"));
        assert_eq!(p.parent, Some(None), "an empty parent clears it");
        assert_eq!(p.output_destination, Some(Some("s3://b".into())), "output.destination wins");
        assert_eq!(p.script.branch.as_deref(), Some("dev"));
        assert_eq!(p.execution_queue, Some(None));
        assert_eq!(p.execution_extra.get("docker_cmd"), Some(&json!("img")));
        assert!(parse_patch(&Req::parse(br#"{"type": "cooking"}"#).unwrap()).is_err());
    }
}
