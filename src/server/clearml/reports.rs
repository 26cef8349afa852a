//! `reports.*`: ClearML's Markdown reports. A report is a task of type
//! `report` with the system tags `hidden` and `reports`, kept in a hidden
//! `.reports` project under the project it belongs to (`<project>/.reports`,
//! or `.reports` at the top level), which goes away with its last report.
//! A published report keeps its text: only its name, comment and tags
//! still change.

use super::request::Req;
use super::tasks;
use crate::error::{AppError, AppResult, Noun};
use crate::model::task::TaskPatch;
use crate::model::{Actor, Project, Task, TaskStatus, TaskType};
use crate::server::ops;
use crate::server::ops::projects::ProjectPatch;
use crate::server::state::AppState;
use serde_json::{json, Map, Value};

/// The system tags of a report and of the projects that hold reports.
const REPORT_TAGS: [&str; 2] = ["hidden", "reports"];

/// The last segment of a reports project.
const REPORTS_FOLDER: &str = ".reports";

fn report_tags() -> Vec<String> {
    REPORT_TAGS.iter().map(|t| t.to_string()).collect()
}

/// The `.reports` project of `base` (the top level for `None`), created
/// (hidden) if missing.
async fn reports_project(state: &AppState, actor: &Actor, base: Option<&Project>) -> AppResult<Project> {
    let name = match base {
        Some(p) => format!("{}/{REPORTS_FOLDER}", p.name),
        None => REPORTS_FOLDER.to_string(),
    };
    let p = ops::projects::ensure(state, actor, &name).await?;
    if REPORT_TAGS.iter().all(|t| p.system_tags.iter().any(|s| s == t)) {
        return Ok(p);
    }
    let mut tags = p.system_tags.clone();
    tags.extend(report_tags().into_iter().filter(|t| !p.system_tags.contains(t)));
    let patch = ProjectPatch { system_tags: Some(tags), ..ProjectPatch::default() };
    ops::projects::update(state, actor, &p.id, None, &patch).await
}

/// The report with this id (400/150 for a task that is not one).
async fn report(state: &AppState, actor: &Actor, id: &str) -> AppResult<Task> {
    let t = ops::tasks::get(state, actor, id).await?;
    if t.task_type != TaskType::Report {
        return Err(AppError::NotAReport { id: id.to_string() });
    }
    Ok(t)
}

/// Deletes a `.reports` project once nothing is left in it.
async fn drop_if_empty(state: &AppState, actor: &Actor, project: Option<&str>) -> AppResult<()> {
    let Some(id) = project else { return Ok(()) };
    let Ok(p) = ops::projects::get(state, actor, id).await else { return Ok(()) };
    if p.basename == REPORTS_FOLDER && ops::projects::usage(state, actor, id).await?.tasks == 0 {
        ops::projects::delete(state, actor, id, &crate::model::project::ProjectContents::Keep).await?;
    }
    Ok(())
}

/// `reports.create {name, comment?, tags?, project?, report?}`.
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let base = match req.opt_str("project")? {
        Some(id) => Some(ops::projects::get(state, actor, &id).await?),
        None => None,
    };
    let folder = reports_project(state, actor, base.as_ref()).await?;
    let patch = TaskPatch {
        name: Some(req.str("name")?),
        task_type: Some(TaskType::Report),
        comment: req.opt_str("comment")?,
        tags: Some(req.str_list("tags")?),
        system_tags: Some(report_tags()),
        project: Some(folder.id.clone()),
        report: req.opt_str("report")?,
        report_assets: if req.has("report_assets") { Some(req.str_list("report_assets")?) } else { None },
        ..TaskPatch::default()
    };
    let id = ops::tasks::create(state, actor, &patch).await?;
    Ok(json!({"id": id, "project_id": folder.id}))
}

