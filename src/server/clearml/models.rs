//! `models.*`: registered model weights.

use super::projects::name_regex;
use super::request::{project_fields, ApiError, Req};
use super::tasks::parse_tag_filter;
use super::Ctx;
use crate::model::Model;
use crate::server::clock::{iso, new_id, now_ms};
use crate::server::store::ModelFilter;
use serde_json::{json, Map, Value};

/// A model as ClearML sends it (clearml-api.md §8.3).
pub fn model_to_wire(m: &Model) -> Value {
    json!({
        "id": m.id, "name": m.name, "uri": m.uri, "framework": m.framework, "design": m.design,
        "labels": m.labels, "ready": m.ready, "public": m.public, "comment": m.comment,
        "tags": m.tags, "system_tags": m.system_tags, "project": m.project, "task": m.task,
        "parent": m.parent, "user": m.user, "company": crate::server::auth::COMPANY,
        "created": iso(m.created), "last_update": iso(m.last_update), "metadata": m.metadata,
    })
}

/// 400/201: no model with this id (the SDK treats it as "already deleted").
pub fn invalid_model(id: &str) -> ApiError {
    ApiError::new(400, 201, "invalid model id").with_data(json!({"id": id}))
}

async fn load(ctx: &Ctx, id: &str) -> Result<Model, ApiError> {
    ctx.state.store.get_model(id).await?.ok_or_else(|| invalid_model(id))
}

fn object(req: &Req, field: &str) -> Result<Option<Map<String, Value>>, ApiError> {
    Ok(req.opt_object(field)?.cloned())
}

/// Applies the fields of a `models.create`/`edit`/`update` request.
fn apply_fields(m: &mut Model, req: &Req) -> Result<(), ApiError> {
    if let Some(v) = req.opt_str("name")? {
        if v.trim().is_empty() {
            return Err(ApiError::invalid("model name must not be empty"));
        }
        m.name = v;
    }
    if let Some(v) = req.opt_str("uri")? {
        m.uri = v;
    }
    if req.has("framework") {
        m.framework = req.opt_str("framework")?;
    }
    if let Some(v) = object(req, "design")? {
        m.design = v;
    }
    if let Some(v) = object(req, "labels")? {
        m.labels = v;
    }
    m.ready = req.bool_or("ready", m.ready)?;
    m.public = req.bool_or("public", m.public)?;
    if let Some(v) = req.opt_str("comment")? {
        m.comment = v;
    }
    if req.has("tags") {
        m.tags = req.str_list("tags")?;
    }
    if req.has("system_tags") {
        m.system_tags = req.str_list("system_tags")?;
    }
    if let Some(v) = req.opt_str("project")? {
        m.project = Some(v);
    }
    if let Some(v) = req.opt_str("task")? {
        m.task = Some(v);
    }
    if let Some(v) = req.opt_str("parent")? {
        m.parent = Some(v);
    }
    if let Some(v) = object(req, "metadata")? {
        m.metadata = v;
    }
    Ok(())
}

async fn check_project(ctx: &Ctx, req: &Req) -> Result<(), ApiError> {
    if let Some(p) = req.opt_str("project")? {
        if ctx.state.store.get_project(&p).await?.is_none() {
            return Err(ApiError::invalid_project(&p));
        }
    }
    Ok(())
}

/// `models.create`.
pub async fn create(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    req.str("name")?;
    check_project(ctx, &req).await?;
    let now = now_ms();
    let mut m =
        Model { id: new_id(), user: ctx.identity.user.clone(), created: now, last_update: now, ..Model::default() };
    apply_fields(&mut m, &req)?;
    ctx.state.store.insert_model(&m).await?;
    Ok(json!({"id": m.id, "created": true}))
}

/// `models.edit` and `models.update`. `iteration` raises the owning task's
/// last iteration, as the real server does.
pub async fn edit(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("model")?;
    check_project(ctx, &req).await?;
    let mut m = load(ctx, &id).await?;
    apply_fields(&mut m, &req)?;
    m.last_update = now_ms();
    ctx.state.store.update_model(&m).await?;
    let fields: Map<String, Value> = req
        .body
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "model" | "method"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(json!({"updated": 1, "fields": fields}))
}

/// `models.get_by_id`.
pub async fn get_by_id(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("model")?;
    Ok(json!({"model": model_to_wire(&load(ctx, &id).await?)}))
}

