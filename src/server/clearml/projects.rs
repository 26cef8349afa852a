//! `projects.*`: nested projects, addressed by full path.

use super::request::{project_fields, ApiError, Req};
use super::Ctx;
use crate::model::Project;
use crate::server::clock::iso;
use serde_json::{json, Value};

/// A project as ClearML sends it (clearml-api.md §8.2).
pub fn project_to_wire(p: &Project, all: &[Project]) -> Value {
    let mut path: Vec<String> = Vec::new();
    let mut cur = p.parent.clone();
    while let Some(id) = cur {
        path.insert(0, id.clone());
        cur = all.iter().find(|q| q.id == id).and_then(|q| q.parent.clone());
    }
    json!({
        "id": p.id, "name": p.name, "basename": p.basename, "description": p.description,
        "user": "", "company": crate::server::auth::COMPANY,
        "created": iso(p.created), "last_update": iso(p.last_update),
        "tags": p.tags, "system_tags": p.system_tags,
        "default_output_destination": p.default_output_destination,
        "parent": p.parent, "path": path,
    })
}

/// Compiles a client's name regex, case-insensitively, or says why not.
pub fn name_regex(pattern: &str) -> Result<regex::Regex, ApiError> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| ApiError::invalid(format!("invalid regular expression in 'name': {e}")))
}

/// `projects.get_all`: filter by `id`, `name` (regex), hidden or not.
pub async fn get_all(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let ids = req.str_list("id")?;
    let name = req.opt_str("name")?.map(|n| name_regex(&n)).transpose()?;
    let search_hidden = req.bool_or("search_hidden", false)?;
    let only_fields = req.str_list("only_fields")?;
    let page = req.opt_i64("page")?;
    let page_size = req.opt_i64("page_size")?.unwrap_or(500).clamp(1, 10_000);
    let all = ctx.state.store.list_projects().await?;
    let matching: Vec<&Project> = all
        .iter()
        .filter(|p| ids.is_empty() || ids.contains(&p.id))
        .filter(|p| name.as_ref().is_none_or(|re| re.is_match(&p.name)))
        .filter(|p| search_hidden || !p.system_tags.iter().any(|t| t == "hidden"))
        .collect();
    let start = page.map_or(0, |p| (p.max(0) * page_size) as usize);
    let projects: Vec<Value> = matching
        .into_iter()
        .skip(start)
        .take(page_size as usize)
        .map(|p| project_fields(project_to_wire(p, &all), &only_fields))
        .collect();
    Ok(json!({ "projects": projects }))
}

/// `projects.create`: the name is the full path; parents are created as needed.
pub async fn create(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let name = req.str("name")?;
    let name = name.trim().trim_matches('/').to_string();
    if name.chars().count() < 3 {
        return Err(ApiError::invalid("project name must be at least 3 characters long"));
    }
    let description = req.opt_str("description")?.unwrap_or_default();
    let store = &ctx.state.store;
    if store.list_projects().await?.iter().any(|p| p.name == name) {
        return Err(ApiError::new(400, 801, "value already exists (a project with this name exists)")
            .with_data(json!({"name": name})));
    }
    let p = store.ensure_project(&name, &description).await?;
    Ok(json!({ "id": p.id }))
}

/// `projects.get_by_id`.
pub async fn get_by_id(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("project")?;
    let all = ctx.state.store.list_projects().await?;
    let p = all.iter().find(|p| p.id == id).ok_or_else(|| ApiError::invalid_project(&id))?;
    Ok(json!({ "project": project_to_wire(p, &all) }))
}

/// 400/403: the project still holds tasks or models (Labbook's subcode; the
/// message says what to pass).
fn not_empty(name: &str, tasks: usize, models: usize) -> ApiError {
    ApiError::new(
        400,
        403,
        format!(
            "project '{name}' is not empty ({tasks} tasks, {models} models): \
             pass force (with delete_contents to delete them, or move_to to move them)"
        ),
    )
    .with_data(json!({"tasks": tasks, "models": models}))
}

/// A project and every project below it, deepest first.
fn subtree<'a>(root: &'a Project, all: &'a [Project]) -> Vec<&'a Project> {
    let prefix = format!("{}/", root.name);
    let mut out: Vec<&Project> = all.iter().filter(|p| p.id == root.id || p.name.starts_with(&prefix)).collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.name.matches('/').count()));
    out
}

