//! `projects.*`: nested projects, addressed by full path.

use super::query::{self, Query, MODEL_FIELDS, PROJECT_FIELDS, TASK_FIELDS};
use super::request::{project_fields, Req, Scroll};
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::project::ProjectContents;
use crate::model::project::TaskStats;
use crate::model::{Actor, Project, Task, TaskType};
use crate::server::ops;
use crate::server::ops::projects::{self, ProjectPatch};
use crate::server::state::AppState;
use crate::server::store::{ModelFilter, TaskFilter};
use serde_json::{json, Value};

/// The `projects.get_all`/`get_all_ex` parameters that are not conditions.
const OWN_KEYS: &[&str] = &[
    "only_fields",
    "order_by",
    "page",
    "page_size",
    "scroll_id",
    "size",
    "refresh_scroll",
    "search_hidden",
    "include_stats",
    "include_stats_filter",
    "stats_for_state",
    "stats_with_children",
    "shallow_search",
    "check_own_contents",
    "children_type",
    "children_tags",
    "children_tags_filter",
    "include_dataset_stats",
    "active_users",
    "allow_public",
    "search_text",
    "non_public",
];

/// Whether a task is of the kind `children_type` asks for.
fn child_of_kind(t: &Task, kind: Option<&str>) -> bool {
    match kind {
        None => true,
        Some("report") => t.task_type == TaskType::Report,
        Some(tag) => t.system_tags.iter().any(|s| s == tag),
    }
}

