//! `tasks.*`: each handler parses the request into typed arguments, calls
//! `ops::tasks` (or `ops::task_fields`, `ops::table`), and answers in
//! ClearML's shapes.

use super::query::{self, Query, TASK_FIELDS};
use super::request::Scroll;
use super::request::{project_fields, Req};
use super::task_request::{
    hyperparam_items, parse_configuration, parse_container, parse_hyperparams, parse_links, parse_patch, query_of,
};
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::task::LinkKind;
use crate::model::{Actor, Task, TaskStatus, TaskType};
use crate::server::ops;
use crate::server::ops::table::{self, Bulk, ProjectRef};
use crate::server::ops::task_fields::{self, artifact_key, Replace};
use crate::server::ops::tasks::{self, CloneProject, CloneSpec, QueueRef, StatusChange, StopOutcome};
use crate::server::state::AppState;
use crate::server::store::TaskOrder;
use serde_json::{json, Map, Value};

/// The fields of an edit request, echoed back as ClearML does.
fn echoed_fields(req: &Req) -> Value {
    const EDITABLE: [&str; 16] = [
        "name",
        "type",
        "comment",
        "parent",
        "project",
        "tags",
        "system_tags",
        "script",
        "execution",
        "output",
        "models",
        "container",
        "hyperparams",
        "configuration",
        "runtime",
        "output_dest",
    ];
    let fields: Map<String, Value> =
        EDITABLE.iter().filter_map(|k| req.body.get(*k).map(|v| (k.to_string(), v.clone()))).collect();
    Value::Object(fields)
}

/// ClearML's answer to a change of one task.
fn updated(fields: Value) -> Value {
    json!({"updated": 1, "fields": fields})
}

/// `tasks.create`: a new draft.
pub async fn create(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    req.str("name")?;
    let id = tasks::create(state, actor, &parse_patch(&req)?).await?;
    Ok(json!({"id": id}))
}

/// `tasks.validate`: `{}` if the body would make a valid task.
pub async fn validate(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    tasks::validate(state, actor, &parse_patch(&req)?).await?;
    Ok(json!({}))
}

/// `tasks.get_by_id_ex {id, only_fields?}`: `get_all_ex` of those ids.
pub async fn get_by_id_ex(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    req.nonempty_str_list("id")?;
    get_all(state, actor, req, true).await
}

/// `tasks.get_by_id`: the whole task.
pub async fn get_by_id(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let t = tasks::get(state, actor, &id).await?;
    let metrics = state.store.metric_summaries(&id).await?;
    Ok(json!({"task": wire::task(&t, &metrics)}))
}

/// The `tasks.get_all` keys the SQL query answers (see [`query_of`]).
const NATIVE_KEYS: &[&str] = &["id", "project", "name", "status", "type", "tags", "system_tags", "search_text"];

/// The `tasks.get_all`/`get_all_ex` parameters that are not conditions.
const OWN_KEYS: &[&str] = &[
    "only_fields",
    "order_by",
    "page",
    "page_size",
    "search_hidden",
    "scroll_id",
    "size",
    "refresh_scroll",
    "include_subprojects",
    "allow_public",
    "batch_size",
    "projection",
];