/// `models.get_all`: by id, name regex, project, task, tags; newest first.
pub async fn get_all(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let mut f = ModelFilter {
        ids: req.str_list("id")?,
        projects: req.str_list("project")?,
        tasks: req.str_list("task")?,
        tags: parse_tag_filter(&req.str_list("tags")?),
        system_tags: parse_tag_filter(&req.str_list("system_tags")?),
        page: req.opt_i64("page")?.unwrap_or(0).max(0),
        page_size: req.opt_i64("page_size")?.unwrap_or(500).clamp(1, 10_000),
        ..ModelFilter::default()
    };
    if let Some(name) = req.opt_str("name")? {
        name_regex(&name)?;
        f.name_regex = Some(name);
    }
    if req.has("ready") {
        f.ready = Some(req.bool_or("ready", false)?);
    }
    for o in req.str_list("order_by")? {
        match o.as_str() {
            "-created" | "-last_update" => f.oldest_first = false,
            "created" | "last_update" => f.oldest_first = true,
            other => return Err(ApiError::invalid(format!("cannot order models by '{other}'"))),
        }
    }
    let only_fields = req.str_list("only_fields")?;
    let models = ctx.state.store.query_models(&f).await?;
    let out: Vec<Value> = models.iter().map(|m| project_fields(model_to_wire(m), &only_fields)).collect();
    Ok(json!({"models": out}))
}

/// `models.set_ready`: publish a model.
pub async fn set_ready(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("model")?;
    let mut m = load(ctx, &id).await?;
    m.ready = true;
    m.last_update = now_ms();
    ctx.state.store.update_model(&m).await?;
    Ok(json!({"updated": 1, "published_task": null}))
}

/// `models.delete`.
pub async fn delete(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("model")?;
    let m = load(ctx, &id).await?;
    ctx.state.store.delete_model(&id).await?;
    Ok(json!({"deleted": true, "url": m.uri}))
}

async fn set_archived(ctx: &Ctx, req: Req, archived: bool) -> Result<Value, ApiError> {
    let ids = req.nonempty_str_list("ids")?;
    let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
    for id in ids {
        match ctx.state.store.get_model(&id).await? {
            Some(mut m) => {
                m.system_tags.retain(|t| t != "archived");
                if archived {
                    m.system_tags.push("archived".into());
                }
                m.last_update = now_ms();
                ctx.state.store.update_model(&m).await?;
                succeeded.push(json!({"id": id, "archived": archived}));
            }
            None => failed.push(json!({"id": id, "error": {"codes": [400, 201], "msg": "invalid model id"}})),
        }
    }
    Ok(json!({"succeeded": succeeded, "failed": failed}))
}

/// `models.archive_many`.
pub async fn archive_many(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    set_archived(ctx, req, true).await
}

/// `models.unarchive_many`.
pub async fn unarchive_many(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    set_archived(ctx, req, false).await
}

/// `models.add_or_update_metadata`: `metadata: [{key, type, value}]`.
pub async fn add_or_update_metadata(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("model")?;
    let items = req.opt_list("metadata")?.cloned().ok_or_else(|| ApiError::missing("metadata"))?;
    let mut m = load(ctx, &id).await?;
    if req.bool_or("replace_metadata", false)? {
        m.metadata.clear();
    }
    for item in items {
        let key =
            item.get("key").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("metadata items need a 'key'"))?;
        m.metadata.insert(key.to_string(), item.clone());
    }
    m.last_update = now_ms();
    ctx.state.store.update_model(&m).await?;
    Ok(json!({"updated": 1}))
}

/// `models.update_for_task`: register (or overwrite) a task's output model
/// and link it to the task.
pub async fn update_for_task(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let task_id = req.str("task")?;
    let task = ctx.state.store.get_task(&task_id).await?.ok_or_else(|| ApiError::invalid_task(&task_id))?;
    let now = now_ms();
    let (mut m, created) = match req.opt_str("override_model_id")? {
        Some(id) => (load(ctx, &id).await?, false),
        None => (
            Model {
                id: new_id(),
                name: task.name.clone(),
                project: task.project.clone(),
                task: Some(task_id.clone()),
                user: ctx.identity.user.clone(),
                created: now,
                ..Model::default()
            },
            true,
        ),
    };
    for (field, value) in [("uri", &mut m.uri), ("name", &mut m.name), ("comment", &mut m.comment)] {
        if let Some(v) = req.opt_str(field)? {
            *value = v;
        }
    }
    if req.has("tags") {
        m.tags = req.str_list("tags")?;
    }
    m.last_update = now;
    if created {
        ctx.state.store.insert_model(&m).await?;
    } else {
        ctx.state.store.update_model(&m).await?;
    }
    let (model_id, name) = (m.id.clone(), m.name.clone());
    super::tasks::modify(ctx, &task_id, |t| {
        let link =
            crate::model::task::ModelLink { name: name.clone(), model: model_id.clone(), updated: Some(iso(now)) };
        match t.models.output.iter_mut().find(|l| l.model == model_id || l.name == name) {
            Some(l) => *l = link,
            None => t.models.output.push(link),
        }
        Ok(json!({}))
    })
    .await?;
    Ok(json!({"id": m.id, "created": created, "updated": 1}))
}