/// `projects.get_all` and `projects.get_all_ex`: ClearML's query language
/// (see [`query`]: `name`, `basename`, `description` regexes, `id`,
/// `parent`, `tags`, `system_tags`). Hidden projects (dataset and pipeline
/// folders) only with `search_hidden` or ids; `shallow_search` keeps the
/// top level (or the children of `parent`); `children_type` (`dataset`,
/// `pipeline`, `report`, with `children_tags`) keeps projects holding such
/// tasks; `active_users` those with their tasks. `include_stats` counts
/// the tasks of each project with its sub-projects (`active` and
/// `archived`), `check_own_contents` those directly in it.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req, ex: bool) -> AppResult<Value> {
    let conditions = Query::parse(&req, &PROJECT_FIELDS, OWN_KEYS)?;
    let all = projects::list(state, actor).await?;
    let search_hidden = req.bool_or("search_hidden", false)? || req.has("id");
    // Hidden sub-projects (a project's `.reports`, `.pipelines`, datasets)
    // count in its stats only when asked for, or for those kinds.
    let stats_hidden = req.bool_or("search_hidden", false)?
        || matches!(req.opt_str("children_type")?.as_deref(), Some("pipeline" | "report"));
    let is_hidden = |q: &Project| q.system_tags.iter().any(|t| t == "hidden");
    let shallow = req.bool_or("shallow_search", false)? && !req.has("parent");
    let kind = req.opt_str("children_type")?;
    let users = req.str_list("active_users")?;
    let include_stats = req.bool_or("include_stats", false)?;
    let own = req.bool_or("check_own_contents", false)?;
    let dataset_stats = req.bool_or("include_dataset_stats", false)?;
    let mut child_query = Req::default();
    if let Some(tags) = req.get("children_tags") {
        child_query.body.insert("tags".into(), tags.clone());
    }
    if let Some(f) = req.get("children_tags_filter") {
        child_query.body.insert("filters".into(), json!({"tags": f}));
    }
    let child_query = Query::parse(&child_query, &TASK_FIELDS, &[])?;
    let needs_tasks = include_stats || own || kind.is_some() || !users.is_empty() || dataset_stats;
    let tasks: Vec<Task> = if needs_tasks {
        let filter = TaskFilter { page_size: i64::MAX, ..TaskFilter::default() };
        ops::tasks::query(state, actor, &filter).await?.0
    } else {
        Vec::new()
    };
    let now = crate::server::clock::now_ms();
    let mut docs = Vec::new();
    for p in &all {
        if !search_hidden && p.system_tags.iter().any(|t| t == "hidden") {
            continue;
        }
        if shallow && p.parent.is_some() {
            continue;
        }
        let mut doc = wire::project(p, &all);
        if !conditions.matches(&doc) {
            continue;
        }
        let prefix = format!("{}/", p.name);
        let subtree: Vec<&Project> = all.iter().filter(|q| q.id == p.id || q.name.starts_with(&prefix)).collect();
        let stats_tree: Vec<&Project> =
            subtree.iter().copied().filter(|q| q.id == p.id || stats_hidden || !is_hidden(q)).collect();
        let inside = |t: &&Task| t.project.as_deref().is_some_and(|id| stats_tree.iter().any(|q| q.id == id));
        let children: Vec<&Task> = tasks
            .iter()
            .filter(inside)
            .filter(|t| child_of_kind(t, kind.as_deref()))
            .filter(|t| users.is_empty() || users.contains(&t.user))
            .filter(|t| kind.is_none() || child_query.matches(&wire::task(t, &[])))
            .collect();
        let active: Vec<&Task> = children.iter().copied().filter(|t| !t.is_archived()).collect();
        if (kind.is_some() || !users.is_empty()) && active.is_empty() {
            continue;
        }
        if include_stats {
            // ClearML's stats are of active tasks only (`stats_for_state`
            // is obsolete there).
            let mut stats = json!({"active": TaskStats::of(active.iter().copied(), now)});
            if kind.as_deref() == Some("dataset") {
                let sets: Vec<&&Project> = subtree
                    .iter()
                    .filter(|q| q.system_tags.iter().any(|t| t == "dataset"))
                    .filter(|q| active.iter().any(|t| t.project.as_deref() == Some(q.id.as_str())))
                    .collect();
                let mut tags: Vec<String> = sets.iter().flat_map(|q| q.tags.clone()).collect();
                tags.dedup();
                stats["datasets"] = json!({"count": sets.len(), "tags": tags});
            }
            doc["stats"] = stats;
            // Every descendant, by name.
            let mut subs: Vec<&&Project> = stats_tree.iter().filter(|q| q.id != p.id).collect();
            subs.sort_by(|a, b| a.name.cmp(&b.name));
            doc["sub_projects"] = json!(subs.iter().map(|q| json!({"id": q.id, "name": q.name})).collect::<Vec<_>>());
        }
        if own {
            let direct = |t: &&Task| t.project.as_deref() == Some(p.id.as_str()) && !t.is_archived();
            if kind.as_deref() == Some("dataset") {
                doc["own_datasets"] = json!(subtree
                    .iter()
                    .filter(
                        |q| q.system_tags.iter().any(|t| t == "dataset") && q.parent.as_deref() == Some(p.id.as_str())
                    )
                    .count()
                    .max(usize::from(p.system_tags.iter().any(|t| t == "dataset"))));
            } else {
                doc["own_tasks"] =
                    json!(tasks.iter().filter(direct).filter(|t| child_of_kind(t, kind.as_deref())).count());
                let models = state
                    .store
                    .query_models(&ModelFilter {
                        projects: vec![p.id.clone()],
                        page_size: i64::MAX,
                        ..Default::default()
                    })
                    .await?;
                doc["own_models"] = json!(models.len());
            }
        }
        if dataset_stats {
            let newest = tasks
                .iter()
                .filter(|t| t.project.as_deref() == Some(p.id.as_str()))
                .filter(|t| t.runtime.contains_key("ds_file_count") || t.runtime.contains_key("ds_total_size"))
                .max_by_key(|t| t.last_update);
            doc["dataset_stats"] = match newest {
                Some(t) => json!({
                    "file_count": t.runtime.get("ds_file_count").cloned().unwrap_or(json!(0)),
                    "total_size": t.runtime.get("ds_total_size").cloned().unwrap_or(json!(0)),
                }),
                None => Value::Null,
            };
        }
        if ex {
            query::join(&mut doc, "parent", |id| all.iter().find(|q| q.id == id).map(|q| q.name.clone()));
        }
        docs.push(doc);
    }
    let scroll = Scroll::of(&req)?;
    let window = query::window(&req, scroll.as_ref())?;
    let docs = query::select(docs, &Query::default(), &req.str_list("order_by")?, "name", window);
    let only_fields = req.str_list("only_fields")?;
    let out: Vec<Value> = docs.into_iter().map(|d| project_fields(d, &only_fields)).collect();
    let returned = out.len();
    let mut answer = json!({ "projects": out });
    if let Some(s) = scroll {
        answer["scroll_id"] = json!(s.next(returned));
    }
    Ok(answer)
}