/// `tasks.get_all` and `tasks.get_all_ex`: ClearML's query language (see
/// [`query`]) with order, paging (`page`/`page_size`, or `size` with a
/// `scroll_id`) and `only_fields`; `_ex` answers references (project,
/// queue, parent) as objects, `{id, name}`, as ClearML's joins do. What SQL can answer is asked there; other
/// conditions and orders are applied to the wire form of the matches.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req, ex: bool) -> AppResult<Value> {
    let order_by = req.str_list("order_by")?;
    let native_order = order_by.iter().all(|o| TaskOrder::parse(o.trim_start_matches(['-', '+'])).is_some());
    let mut only_fields = req.str_list("only_fields")?;
    only_fields.extend(req.str_list("projection")?);
    // What SQL cannot answer moves to the in-memory conditions: an order by
    // any other field, and a status or type no task can have (which then
    // simply matches nothing, as in ClearML).
    let mut native_req = req.clone();
    let mut native: Vec<&str> = NATIVE_KEYS.to_vec();
    if !native_order {
        native_req.body.remove("order_by");
    }
    for (key, known) in [
        (
            "status",
            req.str_list("status")?
                .iter()
                .all(|s| s.trim_start_matches('-').parse::<TaskStatus>().is_ok() || s.starts_with("__$")),
        ),
        (
            "type",
            req.str_list("type")?
                .iter()
                .all(|s| s.trim_start_matches('-').parse::<TaskType>().is_ok() || s.starts_with("__$")),
        ),
    ] {
        if !known {
            native_req.body.remove(key);
            native.retain(|k| *k != key);
        }
    }
    let conditions = Query::parse(&req, &TASK_FIELDS, &[native.as_slice(), OWN_KEYS].concat())?;
    let mut filter = query_of(&native_req)?;
    if req.bool_or("include_subprojects", false)? && !filter.projects.is_empty() {
        filter.projects = ops::projects::with_subprojects(state, actor, &filter.projects).await?;
    }
    let scroll = Scroll::of(&req)?;
    let in_memory = !conditions.is_empty() || !native_order || scroll.is_some();
    let (offset, limit) = match &scroll {
        Some(s) => (s.start, s.size),
        None => (
            usize::try_from(filter.page.saturating_mul(filter.page_size)).unwrap_or(usize::MAX),
            usize::try_from(filter.page_size).unwrap_or(usize::MAX),
        ),
    };
    if in_memory {
        filter.page = 0;
        filter.page_size = i64::MAX;
    }
    // ClearML's get_all has no total; not counting saves a second scan.
    let (found, _) = tasks::query(state, actor, &filter).await?;
    let wants_metrics =
        in_memory || only_fields.is_empty() || only_fields.iter().any(|f| f.starts_with("last_metrics"));
    let metrics = if wants_metrics {
        let ids: Vec<String> = found.iter().map(|t| t.id.clone()).collect();
        state.store.metric_summaries_of(&ids).await?
    } else {
        Default::default()
    };
    let mut docs: Vec<Value> =
        found.iter().map(|t| wire::task(t, metrics.get(&t.id).map_or(&[], Vec::as_slice))).collect();
    if in_memory {
        docs.retain(|d| conditions.matches(d));
        let order = if order_by.is_empty() { vec!["-last_update".to_string()] } else { order_by };
        query::sort(&mut docs, &order);
        docs = docs.into_iter().skip(offset).take(limit).collect();
    }
    if ex {
        let projects = ops::projects::list(state, actor).await?;
        let queues = ops::queues::list(state, actor).await?;
        for d in &mut docs {
            query::join(d, "project", |id| projects.iter().find(|p| p.id == id).map(|p| p.name.clone()));
            query::join(d, "execution.queue", |id| queues.iter().find(|q| q.id == id).map(|q| q.name.clone()));
            if let Some(q) = queues.iter().find(|q| d["execution"]["queue"]["id"] == q.id.as_str()) {
                d["execution"]["queue"]["display_name"] = json!(q.display_name);
            }
            query::join(d, "parent", |_| None);
        }
    }
    let out: Vec<Value> = docs.into_iter().map(|d| project_fields(d, &only_fields)).collect();
    let mut answer = json!({"tasks": out});
    if let Some(s) = scroll {
        answer["scroll_id"] = json!(s.next(out_len(&answer, "tasks")));
    }
    Ok(answer)
}

fn out_len(answer: &Value, key: &str) -> usize {
    answer[key].as_array().map_or(0, Vec::len)
}

/// `tasks.edit`: only drafts, unless `force`. A request with any invalid
/// field changes nothing.
pub async fn edit(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    tasks::edit(state, actor, &id, &parse_patch(&req)?, force).await?;
    Ok(updated(echoed_fields(&req)))
}

