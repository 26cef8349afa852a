//! Models: trained weights a task registered, stored at a URI.

use super::tasks::modify;
use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::model::{ModelAction, ModelDetail, ModelPatch, ModelQuery, ModelSort, ModelState, ModelTable};
use crate::model::table::ActionReport;
use crate::model::task::ModelLink;
use crate::model::{Model, Task, TaskStatus};
use crate::server::clock::{iso, new_id, now_ms};
use crate::server::files::media_url;
use crate::server::state::AppState;
use crate::server::store::{ModelFilter, TaskFilter};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One model.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Model> {
    lookup::model(state, id).await
}

/// The model, for a change: a public one is not found for writing (400/201,
/// as ClearML's server answers).
async fn writable(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Model> {
    let m = lookup::model(state, id).await?;
    if m.public {
        return Err(AppError::not_found(crate::error::Noun::Model, id));
    }
    Ok(m)
}

/// `models.make_public` (`public`) / `make_private`: answers how many changed.
pub async fn set_public(state: &AppState, _actor: &Actor, ids: &[String], public: bool) -> AppResult<u64> {
    let f = ModelFilter { ids: ids.to_vec(), page_size: i64::MAX, ..ModelFilter::default() };
    let current: Vec<(String, bool)> =
        state.store.query_models(&f).await?.into_iter().map(|m| (m.id, m.public)).collect();
    lookup::check_sharing(crate::error::Noun::Model, ids, &current, public)?;
    state.store.set_models_public(ids, public).await
}

/// A page of models.
pub async fn query(state: &AppState, _actor: &Actor, filter: &ModelFilter) -> AppResult<Vec<Model>> {
    state.store.query_models(filter).await
}

/// Refuses a patch that blanks the name or names a missing project.
async fn check(state: &AppState, patch: &ModelPatch) -> AppResult<()> {
    if patch.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(AppError::invalid("model name must not be empty"));
    }
    lookup::require_project(state, patch.project.as_deref()).await
}

/// `models.create`: a model owned by the actor. Answers its id.
pub async fn create(state: &AppState, actor: &Actor, patch: &ModelPatch) -> AppResult<String> {
    if patch.name.is_none() {
        return Err(AppError::missing("name"));
    }
    check(state, patch).await?;
    let now = now_ms();
    let mut m = Model { id: new_id(), user: actor.user.clone(), created: now, last_update: now, ..Model::default() };
    patch.apply(&mut m);
    state.store.insert_model(&m).await?;
    Ok(m.id)
}

/// `models.edit` and `models.update`.
pub async fn edit(state: &AppState, actor: &Actor, id: &str, patch: &ModelPatch) -> AppResult<Model> {
    check(state, patch).await?;
    let mut m = writable(state, actor, id).await?;
    patch.apply(&mut m);
    m.last_update = now_ms();
    state.store.update_model(&m).await?;
    Ok(m)
}

/// `models.set_ready`: publishes a model.
pub async fn set_ready(
    state: &AppState,
    actor: &Actor,
    id: &str,
    publish_task: bool,
    force_publish_task: bool,
) -> AppResult<Option<String>> {
    let m = writable(state, actor, id).await?;
    if m.ready {
        return Err(AppError::ModelIsReady { id: m.id });
    }
    // The task that made it is published with it, unless it is published
    // already; a running one only when forced (else 400/110, and the model
    // stays a draft).
    let mut published_task = None;
    if let Some(task) = m.task.as_deref().filter(|_| publish_task) {
        if let Some(t) = state.store.get_task(task).await? {
            if t.status != crate::model::TaskStatus::Published {
                super::tasks::publish(state, actor, task, force_publish_task, false).await?;
                published_task = Some(t.id);
            }
        }
    }
    let patch = ModelPatch { ready: Some(true), ..ModelPatch::default() };
    edit(state, actor, id, &patch).await?;
    Ok(published_task)
}

/// What a reference to a deleted task or model becomes: this and its id
/// (ClearML's convention, which its clients recognise).
pub const DELETED_PREFIX: &str = "__DELETED__";

/// What a task's reset or deletion did to its models and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// The URIs of the draft models deleted (for the caller to remove).
    pub model_urls: Vec<String>,
    pub deleted_models: usize,
    /// Published models that now name the deleted task as `__DELETED__<id>`.
    pub updated_models: usize,
    /// Children that now name the deleted parent as `__DELETED__<id>`.
    pub updated_children: usize,
    /// The URIs of the task's output artifacts (for the caller to remove).
    pub artifact_urls: Vec<String>,
}