/// The tags (and, with `include_system`, system tags) of a set of tagged
/// wire objects, each once, sorted.
fn tags_answer(docs: &[Value], include_system: bool) -> Value {
    let collect = |key: &str| {
        let mut tags: Vec<String> = docs
            .iter()
            .flat_map(|d| d[key].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        tags.sort();
        tags.dedup();
        tags
    };
    let mut out = json!({"tags": collect("tags")});
    if include_system {
        out["system_tags"] = json!(collect("system_tags"));
    }
    out
}

/// The conditions of a tags request's `filter` (`{tags, system_tags}` in
/// ClearML's list syntax).
fn tags_filter(req: &Req, fields: &query::QueryFields) -> AppResult<Query> {
    let mut inner = Req::default();
    if let Some(f) = req.opt_object("filter")? {
        for (k, v) in f {
            if k != "tags" && k != "system_tags" {
                return Err(AppError::invalid(format!("filter.{k}: only tags and system_tags filter tags")));
            }
            inner.body.insert(k.clone(), v.clone());
        }
    }
    Query::parse(&inner, fields, &[])
}

/// The wire form of the tasks (or models) of `projects` (with their
/// sub-projects; every one when empty) that meet `filter`.
async fn tagged(state: &AppState, actor: &Actor, req: &Req, models: bool) -> AppResult<Vec<Value>> {
    let projects = req.str_list("projects")?;
    let projects =
        if projects.is_empty() { projects } else { projects::with_subprojects(state, actor, &projects).await? };
    let docs: Vec<Value> = if models {
        let f = ModelFilter { projects, page_size: i64::MAX, ..ModelFilter::default() };
        state.store.query_models(&f).await?.iter().map(|m| wire::model(m, &[])).collect()
    } else {
        let f = TaskFilter { projects, page_size: i64::MAX, ..TaskFilter::default() };
        ops::tasks::query(state, actor, &f).await?.0.iter().map(|t| wire::task(t, &[])).collect()
    };
    let filter = tags_filter(req, if models { &MODEL_FIELDS } else { &TASK_FIELDS })?;
    Ok(docs.into_iter().filter(|d| filter.matches(d)).collect())
}

/// `projects.get_task_tags {projects?, include_system?, filter?}`.
pub async fn get_task_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let docs = tagged(state, actor, &req, false).await?;
    Ok(tags_answer(&docs, req.bool_or("include_system", false)?))
}

/// `projects.get_model_tags {projects?, include_system?, filter?}`.
pub async fn get_model_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let docs = tagged(state, actor, &req, true).await?;
    Ok(tags_answer(&docs, req.bool_or("include_system", false)?))
}

/// `projects.get_project_tags {projects?, include_system?, filter?}`: the
/// projects' own tags.
pub async fn get_project_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.str_list("projects")?;
    let all = projects::list(state, actor).await?;
    let filter = tags_filter(&req, &PROJECT_FIELDS)?;
    let docs: Vec<Value> = all
        .iter()
        .filter(|p| ids.is_empty() || ids.contains(&p.id))
        .map(|p| wire::project(p, &all))
        .filter(|d| filter.matches(d))
        .collect();
    Ok(tags_answer(&docs, req.bool_or("include_system", false)?))
}