/// A status change as `tasks.started`/`completed`/`failed`/`stopped` send it.
async fn set_status(state: &AppState, actor: &Actor, req: Req, to: TaskStatus) -> AppResult<Value> {
    let id = req.str("task")?;
    let change = StatusChange {
        to,
        force: req.bool_or("force", false)?,
        reason: req.opt_str("status_reason")?.unwrap_or_default(),
        message: req.opt_str("status_message")?.unwrap_or_default(),
        publish: to == TaskStatus::Completed && req.bool_or("publish", false)?,
    };
    let t = tasks::set_status(state, actor, &id, &change).await?;
    Ok(updated(json!({"status": t.status.as_str(), "status_reason": change.reason, "status_message": change.message})))
}

/// `tasks.started`.
pub async fn started(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut v = set_status(state, actor, req, TaskStatus::InProgress).await?;
    v["started"] = json!(1);
    Ok(v)
}

/// `tasks.completed` (with `publish`, straight to published; a task
/// already completed is then published).
pub async fn completed(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let publish = req.bool_or("publish", false)?;
    let id = req.str("task")?;
    if publish && tasks::get(state, actor, &id).await?.status == TaskStatus::Completed {
        tasks::publish(state, actor, &id, false, true).await?;
        let mut out = updated(json!({"status": "published"}));
        out["published"] = json!(1);
        return Ok(out);
    }
    let mut out = set_status(state, actor, req, TaskStatus::Completed).await?;
    out["published"] = json!(u8::from(out["fields"]["status"] == "published"));
    Ok(out)
}

/// `tasks.failed`.
pub async fn failed(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    set_status(state, actor, req, TaskStatus::Failed).await
}

/// `tasks.stopped`.
pub async fn stopped(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    set_status(state, actor, req, TaskStatus::Stopped).await
}

/// `tasks.set_requirements`: the installed packages.
pub async fn set_requirements(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let reqs = req.opt_object("requirements")?.cloned().ok_or_else(|| AppError::missing("requirements"))?;
    tasks::set_requirements(state, actor, &id, &reqs).await?;
    Ok(updated(json!({"script.requirements": reqs})))
}

/// `tasks.ping`: a sign of life from whoever runs the task.
pub async fn ping(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    tasks::ping(state, actor, &req.str("task")?).await?;
    Ok(json!({}))
}

/// `tasks.enqueue`: by queue id, or by `queue_name` (created if missing),
/// or to the default queue.
pub async fn enqueue(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let queue = match (req.opt_str("queue")?, req.opt_str("queue_name")?) {
        (Some(_), Some(_)) => return Err(AppError::invalid("give either 'queue' or 'queue_name', not both")),
        (Some(q), None) => QueueRef::Id(q),
        (None, Some(name)) => QueueRef::Name(name),
        (None, None) => QueueRef::Default,
    };
    let reason = req.opt_str("status_reason")?.unwrap_or_default();
    let message = req.opt_str("status_message")?.unwrap_or_default();
    let force = req.bool_or("force", false)?;
    let queue_id = tasks::enqueue(state, actor, &id, &queue, force, &reason, &message).await?;
    let mut out = updated(json!({"status": "queued", "execution.queue": queue_id}));
    out["queued"] = json!(1);
    out["queue_watched"] = json!(false);
    Ok(out)
}

/// `tasks.dequeue`: back to the status before enqueueing (or `new_status`).
pub async fn dequeue(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let new_status =
        req.opt_str("new_status")?.map(|s| s.parse::<TaskStatus>().map_err(AppError::invalid)).transpose()?;
    let status = tasks::dequeue(state, actor, &id, new_status).await?;
    let mut out = updated(json!({"status": status.as_str()}));
    out["dequeued"] = json!(1);
    Ok(out)
}

