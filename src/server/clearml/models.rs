//! `models.*`: registered model weights.

use super::query::{self, Query, MODEL_FIELDS};
use super::request::{name_regex, project_fields, Req, Scroll};
use super::task_request::parse_tag_filter;
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::model::ModelPatch;
use crate::model::Actor;
use crate::server::ops;
use crate::server::ops::models::{self, TaskModelUpdate};
use crate::server::state::AppState;
use crate::server::store::ModelFilter;
use serde_json::{json, Map, Value};

/// The fields of a `models.create`/`edit`/`update` request.
fn parse_patch(req: &Req) -> AppResult<ModelPatch> {
    let list = |field: &str| -> AppResult<Option<Vec<String>>> {
        if req.has(field) {
            req.str_list(field).map(Some)
        } else {
            Ok(None)
        }
    };
    let bool_field = |field: &str| -> AppResult<Option<bool>> {
        if req.has(field) {
            req.bool_or(field, false).map(Some)
        } else {
            Ok(None)
        }
    };
    Ok(ModelPatch {
        name: req.opt_str("name")?,
        uri: req.opt_str("uri")?,
        framework: if req.has("framework") { Some(req.opt_str("framework")?) } else { None },
        design: req.opt_object("design")?.cloned(),
        labels: req.opt_object("labels")?.cloned(),
        ready: bool_field("ready")?,
        public: bool_field("public")?,
        comment: req.opt_str("comment")?,
        tags: list("tags")?,
        system_tags: list("system_tags")?,
        project: req.opt_str("project")?,
        task: req.opt_str("task")?,
        parent: req.opt_str("parent")?,
        metadata: req.opt_object("metadata")?.cloned(),
    })
}

/// `models.create`: ready (published) unless the request says otherwise,
/// as on ClearML's server (its schema's text says otherwise; its code and
/// tests do not).
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    req.str("name")?;
    let mut patch = parse_patch(&req)?;
    patch.ready.get_or_insert(true);
    let id = models::create(state, actor, &patch).await?;
    Ok(json!({"id": id, "created": true}))
}

/// `models.edit` and `models.update`.
pub async fn edit(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("model")?;
    let m = models::edit(state, actor, &id, &parse_patch(&req)?).await?;
    // A model saved at an iteration moves its task's `last_iteration` on.
    if let (Some(iteration), Some(task)) = (req.opt_i64("iteration")?, m.task.as_deref()) {
        crate::server::ops::tasks::reach_iteration(state, actor, task, iteration).await?;
    }
    let fields: Map<String, Value> = req
        .body
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "model" | "method"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(json!({"updated": 1, "fields": fields}))
}

/// `models.get_by_id`.
pub async fn get_by_id(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let model = models::get(state, actor, &req.str("model")?).await?;
    let metrics = state.store.metric_summaries(&model.id).await?;
    Ok(json!({"model": wire::model(&model, &metrics)}))
}

/// The `models.get_all` keys the SQL query answers.
const NATIVE_KEYS: &[&str] = &["id", "project", "task", "tags", "system_tags", "name", "ready"];

/// The `models.get_all`/`get_all_ex` parameters that are not conditions.
const OWN_KEYS: &[&str] = &[
    "only_fields",
    "order_by",
    "page",
    "page_size",
    "scroll_id",
    "size",
    "refresh_scroll",
    "include_subprojects",
    "allow_public",
    "search_text",
    "include_stats",
];

/// `models.get_all` and `models.get_all_ex`: ClearML's query language (see
/// [`query`]; `uri`, `framework`, `metadata.<key>.value`, … as well as
/// ids, projects, tasks, tags), ordered by any field (newest first by
/// default), paged or scrolled; `_ex` answers the project as `{id, name}`.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req, ex: bool) -> AppResult<Value> {
    let conditions = Query::parse(&req, &MODEL_FIELDS, &[NATIVE_KEYS, OWN_KEYS].concat())?;
    let mut f = ModelFilter {
        ids: req.str_list("id")?,
        projects: req.str_list("project")?,
        tasks: req.str_list("task")?,
        tags: parse_tag_filter(&req.str_list("tags")?),
        system_tags: parse_tag_filter(&req.str_list("system_tags")?),
        page: 0,
        page_size: i64::MAX,
        ..ModelFilter::default()
    };
    if let Some(name) = req.opt_str("name")? {
        name_regex(&name)?;
        f.name_regex = Some(name);
    }
    if req.has("ready") {
        f.ready = Some(req.bool_or("ready", false)?);
    }
    if req.bool_or("include_subprojects", false)? && !f.projects.is_empty() {
        f.projects = ops::projects::with_subprojects(state, actor, &f.projects).await?;
    }
    let scroll = Scroll::of(&req)?;
    let window = query::window(&req, scroll.as_ref())?;
    let mut only_fields = req.str_list("only_fields")?;
    only_fields.retain(|f| f != "stats");
    let stats = req.bool_or("include_stats", false)?;
    let found = models::query(state, actor, &f).await?;
    let wants_metrics =
        !conditions.is_empty() || only_fields.is_empty() || only_fields.iter().any(|f| f.starts_with("last_metrics"));
    let metrics = if wants_metrics {
        let ids: Vec<String> = found.iter().map(|m| m.id.clone()).collect();
        state.store.metric_summaries_of(&ids).await?
    } else {
        Default::default()
    };
    let docs: Vec<Value> = found
        .iter()
        .map(|m| {
            let mut d = wire::model(m, metrics.get(&m.id).map_or(&[], Vec::as_slice));
            if stats && ex {
                d["stats"] = json!({"labels_count": m.labels.len()});
            }
            d
        })
        .collect();
    let mut docs = query::select(docs, &conditions, &req.str_list("order_by")?, "-created", window);
    if ex {
        let projects = ops::projects::list(state, actor).await?;
        for d in &mut docs {
            query::join(d, "project", |id| projects.iter().find(|p| p.id == id).map(|p| p.name.clone()));
        }
    }
    let out: Vec<Value> = docs.into_iter().map(|d| project_fields(d, &only_fields)).collect();
    let returned = out.len();
    let mut answer = json!({"models": out});
    if let Some(s) = scroll {
        answer["scroll_id"] = json!(s.next(returned));
    }
    Ok(answer)
}