/// The models a task made (their `task` is it) or lists as outputs,
/// ready (published) ones first.
async fn models_of_task(state: &AppState, task: &Task) -> AppResult<(Vec<Model>, Vec<Model>)> {
    let f = ModelFilter { tasks: vec![task.id.clone()], page_size: i64::MAX, ..ModelFilter::default() };
    let mut models = state.store.query_models(&f).await?;
    for link in &task.models.output {
        if models.iter().all(|m| m.id != link.model) {
            if let Some(m) = state.store.get_model(&link.model).await? {
                models.push(m);
            }
        }
    }
    Ok(models.into_iter().partition(|m| m.ready))
}

/// What a task's reset (`deleting: false`) or deletion does to what hangs
/// off it, as ClearML's server does: without `force`, published children
/// or published models refuse it (400/123) before anything changes. Then,
/// with `delete_output_models`, its draft models are deleted (their URIs
/// answered); every other model of it forgets the task (on deletion it
/// names `__DELETED__<id>`, as do the task's children).
pub async fn clean_task(
    state: &AppState,
    actor: &Actor,
    task: &Task,
    force: bool,
    deleting: bool,
    delete_output_models: bool,
) -> AppResult<Cleanup> {
    let children = TaskFilter { parents: vec![task.id.clone()], page_size: i64::MAX, ..TaskFilter::default() };
    let (children, _) = state.store.query_tasks(&children).await?;
    let (published, drafts) = models_of_task(state, task).await?;
    if !force {
        let published_children = children.iter().filter(|c| c.status == TaskStatus::Published).count();
        if published_children > 0 {
            return Err(AppError::TaskCannotBeDeleted {
                id: task.id.clone(),
                reason: format!("has {published_children} published children"),
            });
        }
        if !published.is_empty() {
            return Err(AppError::TaskCannotBeDeleted {
                id: task.id.clone(),
                reason: format!("has {} published output models", published.len()),
            });
        }
    }
    let gone = format!("{DELETED_PREFIX}{}", task.id);
    let mut done = Cleanup { artifact_urls: task.output_artifact_urls(), ..Cleanup::default() };
    if deleting {
        for child in &children {
            super::tasks::modify(state, actor, &child.id, |c| {
                c.parent = Some(gone.clone());
                Ok(())
            })
            .await?;
            done.updated_children += 1;
        }
    }
    // A draft another task takes as input stays (it only forgets the task).
    let draft_ids: Vec<String> = drafts.iter().map(|m| m.id.clone()).collect();
    let users = if draft_ids.is_empty() || !delete_output_models {
        Vec::new()
    } else {
        let f = TaskFilter { input_models: draft_ids, page_size: i64::MAX, ..TaskFilter::default() };
        state.store.query_tasks(&f).await?.0
    };
    let used = |m: &Model| users.iter().any(|t| t.id != task.id && t.models.input.iter().any(|l| l.model == m.id));
    let (in_use, drafts): (Vec<Model>, Vec<Model>) = drafts.into_iter().partition(|m| used(m));
    let (deleted, kept) =
        if delete_output_models { (drafts, published) } else { (Vec::new(), [published, drafts].concat()) };
    for mut m in in_use {
        m.task = None;
        m.last_update = now_ms();
        state.store.update_model(&m).await?;
    }
    for m in deleted {
        if state.store.delete_model(&m.id).await? {
            done.deleted_models += 1;
            if !m.uri.is_empty() {
                done.model_urls.push(m.uri);
            }
        }
    }
    for mut m in kept {
        if m.task.as_deref() == Some(task.id.as_str()) {
            m.task = deleting.then(|| gone.clone());
            m.last_update = now_ms();
            state.store.update_model(&m).await?;
            done.updated_models += usize::from(deleting);
        }
    }
    Ok(done)
}

/// `models.delete`. Answers the model as it was.
pub async fn delete(state: &AppState, actor: &Actor, id: &str, force: bool) -> AppResult<Model> {
    let m = writable(state, actor, id).await?;
    // The task that made it forgets it; a published task (which keeps its
    // record) only when forced, and then it shows the model as deleted.
    if let Some(t) = m.task.as_deref() {
        if let Some(task) = state.store.get_task(t).await? {
            let published = task.status == crate::model::TaskStatus::Published;
            if published && !force {
                return Err(AppError::ModelCreatingTaskExists { id: m.id, task: task.id });
            }
            let gone = format!("{DELETED_PREFIX}{id}");
            modify(state, actor, t, |t| {
                if published {
                    t.models.output.iter_mut().filter(|l| l.model == id).for_each(|l| l.model.clone_from(&gone));
                } else {
                    t.models.output.retain(|l| l.model != id);
                }
                Ok(())
            })
            .await?;
        }
    }
    state.store.delete_model(id).await?;
    Ok(m)
}