async fn load(ctx: &Ctx, id: &str) -> Result<(Project, Vec<Project>), ApiError> {
    let all = ctx.state.store.list_projects().await?;
    let p = all.iter().find(|p| p.id == id).cloned().ok_or_else(|| ApiError::invalid_project(id))?;
    Ok((p, all))
}

/// `projects.update`: `name` (the full path; renaming keeps the parent,
/// use `projects.move` to change it).
pub async fn update(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("project")?;
    let (mut p, _) = load(ctx, &id).await?;
    let store = &ctx.state.store;
    let mut updated = 0;
    if let Some(name) = req.opt_str("name")? {
        let name = name.trim().trim_matches('/').to_string();
        if crate::model::project::basename(&name).chars().count() < 3 {
            return Err(ApiError::invalid("project name must be at least 3 characters long"));
        }
        let parent_of = |n: &str| n.rsplit_once('/').map(|(parent, _)| parent.to_string());
        if parent_of(&name) != parent_of(&p.name) {
            return Err(ApiError::invalid(format!(
                "renaming '{}' to '{name}' would change its parent: use projects.move",
                p.name
            )));
        }
        if name != p.name {
            p = store.relocate_project(&id, &name).await?;
            updated = 1;
        }
    }
    Ok(json!({"updated": updated, "fields": {"name": p.name}}))
}

/// `projects.move`: puts the project (with its sub-projects) under
/// `new_location` (a full path, created if missing; empty for the top level).
pub async fn move_project(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("project")?;
    let (p, all) = load(ctx, &id).await?;
    let location = req.opt_str("new_location")?.unwrap_or_default();
    let location = location.trim().trim_matches('/');
    let new_path = if location.is_empty() { p.basename.clone() } else { format!("{location}/{}", p.basename) };
    let moved = subtree(&p, &all).len();
    let p = ctx.state.store.relocate_project(&id, &new_path).await?;
    Ok(json!({"moved": moved, "name": p.name}))
}

/// `projects.delete`: deletes a project and its sub-projects. A project
/// holding tasks or models is refused unless `force`; then its contents are
/// deleted (`delete_contents`), moved to the project `move_to` (a full path),
/// or else left without a project, as ClearML does.
pub async fn delete(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("project")?;
    let force = req.bool_or("force", false)?;
    let delete_contents = req.bool_or("delete_contents", false)?;
    let move_to = req.opt_str("move_to")?.filter(|m| !m.trim().is_empty());
    let (p, all) = load(ctx, &id).await?;
    let doomed = subtree(&p, &all);
    let doomed_ids: Vec<String> = doomed.iter().map(|d| d.id.clone()).collect();
    let store = &ctx.state.store;
    let (tasks, models) = store.project_contents(&doomed_ids).await?;
    let empty = tasks.is_empty() && models.is_empty();
    if !empty && !force {
        return Err(not_empty(&p.name, tasks.len(), models.len()));
    }
    let target = match &move_to {
        Some(path) if !delete_contents => {
            let target = store.ensure_project(path.trim(), "").await?;
            if doomed_ids.contains(&target.id) {
                return Err(ApiError::invalid(format!("cannot move the contents into '{path}': it is being deleted")));
            }
            Some(target.id)
        }
        _ => None,
    };
    let (mut deleted_tasks, mut moved_tasks, mut deleted_models) = (0, 0, 0);
    for task in &tasks {
        if delete_contents {
            deleted_tasks += usize::from(store.delete_task(task).await?);
        } else {
            super::tasks::modify(ctx, task, |t| {
                t.project = target.clone();
                Ok(json!({"project": target}))
            })
            .await?;
            moved_tasks += 1;
        }
    }
    for model in &models {
        if delete_contents {
            deleted_models += usize::from(store.delete_model(model).await?);
        } else if let Some(mut m) = store.get_model(model).await? {
            m.project = target.clone();
            store.update_model(&m).await?;
        }
    }
    let mut deleted = 0;
    for d in &doomed {
        if store.delete_empty_project(&d.id).await? {
            deleted += 1;
        } else {
            return Err(ApiError::new(
                400,
                403,
                format!("project '{}' changed while it was being deleted; try again", d.name),
            ));
        }
    }
    Ok(json!({
        "deleted": deleted, "deleted_tasks": deleted_tasks, "disassociated_tasks": moved_tasks,
        "deleted_models": deleted_models, "urls": {},
    }))
}