/// `tasks.clone`: a new draft with the source's inputs (§5.2).
pub async fn clone(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let source = req.str("task")?;
    let project = match (req.opt_str("new_task_project")?, req.opt_str("new_project_name")?) {
        (Some(id), _) => CloneProject::Id(id),
        (None, Some(name)) => CloneProject::Name(name),
        (None, None) => CloneProject::Same,
    };
    let list = |field: &str| -> AppResult<Option<Vec<String>>> {
        if req.has(field) {
            req.str_list(field).map(Some)
        } else {
            Ok(None)
        }
    };
    let spec = CloneSpec {
        name: req.opt_str("new_task_name")?,
        comment: req.opt_str("new_task_comment")?,
        project,
        parent: req.opt_str("new_task_parent")?,
        tags: list("new_task_tags")?,
        system_tags: list("new_task_system_tags")?,
        hyperparams: req.get("new_task_hyperparams").map(parse_hyperparams).transpose()?,
        configuration: req.get("new_task_configuration").map(parse_configuration).transpose()?,
        container: req.get("new_task_container").map(|c| parse_container(c, "new_task_container")).transpose()?,
        input_models: req.get("new_task_input_models").map(|m| parse_links(m, "new_task_input_models")).transpose()?,
        execution_overrides: req.opt_object("execution_overrides")?.cloned().unwrap_or_default(),
        validate_references: req.bool_or("validate_references", false)?,
    };
    let (id, created) = tasks::clone(state, actor, &source, &spec).await?;
    let new_project = created.map_or(Value::Null, |p| json!({"id": p.id, "name": p.name}));
    Ok(json!({"id": id, "new_project": new_project}))
}

/// `tasks.reset`: back to draft, without outputs (§11.16).
pub async fn reset(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let clear_all = req.bool_or("clear_all", false)?;
    let models = req.bool_or("delete_output_models", true)?;
    let done = tasks::reset(state, actor, &id, force, clear_all, models).await?;
    let mut out = updated(json!({"status": "created"}));
    out["dequeued"] = json!({"removed": i32::from(done.was_queued)});
    out["deleted_models"] = json!(done.cleanup.deleted_models);
    out["urls"] = file_urls(&req, &done)?;
    Ok(out)
}

/// The `urls` of a reset or deletion: with `return_file_urls`, the files
/// the caller may now remove (ClearML's shape); else null.
fn file_urls(req: &Req, done: &tasks::Cleared) -> AppResult<Value> {
    Ok(if req.bool_or("return_file_urls", false)? {
        json!({"model_urls": done.cleanup.model_urls, "event_urls": [], "artifact_urls": done.cleanup.artifact_urls})
    } else {
        Value::Null
    })
}

/// `tasks.publish`.
pub async fn publish(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let publish_models = req.bool_or("publish_model", true)?;
    tasks::publish(state, actor, &req.str("task")?, req.bool_or("force", false)?, publish_models).await?;
    Ok(updated(json!({"status": "published"})))
}

/// `tasks.stop`: a task a live worker runs gets the status message
/// "stopping" and its worker stops it; anything else stops at once.
pub async fn stop(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let reason = req.opt_str("status_reason")?.unwrap_or_else(|| "stopped".into());
    let message = req.opt_str("status_message")?.unwrap_or_default();
    // A pipeline's running and waiting steps stop with it (forced).
    for step in steps_of(state, actor, &req, std::slice::from_ref(&id)).await? {
        let t = tasks::get(state, actor, &step).await?;
        if matches!(t.status, TaskStatus::Queued | TaskStatus::InProgress) {
            tasks::stop(state, actor, &step, true, &reason, &message).await?;
        }
    }
    Ok(match tasks::stop(state, actor, &id, force, &reason, &message).await? {
        StopOutcome::Stopping => updated(json!({"status": "in_progress", "status_message": "stopping"})),
        StopOutcome::Stopped => updated(json!({"status": "stopped"})),
    })
}

/// `tasks.delete`: running tasks only with `force`.
pub async fn delete(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let models = req.bool_or("delete_output_models", true)?;
    for step in steps_of(state, actor, &req, std::slice::from_ref(&id)).await? {
        tasks::delete(state, actor, &step, true, models).await?;
    }
    let done = tasks::delete(state, actor, &id, req.bool_or("force", false)?, models).await?;
    Ok(json!({
        "deleted": true, "updated_children": done.cleanup.updated_children,
        "updated_models": done.cleanup.updated_models, "deleted_models": done.cleanup.deleted_models,
        "events": {}, "urls": file_urls(&req, &done)?,
    }))
}

