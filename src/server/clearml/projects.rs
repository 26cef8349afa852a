//! `projects.*`: nested projects, addressed by full path.

use super::request::{name_regex, project_fields, Req};
use super::wire;
use crate::error::AppResult;
use crate::model::project::ProjectContents;
use crate::model::Actor;
use crate::server::ops::projects::{self, ProjectPatch, ProjectQuery};
use crate::server::state::AppState;
use serde_json::{json, Value};

/// `projects.get_all`: filter by `id`, `name` (regex), hidden or not.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let q = ProjectQuery {
        ids: req.str_list("id")?,
        name: req.opt_str("name")?.map(|n| name_regex(&n)).transpose()?,
        search_hidden: req.bool_or("search_hidden", false)?,
        page: req.opt_i64("page")?.unwrap_or(0),
        page_size: usize::try_from(req.opt_i64("page_size")?.unwrap_or(500).clamp(1, 10_000)).unwrap_or(500),
    };
    let only_fields = req.str_list("only_fields")?;
    let (page, all) = projects::query(state, actor, &q).await?;
    let out: Vec<Value> = page.iter().map(|p| project_fields(wire::project(p, &all), &only_fields)).collect();
    Ok(json!({ "projects": out }))
}

/// The optional fields of `projects.create`/`projects.update`.
fn project_patch(req: &Req) -> AppResult<ProjectPatch> {
    let list = |k: &str| -> AppResult<Option<Vec<String>>> { Ok(if req.has(k) { Some(req.str_list(k)?) } else { None }) };
    Ok(ProjectPatch {
        description: req.opt_str("description")?,
        tags: list("tags")?,
        system_tags: list("system_tags")?,
        default_output_destination: if req.has("default_output_destination") {
            Some(req.opt_str("default_output_destination")?.filter(|d| !d.is_empty()))
        } else {
            None
        },
    })
}

/// `projects.create`: the name is the full path; parents are created as needed.
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let name = req.str("name")?;
    let p = projects::create(state, actor, &name, &project_patch(&req)?).await?;
    Ok(json!({ "id": p.id }))
}

/// `projects.get_by_id`.
pub async fn get_by_id(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let p = projects::get(state, actor, &req.str("project")?).await?;
    let all = projects::list(state, actor).await?;
    Ok(json!({ "project": wire::project(&p, &all) }))
}

/// `projects.update`: `name` (the full path: a different parent moves
/// the project) and the other fields of [`project_patch`], echoed back.
pub async fn update(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("project")?;
    let before = projects::get(state, actor, &id).await?;
    let name = req.opt_str("name")?;
    let after = projects::update(state, actor, &id, name.as_deref(), &project_patch(&req)?).await?;
    let mut fields = serde_json::Map::new();
    for k in ["name", "description", "tags", "system_tags", "default_output_destination"] {
        if let Some(v) = req.get(k) {
            fields.insert(k.to_string(), v.clone());
        }
    }
    fields.insert("name".into(), json!(after.name));
    Ok(json!({"updated": u8::from(after != before), "fields": fields}))
}

/// `projects.move`: puts the project (with its sub-projects) under
/// `new_location` (a full path, created if missing; empty for the top level).
pub async fn move_project(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("project")?;
    let location = req.opt_str("new_location")?.unwrap_or_default();
    let (moved, p) = projects::move_under(state, actor, &id, &location).await?;
    Ok(json!({"moved": moved, "name": p.name}))
}

/// `projects.validate_delete`: what a delete would take along.
pub async fn validate_delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let u = projects::usage(state, actor, &req.str("project")?).await?;
    Ok(json!({
        "tasks": u.tasks, "non_archived_tasks": u.non_archived_tasks, "models": u.models,
        "non_archived_models": u.non_archived_models, "datasets": u.datasets, "pipelines": u.pipelines, "reports": 0,
    }))
}

/// `projects.delete`: refused for a project with tasks or models unless
/// `force`; then `delete_contents` deletes them, `move_to` (a full path)
/// moves them, or else they are left without a project, as ClearML does.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("project")?;
    let force = req.bool_or("force", false)?;
    let delete_contents = req.bool_or("delete_contents", false)?;
    let move_to = req.opt_str("move_to")?.filter(|m| !m.trim().is_empty());
    let contents = match (force, delete_contents, move_to) {
        (false, _, _) => ProjectContents::Keep,
        (true, true, _) => ProjectContents::Delete,
        (true, false, Some(path)) => ProjectContents::MoveTo(path),
        (true, false, None) => ProjectContents::Detach,
    };
    let done = projects::delete(state, actor, &id, &contents).await?;
    Ok(json!({
        "deleted": done.projects, "deleted_tasks": done.deleted_tasks, "disassociated_tasks": done.moved_tasks,
        "deleted_models": done.deleted_models, "urls": {},
    }))
}