/// `models.get_frameworks {projects?}`: the frameworks the models (of
/// these projects) name.
pub async fn get_frameworks(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let f = ModelFilter { projects: req.str_list("projects")?, page_size: i64::MAX, ..ModelFilter::default() };
    let mut frameworks: Vec<String> = models::query(state, actor, &f)
        .await?
        .into_iter()
        .filter_map(|m| m.framework)
        .filter(|f| !f.is_empty())
        .collect();
    frameworks.sort_unstable();
    frameworks.dedup();
    Ok(json!({"frameworks": frameworks}))
}

/// `models.set_ready`: publishes a model and, unless `publish_task` is
/// false, the task that made it (a running one only with
/// `force_publish_task`).
pub async fn set_ready(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let publish_task = req.bool_or("publish_task", true)?;
    let force = req.bool_or("force_publish_task", false)?;
    let task = models::set_ready(state, actor, &req.str("model")?, publish_task, force).await?;
    let published_task = task.map(|id| json!({"id": id, "data": {"updated": 1, "fields": {"status": "published"}}}));
    Ok(json!({"updated": 1, "published_task": published_task}))
}

/// `models.delete`: a published task's output model only with `force`.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let m = models::delete(state, actor, &req.str("model")?, req.bool_or("force", false)?).await?;
    Ok(json!({"deleted": true, "url": m.uri}))
}

async fn set_archived(state: &AppState, actor: &Actor, req: Req, archived: bool) -> AppResult<Value> {
    let (changed, missing) = models::set_archived(state, actor, &req.nonempty_str_list("ids")?, archived).await?;
    let succeeded: Vec<Value> = changed.iter().map(|id| json!({"id": id, "archived": archived})).collect();
    let failed: Vec<Value> = missing
        .iter()
        .map(|id| {
            let e = AppError::not_found(crate::error::Noun::Model, id);
            json!({"id": id, "error": {"codes": [e.status(), e.subcode()], "msg": e.to_string()}})
        })
        .collect();
    Ok(json!({"succeeded": succeeded, "failed": failed}))
}

/// `models.archive_many`.
pub async fn archive_many(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    set_archived(state, actor, req, true).await
}

/// `models.unarchive_many`.
pub async fn unarchive_many(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    set_archived(state, actor, req, false).await
}

/// `models.add_or_update_metadata`: `metadata: [{key, type, value}]`.
pub async fn add_or_update_metadata(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("model")?;
    let items = req.opt_list("metadata")?.ok_or_else(|| AppError::missing("metadata"))?;
    models::add_or_update_metadata(state, actor, &id, items, req.bool_or("replace_metadata", false)?).await?;
    Ok(json!({"updated": 1}))
}

/// `models.update_tags {ids, add_tags?, remove_tags?}`.
pub async fn update_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let (add, remove) = (req.str_list("add_tags")?, req.str_list("remove_tags")?);
    let mut updated = 0;
    for id in req.nonempty_str_list("ids")? {
        let m = models::get(state, actor, &id).await?;
        let mut tags: Vec<String> = m.tags.into_iter().filter(|t| !remove.contains(t)).collect();
        for t in &add {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        models::edit(state, actor, &id, &ModelPatch { tags: Some(tags), ..ModelPatch::default() }).await?;
        updated += 1;
    }
    Ok(json!({"updated": updated}))
}

/// `models.move {ids, project | project_name}`: to a project (by name,
/// created if missing), or to the top level with `project: null`.
pub async fn move_models(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let project = match (req.opt_str("project")?, req.opt_str("project_name")?) {
        (Some(p), _) => Some(ops::projects::get(state, actor, &p).await?.id),
        (None, Some(name)) => Some(ops::projects::ensure(state, actor, &name).await?.id),
        (None, None) if req.body.contains_key("project") => None,
        (None, None) => return Err(AppError::missing("project")),
    };
    for id in req.nonempty_str_list("ids")? {
        let mut m = models::get(state, actor, &id).await?;
        m.project.clone_from(&project);
        m.last_update = crate::server::clock::now_ms();
        state.store.update_model(&m).await?;
    }
    Ok(json!({"project_id": project}))
}

/// `models.delete_metadata {model, keys}`.
pub async fn delete_metadata(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    models::delete_metadata(state, actor, &req.str("model")?, &req.nonempty_str_list("keys")?).await?;
    Ok(json!({"updated": 1}))
}

/// `models.update_for_task`: register (or overwrite) a task's output model
/// and link it to the task.
pub async fn update_for_task(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let update = TaskModelUpdate {
        model: req.opt_str("override_model_id")?,
        uri: req.opt_str("uri")?,
        name: req.opt_str("name")?,
        comment: req.opt_str("comment")?,
        tags: if req.has("tags") { Some(req.str_list("tags")?) } else { None },
        iteration: req.opt_i64("iteration")?,
    };
    let (id, created) = models::update_for_task(state, actor, &task, &update).await?;
    Ok(json!({"id": id, "created": created, "updated": 1}))
}