/// `organization.get_entities_count {projects?, tasks?, models?,
/// pipelines?, pipeline_runs?, datasets?, dataset_versions?, reports?,
/// active_users?, search_hidden?, limit?}`: how many entities each given
/// query (in `get_all`'s language) matches, as ClearML's server counts:
/// reports, pipeline runs and dataset versions are tasks of their type in
/// the projects and their sub-projects; hidden projects and tasks count
/// only for those kinds or with `search_hidden`.
pub async fn organization_entities_count(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    const FIELDS: [(&str, &str); 8] = [
        ("projects", "projects"),
        ("tasks", "tasks"),
        ("models", "models"),
        ("pipelines", "projects"),
        ("pipeline_runs", "tasks"),
        ("datasets", "projects"),
        ("dataset_versions", "tasks"),
        ("reports", "tasks"),
    ];
    let users = req.str_list("active_users")?;
    let search_hidden = req.bool_or("search_hidden", false)?;
    let limit = req.opt_i64("limit")?.filter(|l| *l > 0).and_then(|l| usize::try_from(l).ok());
    let mut out = serde_json::Map::new();
    for (field, entity) in FIELDS {
        let Some(query) = req.opt_object(field)? else { continue };
        let mut sub = Req { body: query.clone() };
        let kind = match field {
            "reports" => Some("report"),
            "pipeline_runs" => Some("controller"),
            "dataset_versions" => Some("data_processing"),
            _ => None,
        };
        if let Some(kind) = kind {
            sub.body.insert("type".into(), json!([kind]));
            sub.body.insert("include_subprojects".into(), json!(true));
        }
        let hidden_kinds = !matches!(field, "projects" | "tasks" | "models");
        if search_hidden || hidden_kinds {
            sub.body.insert("search_hidden".into(), json!(true));
        }
        if !users.is_empty() {
            if entity == "projects" {
                sub.body.insert("active_users".into(), json!(users));
            } else if !sub.has("user") {
                sub.body.insert("user".into(), json!(users));
            }
        }
        sub.body.insert("only_fields".into(), json!(["id"]));
        let found = match entity {
            "projects" => get_all(state, actor, sub, false).await?,
            "tasks" => super::tasks::get_all(state, actor, sub, false).await?,
            _ => super::models::get_all(state, actor, sub, false).await?,
        };
        let count = found[entity].as_array().map_or(0, Vec::len);
        out.insert(field.to_string(), json!(limit.map_or(count, |l| count.min(l))));
    }
    Ok(Value::Object(out))
}

/// `organization.get_tags {include_system?, filter?}`: every tag on tasks
/// and models.
pub async fn organization_tags(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut docs = tagged(state, actor, &req, false).await?;
    docs.extend(tagged(state, actor, &req, true).await?);
    Ok(tags_answer(&docs, req.bool_or("include_system", false)?))
}

/// `projects.get_task_parents {projects?, include_subprojects?,
/// tasks_state?, task_name?}`: the tasks that have children in these
/// projects, `{id, name, project?: {id, name}}`, by name.
pub async fn get_task_parents(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut ids = req.str_list("projects")?;
    if !ids.is_empty() && req.bool_or("include_subprojects", true)? {
        ids = projects::with_subprojects(state, actor, &ids).await?;
    }
    let state_filter = req.opt_str("tasks_state")?;
    let name = req
        .opt_str("task_name")?
        .map(|n| regex::Regex::new(&n))
        .transpose()
        .map_err(|e| AppError::invalid(format!("invalid regular expression in 'task_name': {e}")))?;
    let f = TaskFilter { projects: ids, page_size: i64::MAX, ..TaskFilter::default() };
    let children = ops::tasks::query(state, actor, &f).await?.0;
    let mut parent_ids: Vec<String> = children
        .iter()
        .filter(|t| match state_filter.as_deref() {
            Some("archived") => t.is_archived(),
            Some("active") => !t.is_archived(),
            _ => true,
        })
        .filter_map(|t| t.parent.clone())
        .collect();
    parent_ids.sort();
    parent_ids.dedup();
    let all = projects::list(state, actor).await?;
    let mut parents = Vec::new();
    for id in parent_ids {
        let Some(p) = state.store.get_task(&id).await? else { continue };
        if name.as_ref().is_some_and(|re| !re.is_match(&p.name)) {
            continue;
        }
        let mut v = json!({"id": p.id, "name": p.name});
        if let Some(pr) = p.project.as_deref().and_then(|pid| all.iter().find(|q| q.id == pid)) {
            v["project"] = json!({"id": pr.id, "name": pr.name});
        }
        parents.push(v);
    }
    parents.sort_by_key(|v| v["name"].as_str().unwrap_or_default().to_string());
    Ok(json!({"parents": parents}))
}

