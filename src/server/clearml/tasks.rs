//! `tasks.*`: create, read, query, edit and move tasks through their statuses.

use super::projects::name_regex;
use super::request::{project_fields, ApiError, Req};
use super::Ctx;
use crate::model::task::{Configuration, Hyperparams, MetricSummary, ModelLink};
use crate::model::{ConfigItem, Hyperparam, Task, TaskStatus, TaskType};
use crate::server::clock::{iso, new_id, now_ms};
use crate::server::store::{QueueChange, TagFilter, TaskFilter, TaskOrder};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn opt_iso(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |m| Value::String(iso(m)))
}

/// A task as ClearML sends it (clearml-api.md §8.1): every object and list
/// field present, `last_metrics` keyed by md5 of metric and variant.
pub fn task_to_wire(t: &Task, metrics: &[MetricSummary]) -> Value {
    let mut last_metrics = Map::new();
    for m in metrics {
        let entry = last_metrics.entry(md5_hex(&m.metric)).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(variants) = entry {
            variants.insert(
                md5_hex(&m.variant),
                json!({
                    "metric": m.metric, "variant": m.variant, "value": m.value,
                    "min_value": m.min_value, "min_value_iteration": m.min_value_iteration,
                    "max_value": m.max_value, "max_value_iteration": m.max_value_iteration,
                    "first_value": m.first_value, "first_value_iteration": m.first_value_iteration,
                    "mean_value": m.mean_value, "count": m.count,
                }),
            );
        }
    }
    let mut output = t.output_extra.clone();
    output.insert("destination".into(), json!(t.output_destination));
    let mut execution = t.execution_extra.clone();
    execution.insert("queue".into(), json!(t.execution_queue));
    execution.insert("artifacts".into(), json!(t.artifacts));
    json!({
        "id": t.id, "name": t.name, "user": t.user, "company": crate::server::auth::COMPANY,
        "type": t.task_type.as_str(), "status": t.status.as_str(),
        "status_reason": t.status_reason, "status_message": t.status_message,
        "status_changed": iso(t.status_changed),
        "comment": t.comment,
        "created": iso(t.created), "started": opt_iso(t.started), "completed": opt_iso(t.completed),
        "published": opt_iso(t.published),
        "parent": t.parent, "project": t.project,
        "output": output,
        "execution": execution,
        "container": t.container,
        "models": t.models,
        "script": t.script,
        "tags": t.tags, "system_tags": t.system_tags,
        "last_worker": t.last_worker, "last_worker_report": opt_iso(t.last_worker_report),
        "last_update": iso(t.last_update), "last_change": iso(t.last_change),
        "last_changed_by": t.user,
        "last_iteration": t.last_iteration,
        "last_metrics": last_metrics,
        "hyperparams": t.hyperparams,
        "configuration": t.configuration,
        "runtime": t.runtime,
    })
}

/// The task, or 400/101.
pub(super) async fn load(ctx: &Ctx, id: &str) -> Result<Task, ApiError> {
    ctx.state.store.get_task(id).await?.ok_or_else(|| ApiError::invalid_task(id))
}

/// Reads, changes and writes a task, retrying when another writer got there
/// first (the write is guarded by the task's revision).
pub(super) async fn modify<F>(ctx: &Ctx, id: &str, mut change: F) -> Result<Value, ApiError>
where
    F: FnMut(&mut Task) -> Result<Value, ApiError>,
{
    modify_with_queue(ctx, id, |t| change(t).map(|v| (v, QueueChange::Keep))).await
}

/// Like [`modify`], also changing the task's queue entry in the same transaction.
pub(super) async fn modify_with_queue<F>(ctx: &Ctx, id: &str, mut change: F) -> Result<Value, ApiError>
where
    F: FnMut(&mut Task) -> Result<(Value, QueueChange), ApiError>,
{
    for _ in 0..8 {
        let mut task = load(ctx, id).await?;
        let (fields, queue) = change(&mut task)?;
        let now = now_ms();
        task.last_update = now;
        task.last_change = now;
        if ctx.state.store.update_task_queue(&task, queue).await? {
            return Ok(json!({"updated": 1, "fields": fields}));
        }
    }
    Err(ApiError::new(409, 0, "the task kept changing while this update was applied; retry"))
}

fn string_value(v: &Value, what: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "True".into() } else { "False".into() }),
        _ => Err(ApiError::invalid(format!("{what} must be a string"))),
    }
}

/// An optional string field of a nested object; numbers and booleans are
/// taken as their text, as the SDK sometimes sends them.
pub(super) fn opt_string(m: &Map<String, Value>, key: &str, what: &str) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string_value(v, &format!("{what}.{key}")).map(Some),
    }
}

