//! What tasks carry besides their core fields: hyperparameters edited one
//! by one, artifacts, and links to models.

use super::request::{ApiError, Req};
use super::tasks::{load, modify, opt_string};
use super::Ctx;
use crate::model::task::{ModelLink, USER_PROPERTIES_SECTION};
use crate::model::{Hyperparam, TaskStatus};
use crate::server::clock::iso;
use crate::server::clock::now_ms;
use serde_json::{json, Value};

fn hyperparam_items(req: &Req) -> Result<Vec<Hyperparam>, ApiError> {
    let items = req.opt_list("hyperparams")?.ok_or_else(|| ApiError::missing("hyperparams"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(m) = item else {
                return Err(ApiError::invalid(format!("hyperparams[{i}] must be an object")));
            };
            let what = format!("hyperparams[{i}]");
            let text = |k: &str| opt_string(m, k, &what);
            Ok(Hyperparam {
                section: text("section")?.ok_or_else(|| ApiError::missing(&format!("hyperparams[{i}].section")))?,
                name: text("name")?.unwrap_or_default(),
                value: text("value")?.unwrap_or_default(),
                value_type: text("type")?,
                description: text("description")?,
            })
        })
        .collect()
}

/// Only drafts take new inputs, except user properties (any status but
/// published) and forced edits.
fn check_editable(status: TaskStatus, sections_touched: &[&str], force: bool) -> Result<(), ApiError> {
    let only_properties = sections_touched.iter().all(|s| *s == USER_PROPERTIES_SECTION);
    if force || status.is_editable() || (only_properties && status != TaskStatus::Published) {
        Ok(())
    } else {
        Err(ApiError::invalid_status(
            format!("only draft tasks can change hyperparameters without force; this one is {status}"),
            status.as_str(),
        ))
    }
}

/// `tasks.edit_hyper_params`: add or replace hyperparameters one by one;
/// `replace_hyperparams` is `none`, `section` or `all`.
pub async fn edit_hyper_params(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let items = hyperparam_items(&req)?;
    let replace = req.opt_str("replace_hyperparams")?.unwrap_or_else(|| "none".into());
    if !matches!(replace.as_str(), "none" | "section" | "all") {
        return Err(ApiError::invalid("replace_hyperparams must be 'none', 'section' or 'all'"));
    }
    let sections: Vec<&str> = items.iter().map(|h| h.section.as_str()).collect();
    modify(ctx, &id, |t| {
        check_editable(t.status, &sections, force)?;
        if replace == "all" {
            t.hyperparams.clear();
        }
        if replace == "section" {
            for s in &sections {
                t.hyperparams.remove(*s);
            }
        }
        for h in &items {
            t.hyperparams.entry(h.section.clone()).or_default().insert(h.name.clone(), h.clone());
        }
        Ok(json!({}))
    })
    .await
}

/// `tasks.delete_hyper_params`: by section and name (a section without a name goes whole).
pub async fn delete_hyper_params(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let items = hyperparam_items(&req)?;
    let sections: Vec<&str> = items.iter().map(|h| h.section.as_str()).collect();
    let mut deleted = 0;
    modify(ctx, &id, |t| {
        check_editable(t.status, &sections, force)?;
        deleted = 0;
        for h in &items {
            if h.name.is_empty() {
                deleted += t.hyperparams.remove(&h.section).map_or(0, |s| s.len());
            } else if let Some(sec) = t.hyperparams.get_mut(&h.section) {
                deleted += usize::from(sec.remove(&h.name).is_some());
                if sec.is_empty() {
                    t.hyperparams.remove(&h.section);
                }
            }
        }
        Ok(json!({}))
    })
    .await?;
    Ok(json!({"deleted": deleted}))
}

/// `tasks.get_hyper_params`: flat lists per task.
pub async fn get_hyper_params(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.nonempty_str_list("tasks")?;
    let mut params = Vec::new();
    for id in ids {
        let t = load(ctx, &id).await?;
        let list: Vec<&Hyperparam> = t.hyperparams.values().flat_map(|s| s.values()).collect();
        params.push(json!({"task": id, "hyperparams": list}));
    }
    Ok(json!({"params": params}))
}

fn artifact_key(a: &Value) -> (String, String) {
    let key = a.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    let mode = a.get("mode").and_then(Value::as_str).unwrap_or("output").to_string();
    (key, mode)
}

/// `tasks.add_or_update_artifacts`: upsert by key and mode.
pub async fn add_or_update_artifacts(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let list = req.opt_list("artifacts")?.cloned().ok_or_else(|| ApiError::missing("artifacts"))?;
    for (i, a) in list.iter().enumerate() {
        if !a.is_object() || artifact_key(a).0.is_empty() {
            return Err(ApiError::invalid(format!("artifacts[{i}] must be an object with a 'key'")));
        }
    }
    modify(ctx, &id, |t| {
        if t.status == TaskStatus::Published && !force {
            return Err(ApiError::invalid_status("a published task cannot change", t.status.as_str()));
        }
        for a in &list {
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
        Ok(json!({}))
    })
    .await
    .map(|_| json!({"updated": 1}))
}

/// `tasks.delete_artifacts`.
pub async fn delete_artifacts(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let list = req.opt_list("artifacts")?.cloned().ok_or_else(|| ApiError::missing("artifacts"))?;
    let keys: Vec<(String, String)> = list.iter().map(artifact_key).collect();
    let mut deleted = 0;
    modify(ctx, &id, |t| {
        let before = t.artifacts.len();
        t.artifacts.retain(|a| !keys.contains(&artifact_key(a)));
        deleted = before - t.artifacts.len();
        Ok(json!({}))
    })
    .await?;
    Ok(json!({"deleted": deleted}))
}

/// `tasks.add_or_update_model`: link a model as input or output, by name.
pub async fn add_or_update_model(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let name = req.str("name")?;
    let model = req.str("model")?;
    let kind = req.str("type")?;
    if kind != "input" && kind != "output" {
        return Err(ApiError::invalid("type must be 'input' or 'output'"));
    }
    if ctx.state.store.get_model(&model).await?.is_none() {
        return Err(super::models::invalid_model(&model));
    }
    modify(ctx, &id, |t| {
        let links = if kind == "input" { &mut t.models.input } else { &mut t.models.output };
        let link = ModelLink { name: name.clone(), model: model.clone(), updated: Some(iso(now_ms())) };
        match links.iter_mut().find(|l| l.name == name) {
            Some(l) => *l = link,
            None => links.push(link),
        }
        Ok(json!({}))
    })
    .await
    .map(|_| json!({"updated": 1}))
}