/// `projects.get_hyperparam_values {projects?, section, name, pattern?,
/// include_subprojects?, page?, page_size?}`: the distinct values tasks
/// give a hyperparameter, in numeric order where they are numbers.
pub async fn get_hyperparam_values(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let section = req.str("section")?;
    let name = req.str("name")?;
    let mut ids = req.str_list("projects")?;
    if !ids.is_empty() && req.bool_or("include_subprojects", true)? {
        ids = projects::with_subprojects(state, actor, &ids).await?;
    }
    let pattern = req.opt_str("pattern")?.map(|p| query_regex(&p)).transpose()?;
    let f = TaskFilter { projects: ids, page_size: i64::MAX, ..TaskFilter::default() };
    let mut values: Vec<Value> = ops::tasks::query(state, actor, &f)
        .await?
        .0
        .iter()
        .filter_map(|t| t.hyperparams.get(&section).and_then(|s| s.get(&name)).map(|h| h.value.clone()))
        .filter(|v| pattern.as_ref().is_none_or(|re| re.is_match(v)))
        .map(Value::String)
        .collect();
    query::sort_values(&mut values);
    values.dedup();
    Ok(json!({"total": values.len(), "values": values}))
}

/// `projects.get_unique_metric_variants {project?, include_subprojects?}`:
/// every (metric, variant) the tasks report scalars under.
pub async fn get_unique_metric_variants(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut ids: Vec<String> = req.opt_str("project")?.into_iter().collect();
    ids.extend(req.str_list("projects")?);
    if !ids.is_empty() && req.bool_or("include_subprojects", true)? {
        ids = projects::with_subprojects(state, actor, &ids).await?;
    }
    let f = TaskFilter { ids: req.str_list("ids")?, projects: ids, page_size: i64::MAX, ..TaskFilter::default() };
    let tasks: Vec<String> = ops::tasks::query(state, actor, &f).await?.0.into_iter().map(|t| t.id).collect();
    let summaries = state.store.metric_summaries_of(&tasks).await?;
    let mut pairs: Vec<(String, String)> =
        summaries.values().flatten().map(|m| (m.metric.clone(), m.variant.clone())).collect();
    pairs.sort();
    pairs.dedup();
    let metrics: Vec<Value> = pairs
        .into_iter()
        .map(|(metric, variant)| {
            json!({
                "metric": metric, "variant": variant,
                "metric_hash": wire::md5_hex(&metric), "variant_hash": wire::md5_hex(&variant),
            })
        })
        .collect();
    Ok(json!({"metrics": metrics}))
}

/// The models a metadata request covers: those of `project` (with its
/// sub-projects unless `include_subprojects` is false); without a project,
/// every model, or only those outside any project.
async fn metadata_models(state: &AppState, actor: &Actor, req: &Req) -> AppResult<Vec<crate::model::Model>> {
    let subprojects = req.bool_or("include_subprojects", true)?;
    let projects = match req.opt_str("project")? {
        Some(p) if subprojects => projects::with_subprojects(state, actor, &[p]).await?,
        Some(p) => vec![p],
        None => Vec::new(),
    };
    let top_level_only = projects.is_empty() && !subprojects;
    let f = ModelFilter { projects, page_size: i64::MAX, ..ModelFilter::default() };
    let models = state.store.query_models(&f).await?;
    Ok(models.into_iter().filter(|m| !top_level_only || m.project.is_none()).collect())
}