/// Parses `hyperparams: {section: {name: {section, name, value, type, description}}}`.
pub fn parse_hyperparams(v: &Value) -> Result<Hyperparams, ApiError> {
    let Value::Object(sections) = v else {
        return Err(ApiError::invalid("hyperparams must be an object of sections"));
    };
    let mut out = Hyperparams::new();
    for (section, params) in sections {
        let Value::Object(params) = params else {
            return Err(ApiError::invalid(format!("hyperparams.{section} must be an object")));
        };
        let mut sec = std::collections::BTreeMap::new();
        for (name, p) in params {
            let what = format!("hyperparams.{section}.{name}");
            let Value::Object(p) = p else {
                return Err(ApiError::invalid(format!("{what} must be an object with a value")));
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
pub fn parse_configuration(v: &Value) -> Result<Configuration, ApiError> {
    let Value::Object(items) = v else {
        return Err(ApiError::invalid("configuration must be an object"));
    };
    let mut out = Configuration::new();
    for (name, item) in items {
        let what = format!("configuration.{name}");
        let Value::Object(item) = item else {
            return Err(ApiError::invalid(format!("{what} must be an object with a value")));
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

fn parse_links(v: &Value, what: &str) -> Result<Vec<ModelLink>, ApiError> {
    serde_json::from_value(v.clone()).map_err(|e| ApiError::invalid(format!("{what}: {e}")))
}

fn parse_type(s: &str) -> Result<TaskType, ApiError> {
    s.parse().map_err(|e: String| ApiError::invalid(e))
}

/// Applies the editable fields of a `tasks.create`/`tasks.edit` request and
/// returns what changed. Embedded objects (`script`, `execution`, `output`,
/// `models`) merge one level; maps and lists are replaced (§8.1).
/// The project id must exist: checked before [`apply_fields`].
fn apply_fields(t: &mut Task, req: &Req) -> Result<Value, ApiError> {
    let mut fields = Map::new();
    if let Some(name) = req.opt_str("name")? {
        if name.trim().chars().count() < 3 {
            return Err(ApiError::invalid("task name must be at least 3 characters long"));
        }
        t.name = name;
    }
    if let Some(ty) = req.opt_str("type")? {
        t.task_type = parse_type(&ty)?;
    }
    if let Some(c) = req.opt_str("comment")? {
        t.comment = c;
    }
    if req.body.contains_key("parent") {
        t.parent = req.opt_str("parent")?.filter(|p| !p.is_empty());
    }
    if let Some(project) = req.opt_str("project")? {
        t.project = Some(project);
    }
    if req.has("tags") {
        t.tags = req.str_list("tags")?;
    }
    if req.has("system_tags") {
        t.system_tags = req.str_list("system_tags")?;
    }
    if req.body.contains_key("output_dest") {
        t.output_destination = req.opt_str("output_dest")?.filter(|d| !d.is_empty());
    }
    if let Some(script) = req.opt_object("script")? {
        let s = &mut t.script;
        for (k, v) in script {
            let what = format!("script.{k}");
            match k.as_str() {
                "binary" => s.binary = string_value(v, &what)?,
                "repository" => s.repository = string_value(v, &what)?,
                "tag" => s.tag = string_value(v, &what)?,
                "branch" => s.branch = string_value(v, &what)?,
                "version_num" => s.version_num = string_value(v, &what)?,
                "entry_point" => s.entry_point = string_value(v, &what)?,
                "working_dir" => s.working_dir = string_value(v, &what)?,
                "diff" => s.diff = string_value(v, &what)?,
                "requirements" => match v {
                    Value::Object(m) => s.requirements = m.clone(),
                    Value::Null => s.requirements = Map::new(),
                    _ => return Err(ApiError::invalid("script.requirements must be an object")),
                },
                _ => {} // Unknown script fields are tolerated and dropped.
            }
        }
    }
    if let Some(execution) = req.opt_object("execution")? {
        for (k, v) in execution {
            match k.as_str() {
                "queue" => t.execution_queue = v.as_str().map(str::to_string),
                "artifacts" => match v {
                    Value::Array(a) => t.artifacts = a.clone(),
                    Value::Null => t.artifacts.clear(),
                    _ => return Err(ApiError::invalid("execution.artifacts must be a list")),
                },
                _ => {
                    t.execution_extra.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if let Some(output) = req.opt_object("output")? {
        for (k, v) in output {
            if k == "destination" {
                t.output_destination = v.as_str().filter(|d| !d.is_empty()).map(str::to_string);
            } else {
                t.output_extra.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(models) = req.opt_object("models")? {
        if let Some(v) = models.get("input") {
            t.models.input = parse_links(v, "models.input")?;
        }
        if let Some(v) = models.get("output") {
            t.models.output = parse_links(v, "models.output")?;
        }
    }
    if let Some(container) = req.get("container") {
        let Value::Object(c) = container else {
            return Err(ApiError::invalid("container must be an object"));
        };
        t.container.image = opt_string(c, "image", "container")?.unwrap_or_default();
        t.container.arguments = opt_string(c, "arguments", "container")?.unwrap_or_default();
        t.container.setup_shell_script = opt_string(c, "setup_shell_script", "container")?.unwrap_or_default();
    }
    if let Some(h) = req.get("hyperparams") {
        t.hyperparams = parse_hyperparams(h)?;
    }
    if let Some(c) = req.get("configuration") {
        t.configuration = parse_configuration(c)?;
    }
    if let Some(rt) = req.get("runtime") {
        let Value::Object(rt) = rt else {
            return Err(ApiError::invalid("runtime must be an object"));
        };
        t.runtime = rt.clone();
    }
    for key in [
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
    ] {
        if let Some(v) = req.body.get(key) {
            fields.insert(key.into(), v.clone());
        }
    }
    Ok(Value::Object(fields))
}

/// `tasks.create`: a new draft.
pub async fn create(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let name = req.str("name")?;
    let now = now_ms();
    let mut t = Task {
        id: new_id(),
        name: name.clone(),
        status: TaskStatus::Created,
        status_changed: now,
        user: ctx.identity.user.clone(),
        created: now,
        last_update: now,
        last_change: now,
        revision: 1,
        ..Task::default()
    };
    if !req.has("type") {
        t.task_type = TaskType::Training;
    }
    check_project(ctx, &req).await?;
    apply_fields(&mut t, &req)?;
    ctx.state.store.insert_task(&t).await?;
    Ok(json!({"id": t.id}))
}

/// `tasks.get_by_id`: the whole task.
pub async fn get_by_id(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let t = load(ctx, &id).await?;
    let metrics = ctx.state.store.metric_summaries(&id).await?;
    Ok(json!({"task": task_to_wire(&t, &metrics)}))
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
) -> Result<(Vec<T>, Vec<T>), ApiError> {
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
        target.push(parse(s).map_err(|e| ApiError::invalid(format!("{field}: {e}")))?);
    }
    Ok((inc, exc))
}

/// Turns a `tasks.get_all` request into a store filter.
pub fn task_filter(req: &Req) -> Result<TaskFilter, ApiError> {
    let mut f = TaskFilter { ids: req.str_list("id")?, projects: req.str_list("project")?, ..TaskFilter::default() };
    if let Some(name) = req.opt_str("name")? {
        name_regex(&name)?;
        f.name_regex = Some(name);
    }
    (f.statuses, f.exclude_statuses) = split_exclusions(&req.str_list("status")?, "status", str::parse::<TaskStatus>)?;
    (f.types, f.exclude_types) = split_exclusions(&req.str_list("type")?, "type", str::parse::<TaskType>)?;
    f.tags = parse_tag_filter(&req.str_list("tags")?);
    f.system_tags = parse_tag_filter(&req.str_list("system_tags")?);
    if !req.bool_or("search_hidden", false)? {
        f.system_tags.none.push("hidden".into());
    }
    f.search_text = req.opt_str("search_text")?;
    for o in req.str_list("order_by")? {
        let (desc, field) = match o.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, o.trim_start_matches('+')),
        };
        let col =
            TaskOrder::parse(field).ok_or_else(|| ApiError::invalid(format!("cannot order tasks by '{field}'")))?;
        f.order.push((col, desc));
    }
    f.page = req.opt_i64("page")?.unwrap_or(0);
    if f.page < 0 {
        return Err(ApiError::invalid("page must not be negative"));
    }
    f.page_size = req.opt_i64("page_size")?.unwrap_or(500);
    if !(1..=10_000).contains(&f.page_size) {
        return Err(ApiError::invalid("page_size must be between 1 and 10000"));
    }
    Ok(f)
}

/// `tasks.get_all`: query with filters, order and paging; `only_fields` projects.
pub async fn get_all(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let filter = task_filter(&req)?;
    let only_fields = req.str_list("only_fields")?;
    // ClearML's get_all has no total; not counting saves a second scan.
    let (tasks, _) = ctx.state.store.query_tasks(&filter).await?;
    let wants_metrics = only_fields.is_empty() || only_fields.iter().any(|f| f.starts_with("last_metrics"));
    let metrics = if wants_metrics {
        let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
        ctx.state.store.metric_summaries_of(&ids).await?
    } else {
        Default::default()
    };
    let out: Vec<Value> = tasks
        .iter()
        .map(|t| project_fields(task_to_wire(t, metrics.get(&t.id).map_or(&[], Vec::as_slice)), &only_fields))
        .collect();
    Ok(json!({"tasks": out}))
}

/// Refuses a request naming a project that does not exist.
pub(super) async fn check_project(ctx: &Ctx, req: &Req) -> Result<(), ApiError> {
    if let Some(project) = req.opt_str("project")? {
        if ctx.state.store.get_project(&project).await?.is_none() {
            return Err(ApiError::invalid_project(&project));
        }
    }
    Ok(())
}

/// `tasks.edit`: only drafts, unless `force`. A request with any invalid
/// field changes nothing.
pub async fn edit(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    check_project(ctx, &req).await?;
    modify(ctx, &id, |t| {
        if !force && !t.status.is_editable() {
            return Err(ApiError::invalid_status(
                format!("only draft tasks can be edited without force; this one is {}", t.status),
                t.status.as_str(),
            ));
        }
        apply_fields(t, &req)
    })
    .await
}

/// Moves a task to `to`, checking the transition unless `force`.
async fn set_status(ctx: &Ctx, req: Req, to: TaskStatus) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let force = req.bool_or("force", false)?;
    let reason = req.opt_str("status_reason")?.unwrap_or_default();
    let message = req.opt_str("status_message")?.unwrap_or_default();
    let publish = to == TaskStatus::Completed && req.bool_or("publish", false)?;
    let worker = ctx.worker.clone();
    modify(ctx, &id, |t| {
        let from = t.status;
        if !force && !from.can_become(to) {
            return Err(ApiError::invalid_status(format!("cannot change status from {from} to {to}"), from.as_str())
                .with_data(json!({"id": t.id, "status": from.as_str(), "new_status": to.as_str()})));
        }
        let now = now_ms();
        t.status = if publish { TaskStatus::Published } else { to };
        t.status_changed = now;
        t.status_reason = reason.clone();
        t.status_message = message.clone();
        match to {
            TaskStatus::InProgress => {
                if t.started.is_none() || from != TaskStatus::InProgress {
                    t.started = Some(t.started.filter(|_| from == TaskStatus::InProgress).unwrap_or(now));
                }
                t.completed = None;
                if let Some(w) = &worker {
                    t.last_worker = Some(w.clone());
                    t.last_worker_report = Some(now);
                }
            }
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Stopped => {
                t.completed = Some(now);
            }
            _ => {}
        }
        if publish {
            t.published = Some(now);
        }
        Ok(json!({"status": t.status.as_str(), "status_reason": reason, "status_message": message}))
    })
    .await
}

/// `tasks.started`.
pub async fn started(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let mut v = set_status(ctx, req, TaskStatus::InProgress).await?;
    v["started"] = json!(1);
    Ok(v)
}

/// `tasks.completed` (with `publish`, straight to published).
pub async fn completed(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    set_status(ctx, req, TaskStatus::Completed).await
}

/// `tasks.failed`.
pub async fn failed(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    set_status(ctx, req, TaskStatus::Failed).await
}

/// `tasks.stopped`.
pub async fn stopped(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    set_status(ctx, req, TaskStatus::Stopped).await
}

/// `tasks.set_requirements`: the installed packages.
pub async fn set_requirements(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let reqs = req.opt_object("requirements")?.cloned().ok_or_else(|| ApiError::missing("requirements"))?;
    modify(ctx, &id, |t| {
        t.script.requirements = reqs.clone();
        Ok(json!({"script.requirements": reqs}))
    })
    .await
}

/// `tasks.ping`: a sign of life from whoever runs the task.
pub async fn ping(ctx: &Ctx, req: Req) -> Result<Value, ApiError> {
    let id = req.str("task")?;
    let worker = ctx.worker.clone();
    modify(ctx, &id, |t| {
        if let Some(w) = &worker {
            t.last_worker = Some(w.clone());
        }
        t.last_worker_report = Some(now_ms());
        Ok(json!({}))
    })
    .await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let f = task_filter(&req).unwrap();
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
            r#"{"type": ["report"]}"#,
            r#"{"name": "("}"#,
            r#"{"order_by": ["-colour"]}"#,
            r#"{"page_size": 0}"#,
        ] {
            let e = task_filter(&Req::parse(body.as_bytes()).unwrap()).unwrap_err();
            assert_eq!((e.code, e.subcode), (400, 12), "{body}: {}", e.msg);
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
    fn wire_tasks_have_every_object_field() {
        let t = Task { id: "t".into(), name: "n".into(), ..Task::default() };
        let w = task_to_wire(&t, &[]);
        for k in ["output", "execution", "script", "models", "runtime", "hyperparams", "configuration", "container"] {
            assert!(w[k].is_object(), "{k} must be an object");
        }
        assert!(w["tags"].is_array() && w["system_tags"].is_array());
        assert_eq!(w["last_iteration"], 0);
        assert_eq!(w["status"], "created");
    }
}