/// `models.archive_many` / `unarchive_many`: answers the ids changed and
/// those that name no model.
pub async fn set_archived(
    state: &AppState,
    _actor: &Actor,
    ids: &[String],
    archived: bool,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let (mut changed, mut missing) = (Vec::new(), Vec::new());
    for id in ids {
        match state.store.get_model(id).await? {
            Some(mut m) => {
                m.set_archived(archived);
                m.last_update = now_ms();
                state.store.update_model(&m).await?;
                changed.push(id.clone());
            }
            None => missing.push(id.clone()),
        }
    }
    Ok((changed, missing))
}

/// `models.add_or_update_metadata`: items `{key, type, value}` by key;
/// `replace` drops the others first.
pub async fn add_or_update_metadata(
    state: &AppState,
    actor: &Actor,
    id: &str,
    items: &[Value],
    replace: bool,
) -> AppResult<()> {
    let mut m = writable(state, actor, id).await?;
    if replace {
        m.metadata.clear();
    }
    for item in items {
        let key =
            item.get("key").and_then(Value::as_str).ok_or_else(|| AppError::invalid("metadata items need a 'key'"))?;
        m.metadata.insert(key.to_string(), item.clone());
    }
    m.last_update = now_ms();
    state.store.update_model(&m).await
}

/// `models.delete_metadata`: removes these keys.
pub async fn delete_metadata(state: &AppState, actor: &Actor, id: &str, keys: &[String]) -> AppResult<()> {
    let mut m = writable(state, actor, id).await?;
    for k in keys {
        m.metadata.remove(k);
    }
    m.last_update = now_ms();
    state.store.update_model(&m).await
}

/// What `models.update_for_task` sets on the task's output model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskModelUpdate {
    /// Overwrite this model rather than register a new one.
    pub model: Option<String>,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub tags: Option<Vec<String>>,
    /// The iteration it was saved at: the task's `last_iteration` reaches it.
    pub iteration: Option<i64>,
}

/// `models.update_for_task`: registers (or overwrites) a task's output
/// model and links it to the task. Answers its id and whether it is new.
pub async fn update_for_task(
    state: &AppState,
    actor: &Actor,
    task_id: &str,
    update: &TaskModelUpdate,
) -> AppResult<(String, bool)> {
    let task = lookup::task(state, task_id).await?;
    let now = now_ms();
    let (mut m, created) = match &update.model {
        Some(id) => (get(state, actor, id).await?, false),
        None => (
            Model {
                id: new_id(),
                name: task.name.clone(),
                // A new output model is of the framework its task names.
                framework: task.execution_extra.get("framework").and_then(Value::as_str).map(str::to_string),
                project: task.project.clone(),
                task: Some(task_id.to_string()),
                user: actor.user.clone(),
                created: now,
                ..Model::default()
            },
            true,
        ),
    };
    for (value, given) in [(&mut m.uri, &update.uri), (&mut m.name, &update.name), (&mut m.comment, &update.comment)] {
        if let Some(v) = given {
            value.clone_from(v);
        }
    }
    if let Some(tags) = &update.tags {
        m.tags.clone_from(tags);
    }
    m.last_update = now;
    if created {
        state.store.insert_model(&m).await?;
    } else {
        state.store.update_model(&m).await?;
    }
    let (model_id, name) = (m.id.clone(), m.name.clone());
    modify(state, actor, task_id, |t| {
        if let Some(i) = update.iteration {
            t.last_iteration = t.last_iteration.max(i);
        }
        let link = ModelLink { name: name.clone(), model: model_id.clone(), updated: Some(iso(now)) };
        match t.models.output.iter_mut().find(|l| l.model == model_id || l.name == name) {
            Some(l) => *l = link,
            None => t.models.output.push(link),
        }
        Ok(())
    })
    .await?;
    Ok((m.id, created))
}

/// Everything the model page shows: the model, its project, the task that
/// made it, and where the browser downloads the weights.
pub async fn detail(state: &AppState, actor: &Actor, id: &str) -> AppResult<ModelDetail> {
    let model = get(state, actor, id).await?;
    let project = match model.project.as_deref() {
        Some(p) => state.store.get_project(p).await?,
        None => None,
    };
    let creator = match &model.task {
        Some(t) => state.store.get_task(t).await?.map(|t| (t.id, t.name)),
        None => None,
    };
    let download = (!model.uri.is_empty()).then(|| media_url(state, &model.uri));
    Ok(ModelDetail { model, project, creator, download })
}