/// With `include_pipeline_steps`, the steps of the pipelines among `ids`.
async fn steps_of(state: &AppState, actor: &Actor, req: &Req, ids: &[String]) -> AppResult<Vec<String>> {
    if req.bool_or("include_pipeline_steps", false)? {
        tasks::pipeline_steps(state, actor, ids).await
    } else {
        Ok(Vec::new())
    }
}

/// A `*_many` endpoint: the one-task endpoint `single` for each of `ids`,
/// with the rest of the request, answered as ClearML's batch operations
/// are: `succeeded` (each answer with its `id`) and `failed` (each error).
pub async fn each<'a, F, Fut>(req: Req, key: &str, single: F) -> AppResult<Value>
where
    F: Fn(Req) -> Fut,
    Fut: std::future::Future<Output = AppResult<Value>> + 'a,
{
    let ids = req.nonempty_str_list("ids")?;
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    for id in ids {
        let mut one = req.clone();
        one.body.remove("ids");
        one.body.insert(key.to_string(), json!(id));
        match single(one).await {
            Ok(mut v) => {
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), json!(id));
                }
                succeeded.push(v);
            }
            Err(e) => {
                failed.push(json!({"id": id, "error": {"codes": [e.status(), e.subcode()], "msg": e.to_string()}}))
            }
        }
    }
    Ok(json!({"succeeded": succeeded, "failed": failed}))
}

/// ClearML's `succeeded`/`failed` lists of a change to many tasks, each
/// success with the fields `fields` picks from the task as written.
fn bulk_answer(bulk: Bulk, fields: impl Fn(&Task) -> Value) -> Value {
    let succeeded: Vec<Value> = bulk
        .succeeded
        .iter()
        .map(|t| {
            let mut entry = fields(t);
            entry["id"] = json!(t.id);
            entry
        })
        .collect();
    let failed: Vec<Value> = bulk
        .failed
        .iter()
        .map(|(id, e)| json!({"id": id, "error": {"codes": [e.status(), e.subcode()], "msg": e.to_string()}}))
        .collect();
    json!({"succeeded": succeeded, "failed": failed})
}

/// `tasks.archive_many`: adds the `archived` system tag (any status).
pub async fn archive_many(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let bulk = table::set_archived(state, actor, &req.nonempty_str_list("ids")?, true).await?;
    Ok(bulk_answer(bulk, |_| json!({"archived": true})))
}

/// `tasks.archive {tasks}`: archives every one of them; an unknown id
/// refuses the whole request (400/101), as ClearML does.
pub async fn archive(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.nonempty_str_list("tasks")?;
    let existing = state.store.existing_task_ids(&ids).await?;
    if let Some(missing) = ids.iter().find(|id| !existing.contains(id)) {
        return Err(AppError::not_found(crate::error::Noun::Task, missing));
    }
    let reason = req.opt_str("status_reason")?.unwrap_or_default();
    let message = req.opt_str("status_message")?.unwrap_or_default();
    let steps = steps_of(state, actor, &req, &ids).await?;
    table::archive(state, actor, &steps, &reason, &message).await?;
    let bulk = table::archive(state, actor, &ids, &reason, &message).await?;
    if let Some((_, e)) = bulk.failed.into_iter().next() {
        return Err(e);
    }
    Ok(json!({"archived": bulk.succeeded.len()}))
}

