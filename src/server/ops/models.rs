//! Models: trained weights a task registered, stored at a URI.

use super::tasks::modify;
use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::model::{ModelDetail, ModelPatch};
use crate::model::task::ModelLink;
use crate::model::{Model, Task};
use crate::server::clock::{iso, new_id, now_ms};
use crate::server::files::media_url;
use crate::server::state::AppState;
use crate::server::store::ModelFilter;
use serde_json::Value;

/// One model.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Model> {
    lookup::model(state, id).await
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
    let mut m = get(state, actor, id).await?;
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
    let m = get(state, actor, id).await?;
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

/// What happens to a task's output models when the task is reset or
/// deleted with `delete_output_models`, as on ClearML's server: a draft
/// model is deleted (its URI answered, for the caller to remove the file),
/// a published one stays and only forgets the task. Answers the URIs.
pub async fn drop_task_outputs(state: &AppState, _actor: &Actor, task: &Task) -> AppResult<Vec<String>> {
    let mut urls = Vec::new();
    for link in &task.models.output {
        let Some(mut m) = state.store.get_model(&link.model).await? else { continue };
        if m.ready {
            if m.task.as_deref() == Some(task.id.as_str()) {
                m.task = None;
                state.store.update_model(&m).await?;
            }
        } else if state.store.delete_model(&m.id).await? {
            urls.push(m.uri);
        }
    }
    Ok(urls)
}

/// `models.delete`. Answers the model as it was.
pub async fn delete(state: &AppState, actor: &Actor, id: &str, force: bool) -> AppResult<Model> {
    let m = get(state, actor, id).await?;
    // The task that made it forgets it; a published task (which keeps its
    // record) only when forced, and then it shows the model as deleted.
    if let Some(t) = m.task.as_deref() {
        if let Some(task) = state.store.get_task(t).await? {
            let published = task.status == crate::model::TaskStatus::Published;
            if published && !force {
                return Err(AppError::ModelCreatingTaskExists { id: m.id, task: task.id });
            }
            let gone = format!("__DELETED__{id}");
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
    let mut m = get(state, actor, id).await?;
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
    let mut m = get(state, actor, id).await?;
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