/// `reports.update {task, name?, comment?, tags?, report?, report_assets?}`.
pub async fn update(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let t = report(state, actor, &id).await?;
    let text_changes = req.has("report") || req.has("report_assets");
    if t.status == TaskStatus::Published && text_changes {
        return Err(AppError::invalid_status("a published report's text cannot change", t.status.as_str()));
    }
    let patch = TaskPatch {
        name: req.opt_str("name")?,
        comment: req.opt_str("comment")?,
        tags: if req.has("tags") { Some(req.str_list("tags")?) } else { None },
        report: req.opt_str("report")?,
        report_assets: if req.has("report_assets") { Some(req.str_list("report_assets")?) } else { None },
        ..TaskPatch::default()
    };
    ops::tasks::edit(state, actor, &id, &patch, true).await?;
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
    let t = report(state, actor, &id).await?;
    let base = match (req.opt_str("project")?, req.opt_str("project_name")?) {
        (Some(p), _) => Some(ops::projects::get(state, actor, &p).await?),
        (None, Some(name)) => Some(ops::projects::ensure(state, actor, &name).await?),
        (None, None) if req.body.contains_key("project") => None,
        (None, None) => return Err(AppError::missing("project")),
    };
    // Moving to a `.reports` project means into it, not below it.
    let folder = match base {
        Some(p) if p.basename == REPORTS_FOLDER => p,
        other => reports_project(state, actor, other.as_ref()).await?,
    };
    let patch = TaskPatch { project: Some(folder.id.clone()), ..TaskPatch::default() };
    ops::tasks::edit(state, actor, &id, &patch, true).await?;
    if t.project.as_deref() != Some(folder.id.as_str()) {
        drop_if_empty(state, actor, t.project.as_deref()).await?;
    }
    Ok(json!({"project_id": folder.id}))
}

/// `reports.publish {task}`.
pub async fn publish(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    report(state, actor, &id).await?;
    ops::tasks::publish(state, actor, &id, true, false).await?;
    Ok(json!({"updated": 1, "fields": {"status": "published"}}))
}

/// `reports.archive {task}` / `reports.unarchive {task}`.
pub async fn archive(state: &AppState, actor: &Actor, req: Req, archived: bool) -> AppResult<Value> {
    let id = req.str("task")?;
    report(state, actor, &id).await?;
    let bulk = ops::table::set_archived(state, actor, std::slice::from_ref(&id), archived).await?;
    if let Some((_, e)) = bulk.failed.into_iter().next() {
        return Err(e);
    }
    Ok(json!({if archived { "archived" } else { "unarchived" }: 1}))
}

/// `reports.delete {task, force?}`: a published report only with `force`.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let t = report(state, actor, &id).await?;
    if t.status == TaskStatus::Published && !req.bool_or("force", false)? {
        return Err(AppError::invalid_status("a published report is deleted only with force", t.status.as_str()));
    }
    ops::tasks::delete(state, actor, &id, true, false).await?;
    drop_if_empty(state, actor, t.project.as_deref()).await?;
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
        let all = ops::projects::list(state, actor).await?;
        let mut folders = Vec::new();
        for w in wanted {
            let name = match &w {
                Some(id) => {
                    let p = all.iter().find(|p| &p.id == id).ok_or_else(|| AppError::not_found(Noun::Project, id))?;
                    format!("{}/{REPORTS_FOLDER}", p.name)
                }
                None => REPORTS_FOLDER.to_string(),
            };
            if let Some(f) = all.iter().find(|p| p.name == name) {
                folders.push(json!(f.id));
            }
        }
        if folders.is_empty() {
            return Ok(json!({"tasks": []}));
        }
        req.body.insert("project".into(), Value::Array(folders));
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
    let filter =
        crate::server::store::TaskFilter { types: vec![TaskType::Report], page_size: i64::MAX, ..Default::default() };
    let (found, _) = ops::tasks::query(state, actor, &filter).await?;
    let mut tags: Vec<String> = found.into_iter().filter(|t| !t.is_archived()).flat_map(|t| t.tags).collect();
    tags.sort();
    tags.dedup();
    Ok(json!({"tags": tags}))
}
