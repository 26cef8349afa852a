//! `reports.*`: ClearML's Markdown reports, read from the wire and answered
//! in ClearML's shapes; their rules live in [`ops::reports`].

use super::request::Req;
use super::tasks;
use crate::error::{AppError, AppResult};
use crate::model::Actor;
use crate::server::ops;
use crate::server::ops::reports::{NewReport, ReportPatch};
use crate::server::state::AppState;
use serde_json::{json, Map, Value};

/// The `report_assets` of a request, if it names them.
fn assets(req: &Req) -> AppResult<Option<Vec<String>>> {
    if req.has("report_assets") {
        Ok(Some(req.str_list("report_assets")?))
    } else {
        Ok(None)
    }
}

/// `reports.create {name, comment?, tags?, project?, report?}`.
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let new = NewReport {
        name: req.str("name")?,
        comment: req.opt_str("comment")?,
        tags: req.str_list("tags")?,
        project: req.opt_str("project")?,
        report: req.opt_str("report")?,
        report_assets: assets(&req)?,
    };
    let (id, folder) = ops::reports::create(state, actor, &new).await?;
    Ok(json!({"id": id, "project_id": folder}))
}

/// `reports.update {task, name?, comment?, tags?, report?, report_assets?}`.
pub async fn update(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let change = ReportPatch {
        name: req.opt_str("name")?,
        comment: req.opt_str("comment")?,
        tags: if req.has("tags") { Some(req.str_list("tags")?) } else { None },
        report: req.opt_str("report")?,
        report_assets: assets(&req)?,
    };
    ops::reports::update(state, actor, &id, &change).await?;
    let fields: Map<String, Value> = ["name", "comment", "tags", "report", "report_assets"]
        .iter()
        .filter_map(|k| req.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Ok(json!({"updated": 1, "fields": fields}))
}

/// `reports.move {task, project? | project_name?}`: into the `.reports`
/// project of another project (by id, or by name, created if missing; the
/// top level for `project: null`).
pub async fn move_report(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    ops::reports::get(state, actor, &id).await?;
    let base = match (req.opt_str("project")?, req.opt_str("project_name")?) {
        (Some(p), _) => Some(ops::projects::get(state, actor, &p).await?),
        (None, Some(name)) => Some(ops::projects::ensure(state, actor, &name).await?),
        (None, None) if req.body.contains_key("project") => None,
        (None, None) => return Err(AppError::missing("project")),
    };
    let folder = ops::reports::move_to(state, actor, &id, base).await?;
    Ok(json!({"project_id": folder}))
}

/// `reports.publish {task}`.
pub async fn publish(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    ops::reports::publish(state, actor, &req.str("task")?).await?;
    Ok(json!({"updated": 1, "fields": {"status": "published"}}))
}

/// `reports.archive {task}` / `reports.unarchive {task}`.
pub async fn archive(state: &AppState, actor: &Actor, req: Req, archived: bool) -> AppResult<Value> {
    ops::reports::set_archived(state, actor, &req.str("task")?, archived).await?;
    Ok(json!({if archived { "archived" } else { "unarchived" }: 1}))
}

/// `reports.delete {task, force?}`: a published report only with `force`.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    ops::reports::delete(state, actor, &id, req.bool_or("force", false)?).await?;
    Ok(json!({"deleted": 1}))
}

/// `reports.get_all_ex`: `tasks.get_all_ex` over reports; `project` names
/// the projects the reports belong to (`null` for the top level), not
/// their `.reports` folders.
pub async fn get_all_ex(state: &AppState, actor: &Actor, mut req: Req) -> AppResult<Value> {
    if let Some(projects) = req.body.remove("project") {
        let wanted: Vec<Option<String>> = match projects {
            Value::Array(a) => a.into_iter().map(|v| v.as_str().map(str::to_string)).collect(),
            Value::Null => vec![None],
            Value::String(s) => vec![Some(s)],
            _ => return Err(AppError::invalid("project must be a list of project ids")),
        };
        let folders = ops::reports::folders(state, actor, &wanted).await?;
        if folders.is_empty() {
            return Ok(json!({"tasks": []}));
        }
        req.body.insert("project".into(), json!(folders));
    }
    req.body.insert("type".into(), json!(["report"]));
    req.body.insert("search_hidden".into(), json!(true));
    tasks::get_all(state, actor, req, true).await
}