/// `tasks.update`: the descriptive fields (name, comment, tags, system
/// tags, project), in any status.
pub async fn update(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let full = parse_patch(&req)?;
    let patch = crate::model::task::TaskPatch {
        name: full.name,
        comment: full.comment,
        tags: full.tags,
        system_tags: full.system_tags,
        project: full.project,
        ..Default::default()
    };
    tasks::edit(state, actor, &id, &patch, true).await?;
    let fields: Map<String, Value> = ["name", "comment", "tags", "system_tags", "project"]
        .iter()
        .filter_map(|k| req.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Ok(updated(Value::Object(fields)))
}

/// `tasks.get_types {projects?}`: the types the tasks (of these projects) have.
pub async fn get_types(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let filter = crate::server::store::TaskFilter {
        projects: req.str_list("projects")?,
        page_size: i64::MAX,
        ..Default::default()
    };
    let (found, _) = tasks::query(state, actor, &filter).await?;
    let mut types: Vec<&str> = found.iter().map(|t| t.task_type.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    Ok(json!({"types": types}))
}

/// `tasks.unarchive_many`: removes the `archived` system tag.
pub async fn unarchive_many(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.nonempty_str_list("ids")?;
    table::set_archived(state, actor, &steps_of(state, actor, &req, &ids).await?, false).await?;
    let bulk = table::set_archived(state, actor, &ids, false).await?;
    Ok(bulk_answer(bulk, |_| json!({"archived": false})))
}

/// `tasks.update_tags`: adds `add_tags` and removes `remove_tags`.
pub async fn update_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.nonempty_str_list("ids")?;
    let bulk =
        table::update_tags(state, actor, &ids, &req.str_list("add_tags")?, &req.str_list("remove_tags")?).await?;
    let updated = bulk.succeeded.len();
    let mut out = bulk_answer(bulk, |t| json!({"tags": t.tags}));
    out["updated"] = json!(updated);
    Ok(out)
}

/// `tasks.move`: to `project` (an id) or `project_name` (created if missing).
pub async fn move_tasks(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.nonempty_str_list("ids")?;
    let project = match (req.opt_str("project")?, req.opt_str("project_name")?) {
        (Some(p), _) => ProjectRef::Id(p),
        (None, Some(name)) => ProjectRef::Name(name),
        // `project: null` moves the tasks to the top level.
        (None, None) if req.body.contains_key("project") => ProjectRef::Root,
        (None, None) => return Err(AppError::missing("project")),
    };
    let (project, bulk) = table::move_to_project(state, actor, &ids, &project).await?;
    let mut out = bulk_answer(bulk, |t| json!({"project": t.project}));
    out["project_id"] = json!(project.map(|p| p.id));
    Ok(out)
}

/// `tasks.edit_hyper_params`: `replace_hyperparams` is `none`, `section` or `all`.
pub async fn edit_hyper_params(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let items = hyperparam_items(&req)?;
    let replace = match req.opt_str("replace_hyperparams")?.as_deref().unwrap_or("none") {
        "none" => Replace::None,
        "section" => Replace::Section,
        "all" => Replace::All,
        _ => return Err(AppError::invalid("replace_hyperparams must be 'none', 'section' or 'all'")),
    };
    task_fields::edit_hyper_params(state, actor, &id, &items, replace, force).await?;
    Ok(updated(json!({})))
}

/// `tasks.delete_hyper_params`: by section and name.
pub async fn delete_hyper_params(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let deleted = task_fields::delete_hyper_params(state, actor, &id, &hyperparam_items(&req)?, force).await?;
    Ok(json!({"deleted": deleted}))
}

/// `tasks.get_hyper_params`: flat lists per task.
pub async fn get_hyper_params(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let params = task_fields::get_hyper_params(state, actor, &req.nonempty_str_list("tasks")?).await?;
    let params: Vec<Value> =
        params.into_iter().map(|(task, list)| json!({"task": task, "hyperparams": list})).collect();
    Ok(json!({"params": params}))
}

/// The `configuration` list of `edit_configuration`: `[{name, value, type?, description?}]`.
fn config_items(req: &Req) -> AppResult<Vec<crate::model::ConfigItem>> {
    let items = req.opt_list("configuration")?.ok_or_else(|| AppError::missing("configuration"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(m) = item else {
                return Err(AppError::invalid(format!("configuration[{i}] must be an object")));
            };
            let what = format!("configuration[{i}]");
            let text = |k: &str| super::request::opt_string(m, k, &what);
            Ok(crate::model::ConfigItem {
                name: text("name")?.ok_or_else(|| AppError::missing(format!("configuration[{i}].name")))?,
                value: text("value")?.unwrap_or_default(),
                item_type: text("type")?,
                description: text("description")?,
            })
        })
        .collect()
}

/// `tasks.edit_configuration {task, configuration, replace_configuration?, force?}`.
pub async fn edit_configuration(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let replace = req.bool_or("replace_configuration", false)?;
    task_fields::edit_configuration(state, actor, &id, &config_items(&req)?, replace, req.bool_or("force", false)?)
        .await?;
    Ok(json!({"updated": 1}))
}

/// `tasks.delete_configuration {task, configuration: [names], force?}`.
pub async fn delete_configuration(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let names = req.nonempty_str_list("configuration")?;
    let deleted = task_fields::delete_configuration(state, actor, &id, &names, req.bool_or("force", false)?).await?;
    Ok(json!({"deleted": deleted}))
}

/// `tasks.get_configurations {tasks, names?}`: each task's items, by name.
pub async fn get_configurations(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let names = req.str_list("names")?;
    let mut out = Vec::new();
    for id in req.nonempty_str_list("tasks")? {
        let t = tasks::get(state, actor, &id).await?;
        let items: Vec<&crate::model::ConfigItem> =
            t.configuration.values().filter(|c| names.is_empty() || names.contains(&c.name)).collect();
        out.push(json!({"task": id, "configuration": items}));
    }
    Ok(json!({"configurations": out}))
}

/// `tasks.get_configuration_names {tasks, skip_empty?}`: each task's item
/// names (without the empty ones unless `skip_empty` is false).
pub async fn get_configuration_names(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let skip_empty = req.bool_or("skip_empty", true)?;
    let mut out = Vec::new();
    for id in req.nonempty_str_list("tasks")? {
        let t = tasks::get(state, actor, &id).await?;
        let names: Vec<&String> =
            t.configuration.values().filter(|c| !skip_empty || !c.value.is_empty()).map(|c| &c.name).collect();
        if !names.is_empty() {
            out.push(json!({"task": id, "names": names}));
        }
    }
    Ok(json!({"configurations": out}))
}

/// `tasks.add_or_update_artifacts`: upsert by key and mode.
pub async fn add_or_update_artifacts(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let list = req.opt_list("artifacts")?.ok_or_else(|| AppError::missing("artifacts"))?;
    task_fields::add_or_update_artifacts(state, actor, &id, list, req.bool_or("force", false)?).await?;
    Ok(json!({"updated": 1}))
}

/// `tasks.delete_artifacts`.
pub async fn delete_artifacts(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let list = req.opt_list("artifacts")?.ok_or_else(|| AppError::missing("artifacts"))?;
    let keys: Vec<(String, String)> = list.iter().map(artifact_key).collect();
    Ok(json!({"deleted": task_fields::delete_artifacts(state, actor, &id, &keys).await?}))
}

/// `tasks.add_or_update_model`: link a model as input or output, by name.
pub async fn add_or_update_model(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let name = req.str("name")?;
    let model = req.str("model")?;
    let kind = link_kind(&req.str("type")?)?;
    task_fields::link_model(state, actor, &id, &name, &model, kind).await?;
    if let Some(iteration) = req.opt_i64("iteration")? {
        tasks::reach_iteration(state, actor, &id, iteration).await?;
    }
    Ok(json!({"updated": 1}))
}

/// An input or output model link's type.
fn link_kind(ty: &str) -> AppResult<LinkKind> {
    match ty {
        "input" => Ok(LinkKind::Input),
        "output" => Ok(LinkKind::Output),
        other => Err(AppError::invalid(format!("type must be 'input' or 'output', not '{other}'"))),
    }
}

/// `tasks.delete_models {task, models: [{name, type}]}`: drops those model
/// links (names it does not have are ignored).
pub async fn delete_models(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let id = req.str("task")?;
    let list = req.opt_list("models")?.filter(|l| !l.is_empty()).ok_or_else(|| AppError::missing("models"))?;
    let mut links = Vec::new();
    for m in list {
        let name = m.get("name").and_then(Value::as_str).ok_or_else(|| AppError::missing("models[].name"))?;
        let ty = m.get("type").and_then(Value::as_str).ok_or_else(|| AppError::missing("models[].type"))?;
        links.push((name.to_string(), link_kind(ty)?));
    }
    task_fields::unlink_models(state, actor, &id, &links).await?;
    Ok(json!({"updated": 1}))
}