/// A page of the models table: the rows with their project and task names,
/// the total it was cut from, and the frameworks and tags its filters offer.
pub async fn table(state: &AppState, actor: &Actor, query: &ModelQuery) -> AppResult<ModelTable> {
    use crate::model::model::{ModelRow, MODEL_PAGE_SIZE};
    use crate::server::store::TagFilter;
    let projects: Vec<String> = query.project.iter().cloned().collect();
    let archived = vec![crate::model::ARCHIVED.to_string()];
    let system_tags = if query.archived {
        TagFilter { all: archived, ..TagFilter::default() }
    } else {
        TagFilter { none: archived, ..TagFilter::default() }
    };
    let filter = ModelFilter {
        projects: projects.clone(),
        name_regex: Some(regex::escape(query.search.trim())).filter(|s| !s.is_empty()),
        ready: query.state.map(|s| s == ModelState::Published),
        framework: Some(query.framework.clone()).filter(|f| !f.is_empty()),
        tags: TagFilter {
            all: Some(query.tag.clone()).filter(|t| !t.is_empty()).into_iter().collect(),
            ..TagFilter::default()
        },
        system_tags,
        sort: Some(query.sort),
        oldest_first: query.ascending,
        page: query.page,
        page_size: MODEL_PAGE_SIZE,
        ..ModelFilter::default()
    };
    let models = state.store.query_models(&filter).await?;
    let total = state.store.count_models(&filter).await?;
    // The pickers offer what the newest models of this scope use.
    let scope = ModelFilter { projects, page_size: 1_000, sort: Some(ModelSort::Updated), ..ModelFilter::default() };
    let recent = state.store.query_models(&scope).await?;
    let frameworks: BTreeSet<String> =
        recent.iter().filter_map(|m| m.framework.clone()).filter(|f| !f.is_empty()).collect();
    let tags: BTreeSet<String> = recent.iter().flat_map(|m| m.tags.iter().cloned()).collect();

    let project_names: BTreeMap<String, String> =
        super::projects::list(state, actor).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let task_ids: Vec<String> =
        models.iter().filter_map(|m| m.task.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let task_names: BTreeMap<String, String> = if task_ids.is_empty() {
        BTreeMap::new()
    } else {
        let f = TaskFilter {
            page_size: i64::try_from(task_ids.len()).unwrap_or(i64::MAX),
            ids: task_ids,
            ..TaskFilter::default()
        };
        state.store.query_tasks(&f).await?.0.into_iter().map(|t| (t.id, t.name)).collect()
    };
    let rows = models
        .into_iter()
        .map(|model| ModelRow {
            project_name: model.project.as_ref().and_then(|p| project_names.get(p)).cloned(),
            task_name: model.task.as_ref().and_then(|t| task_names.get(t)).cloned(),
            model,
        })
        .collect();
    Ok(ModelTable { rows, total, frameworks: frameworks.into_iter().collect(), tags: tags.into_iter().collect() })
}

/// Runs a models-table action on the selected models: those it does not
/// apply to are reported as skipped, with why. Answers what it did.
pub async fn run_action(
    state: &AppState,
    actor: &Actor,
    action: ModelAction,
    ids: &[String],
) -> AppResult<ActionReport> {
    let mut report = ActionReport::default();
    for id in ids {
        // One model that cannot be changed (gone, shared, published
        // meanwhile) is reported; the others are still done.
        let m = match lookup::model(state, id).await {
            Ok(m) => m,
            Err(e) => {
                report.skipped.push(format!("{id}: {}", e.user_message()));
                continue;
            }
        };
        if let Some(why) = action.refusal(&m) {
            report.skipped.push(format!("{}: {why}", m.name));
            continue;
        }
        let done = match action {
            ModelAction::Publish => set_ready(state, actor, id, false, false).await.map(|_| ()),
            ModelAction::Archive | ModelAction::Restore => {
                set_archived(state, actor, std::slice::from_ref(id), action == ModelAction::Archive).await.map(|_| ())
            }
        };
        match done {
            Ok(()) => report.applied += 1,
            Err(e) => report.skipped.push(format!("{}: {}", m.name, e.user_message())),
        }
    }
    Ok(report)
}
