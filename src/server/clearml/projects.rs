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