/// `projects.get_model_metadata_keys {project?, include_subprojects?}`:
/// the metadata keys of the models.
pub async fn get_model_metadata_keys(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut keys: Vec<String> = metadata_models(state, actor, &req)
        .await?
        .into_iter()
        .flat_map(|m| m.metadata.into_iter().map(|(k, _)| k))
        .collect();
    keys.sort();
    keys.dedup();
    Ok(json!({"total": keys.len(), "keys": keys}))
}

/// `projects.get_model_metadata_values {key, project?, include_subprojects?}`:
/// the distinct values the models give a metadata key.
pub async fn get_model_metadata_values(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let key = req.str("key")?;
    let mut values: Vec<Value> = metadata_models(state, actor, &req)
        .await?
        .into_iter()
        .filter_map(|m| m.metadata.get(&key).and_then(|item| item.get("value")).cloned())
        .collect();
    query::sort_values(&mut values);
    values.dedup();
    Ok(json!({"total": values.len(), "values": values}))
}

/// `projects.get_hyper_parameters {project(s)?, include_subprojects?,
/// page?, page_size?}`: every (section, name) the tasks use, sorted.
pub async fn get_hyper_parameters(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut ids: Vec<String> = req.opt_str("project")?.into_iter().collect();
    ids.extend(req.str_list("projects")?);
    if !ids.is_empty() && req.bool_or("include_subprojects", true)? {
        ids = projects::with_subprojects(state, actor, &ids).await?;
    }
    let f = TaskFilter { projects: ids, page_size: i64::MAX, ..TaskFilter::default() };
    let mut pairs: Vec<(String, String)> = ops::tasks::query(state, actor, &f)
        .await?
        .0
        .iter()
        .flat_map(|t| t.hyperparams.iter().flat_map(|(s, items)| items.keys().map(move |n| (s.clone(), n.clone()))))
        .collect();
    pairs.sort();
    pairs.dedup();
    let (start, size) = query::window(&req, None)?;
    let total = pairs.len();
    let page: Vec<Value> = pairs
        .into_iter()
        .skip(start)
        .take(size)
        .map(|(section, name)| json!({"section": section, "name": name}))
        .collect();
    let remaining = total.saturating_sub(start + page.len());
    Ok(json!({"total": total, "remaining": remaining, "parameters": page}))
}

fn query_regex(p: &str) -> AppResult<regex::Regex> {
    regex::RegexBuilder::new(p)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| AppError::invalid(format!("invalid regular expression in 'pattern': {e}")))
}

/// The optional fields of `projects.create`/`projects.update`.
fn project_patch(req: &Req) -> AppResult<ProjectPatch> {
    let list =
        |k: &str| -> AppResult<Option<Vec<String>>> { Ok(if req.has(k) { Some(req.str_list(k)?) } else { None }) };
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

/// `projects.update`: `name` (the full path; renaming keeps the parent,
/// `projects.move` changes it) and the other fields of [`project_patch`],
/// echoed back.
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

/// `projects.merge {project, destination_project?}`.
pub async fn merge(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let source = req.str("project")?;
    let destination = req.opt_str("destination_project")?.filter(|d| !d.is_empty());
    let done = projects::merge(state, actor, &source, destination.as_deref()).await?;
    Ok(json!({"moved_entities": done.entities, "moved_projects": done.projects}))
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
        "deleted_models": done.deleted_models,
        "urls": {"model_urls": done.model_urls, "event_urls": [], "artifact_urls": done.artifact_urls},
    }))
}