/// `reports.get_task_data {…get_all_ex's query, model_events?,
/// debug_images?, plots?, scalar_metrics_iter_histogram?,
/// single_value_metrics?}`: the tasks (or models) a report embeds, and for
/// each section asked for, their events as the matching `events.*` call
/// answers them for all of those tasks at once.
pub async fn get_task_data(state: &AppState, actor: &Actor, mut req: Req) -> AppResult<Value> {
    let for_models = req.bool_or("model_events", false)?;
    let mut sections = Map::new();
    for key in ["debug_images", "plots", "scalar_metrics_iter_histogram", "single_value_metrics"] {
        if let Some(v) = req.body.remove(key) {
            let spec = match v {
                Value::Object(m) => m,
                Value::Null => continue,
                _ => return Err(AppError::invalid(format!("{key} must be an object"))),
            };
            sections.insert(key.to_string(), Value::Object(spec));
        }
    }
    req.body.remove("model_events");
    req.body.remove("allow_public");
    let found = if for_models {
        super::models::get_all(state, actor, req, true).await?
    } else {
        tasks::get_all(state, actor, req, true).await?
    };
    let docs = found[if for_models { "models" } else { "tasks" }].as_array().cloned().unwrap_or_default();
    let ids: Vec<Value> = docs.iter().map(|d| d["id"].clone()).collect();
    let mut out = json!({"tasks": docs});
    if sections.is_empty() || ids.is_empty() {
        return Ok(out);
    }
    // Each section is its `events.*` call over all the ids.
    let call = |spec: &Value, extra: Value| {
        let mut body = spec.as_object().cloned().unwrap_or_default();
        body.insert("model_events".into(), json!(for_models));
        if let Value::Object(e) = extra {
            body.extend(e);
        }
        Req { body }
    };
    if let Some(spec) = sections.get("debug_images") {
        let wanted: Vec<Value> = spec["metrics"].as_array().cloned().unwrap_or_default();
        let metrics: Vec<Value> = ids
            .iter()
            .flat_map(|id| {
                let names: Vec<Value> = wanted.iter().filter_map(|m| m.get("metric").cloned()).collect();
                if names.is_empty() {
                    vec![json!({"task": id})]
                } else {
                    names.into_iter().map(|m| json!({"task": id, "metric": m})).collect()
                }
            })
            .collect();
        let pages = super::events::iteration_pages(
            state,
            actor,
            call(spec, json!({"metrics": metrics})),
            super::events::DEBUG_IMAGE,
        )
        .await?;
        out["debug_images"] = pages["metrics"].clone();
    }
    if let Some(spec) = sections.get("plots") {
        let plots = super::events::get_multi_task_plots(state, actor, call(spec, json!({"tasks": ids}))).await?;
        out["plots"] = plots["plots"].clone();
    }
    if let Some(spec) = sections.get("scalar_metrics_iter_histogram") {
        let h =
            super::events::multi_task_scalar_metrics_iter_histogram(state, actor, call(spec, json!({"tasks": ids})))
                .await?;
        out["scalar_metrics_iter_histogram"] = h["metrics"].clone();
    }
    if let Some(spec) = sections.get("single_value_metrics") {
        let v = super::events::get_task_single_value_metrics(state, actor, call(spec, json!({"tasks": ids}))).await?;
        out["single_value_metrics"] = v["tasks"].clone();
    }
    Ok(out)
}

/// `reports.get_tags`: the tags of every report.
pub async fn get_tags(state: &AppState, actor: &Actor, _req: Req) -> AppResult<Value> {
    Ok(json!({"tags": ops::reports::tags(state, actor).await?}))
}
