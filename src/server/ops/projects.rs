//! Projects: nested folders of tasks and models, addressed by full path
//! (`main/sub/subsub`). A rename keeps the parent; a move changes it; both
//! carry the sub-projects along. A project with contents is deleted only
//! when the caller says what happens to them.

use super::tasks::modify;
use super::{lookup, Actor};
use crate::error::{AppError, AppResult, Noun};
use crate::model::project::{
    check_project_name, parent_path, ProjectContents, ProjectDeletion, ProjectHolds, ProjectOverview, ProjectUsage,
    SnapshotPoint, SNAPSHOT_TASKS,
};
use crate::model::table::TableQuery;
use crate::model::{Project, ProjectSummary};
use crate::model::{ALL_STATUSES, ARCHIVED};
use crate::server::state::AppState;
use crate::server::store::{ModelFilter, TaskFilter};

/// Every project, ordered by full name.
pub async fn list(state: &AppState, _actor: &Actor) -> AppResult<Vec<Project>> {
    state.store.list_projects().await
}

/// Every project with its task counts, ordered by full name.
pub async fn summaries(state: &AppState, _actor: &Actor) -> AppResult<Vec<ProjectSummary>> {
    state.store.project_summaries().await
}

/// One project.
pub async fn get(state: &AppState, _actor: &Actor, id: &str) -> AppResult<Project> {
    lookup::project(state, id).await
}

/// What `projects.get_all` asks for.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    pub ids: Vec<String>,
    /// Matched against the full name.
    pub name: Option<regex::Regex>,
    /// Include projects with the `hidden` system tag.
    pub search_hidden: bool,
    pub page: i64,
    pub page_size: usize,
}

/// The projects a query matches, one page, with every project (for paths).
pub async fn query(state: &AppState, actor: &Actor, q: &ProjectQuery) -> AppResult<(Vec<Project>, Vec<Project>)> {
    let all = list(state, actor).await?;
    let start = usize::try_from(q.page.max(0)).unwrap_or(usize::MAX).saturating_mul(q.page_size);
    let page: Vec<Project> = all
        .iter()
        .filter(|p| q.ids.is_empty() || q.ids.contains(&p.id))
        .filter(|p| q.name.as_ref().is_none_or(|re| re.is_match(&p.name)))
        .filter(|p| q.search_hidden || !p.system_tags.iter().any(|t| t == "hidden"))
        .skip(start)
        .take(q.page_size)
        .cloned()
        .collect();
    Ok((page, all))
}

/// The fields of a project besides its name that `projects.create` and
/// `projects.update` set; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPatch {
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    /// `Some(None)` clears it.
    pub default_output_destination: Option<Option<String>>,
}

impl ProjectPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == ProjectPatch::default()
    }

    /// `p` with the patch applied.
    fn apply(&self, mut p: Project) -> Project {
        if let Some(d) = &self.description {
            p.description.clone_from(d);
        }
        if let Some(t) = &self.tags {
            p.tags = dedup(t);
        }
        if let Some(t) = &self.system_tags {
            p.system_tags = dedup(t);
        }
        if let Some(d) = &self.default_output_destination {
            p.default_output_destination.clone_from(d);
        }
        p
    }
}

/// Tags in their first order, each once.
fn dedup(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// `projects.create`: the name is the full path, its parents created as
/// needed; a taken name is 400/801. Dataset and pipeline projects come with
/// the `hidden` system tag, which keeps them out of the usual lists.
pub async fn create(state: &AppState, actor: &Actor, name: &str, patch: &ProjectPatch) -> AppResult<Project> {
    let name = check_project_name(name)?;
    if list(state, actor).await?.iter().any(|p| p.name == name) {
        return Err(AppError::duplicate(Noun::Project, &name));
    }
    let p = state.store.ensure_project(&name, patch.description.as_deref().unwrap_or_default()).await?;
    if patch.is_empty() {
        return Ok(p);
    }
    let p = patch.apply(p);
    state.store.update_project(&p).await?;
    Ok(p)
}

/// The project with this full name, created (with its parents) if missing.
pub async fn ensure(state: &AppState, _actor: &Actor, name: &str) -> AppResult<Project> {
    lookup::ensure_project(state, name).await
}

/// `projects.update`: a new full path (`name`, keeping the parent) and the
/// fields of `patch`. Answers the project as updated.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: &str,
    name: Option<&str>,
    patch: &ProjectPatch,
) -> AppResult<Project> {
    let mut p = get(state, actor, id).await?;
    if p.public {
        return Err(lookup::read_only("project", id));
    }
    if let Some(name) = name {
        p = rename(state, actor, id, name).await?;
    }
    if patch.is_empty() {
        return Ok(p);
    }
    let p = patch.apply(p);
    state.store.update_project(&p).await?;
    Ok(p)
}

/// Renames a project in place: `name` is the new full path and must keep
/// the parent (400/408 otherwise; moving is [`move_under`]). Sub-projects
/// are renamed along.
pub async fn rename(state: &AppState, actor: &Actor, id: &str, name: &str) -> AppResult<Project> {
    let p = get(state, actor, id).await?;
    if p.public {
        return Err(lookup::read_only("project", id));
    }
    let name = check_project_name(name)?;
    if parent_path(&name) != parent_path(&p.name) {
        return Err(AppError::ProjectLocation {
            message: format!("renaming '{}' to '{name}' would change its parent", p.name),
        });
    }
    if name == p.name {
        return Ok(p);
    }
    state.store.relocate_project(id, &name).await
}

/// Renames a project to a new last segment, keeping its parent.
pub async fn rename_basename(state: &AppState, actor: &Actor, id: &str, new_basename: &str) -> AppResult<Project> {
    let new_basename = new_basename.trim();
    crate::model::check_name("project", new_basename).map_err(AppError::invalid)?;
    if new_basename.contains('/') {
        return Err(AppError::invalid("a project's name must not contain '/': use Move to change its parent"));
    }
    let p = get(state, actor, id).await?;
    let name = match parent_path(&p.name) {
        Some(parent) => format!("{parent}/{new_basename}"),
        None => new_basename.to_string(),
    };
    rename(state, actor, id, &name).await
}

/// `projects.move`: puts the project (with its sub-projects) under
/// `new_location`, a full path created if missing ("" for the top level).
/// Answers how many projects moved and the project as moved.
pub async fn move_under(state: &AppState, actor: &Actor, id: &str, new_location: &str) -> AppResult<(usize, Project)> {
    let p = get(state, actor, id).await?;
    if p.public {
        return Err(lookup::read_only("project", id));
    }
    let location = new_location.trim().trim_matches('/');
    let new_path = if location.is_empty() { p.basename.clone() } else { format!("{location}/{}", p.basename) };
    let new_path = check_project_name(&new_path)?;
    let prefix = format!("{}/", p.name);
    let moved = list(state, actor).await?.iter().filter(|q| q.id == p.id || q.name.starts_with(&prefix)).count();
    Ok((moved, state.store.relocate_project(id, &new_path).await?))
}

/// `projects.make_public` (`public`) / `make_private`: answers how many
/// changed.
pub async fn set_public(state: &AppState, actor: &Actor, ids: &[String], public: bool) -> AppResult<u64> {
    let current: Vec<(String, bool)> = list(state, actor).await?.into_iter().map(|p| (p.id, p.public)).collect();
    lookup::check_sharing(Noun::Project, ids, &current, public)?;
    state.store.set_projects_public(ids, public).await
}

/// What `projects.merge` moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Tasks and models (not archived ones) moved to the destination.
    pub entities: usize,
    /// Direct sub-projects moved (with theirs) under the destination.
    pub projects: usize,
}

/// `projects.merge`: moves the source's tasks and models that are not
/// archived, and its sub-projects (with theirs), into `destination` (the
/// top level when `None`), then deletes the source. Archived contents are
/// left without a project (ClearML's server leaves them naming the deleted
/// source).
pub async fn merge(state: &AppState, actor: &Actor, source: &str, destination: Option<&str>) -> AppResult<Merged> {
    if destination == Some(source) {
        return Err(AppError::ProjectMerge {
            message: format!("{source} is both source and destination"),
            into_child: false,
        });
    }
    let src = get(state, actor, source).await?;
    if src.public {
        return Err(lookup::read_only("project", source));
    }
    let dest = match destination {
        Some(id) => Some(get(state, actor, id).await?),
        None => None,
    };
    if let Some(d) = &dest {
        if d.name.starts_with(&format!("{}/", src.name)) {
            return Err(AppError::ProjectMerge {
                message: format!("'{}' is inside '{}'", d.name, src.name),
                into_child: true,
            });
        }
    }
    let target = dest.as_ref().map(|d| d.id.clone());
    let store = &state.store;
    let (tasks, models) = store.project_contents(std::slice::from_ref(&src.id)).await?;
    let mut done = Merged::default();
    for task in &tasks {
        let (moved, _) = modify(state, actor, task, |t| {
            let active = !t.is_archived();
            t.project = if active { target.clone() } else { None };
            Ok(active)
        })
        .await?;
        done.entities += usize::from(moved);
    }
    for model in &models {
        if let Some(mut m) = store.get_model(model).await? {
            let active = !m.is_archived();
            m.project = if active { target.clone() } else { None };
            store.update_model(&m).await?;
            done.entities += usize::from(active);
        }
    }
    let children: Vec<Project> =
        list(state, actor).await?.into_iter().filter(|q| q.parent.as_deref() == Some(src.id.as_str())).collect();
    for child in &children {
        let path = match &dest {
            Some(d) => format!("{}/{}", d.name, child.basename),
            None => child.basename.clone(),
        };
        store.relocate_project(&child.id, &path).await?;
        done.projects += 1;
    }
    if !store.delete_empty_project(&src.id).await? {
        return Err(AppError::invalid(format!("'{}' got new contents while it was merged: merge it again", src.name)));
    }
    Ok(done)
}

/// These projects and every project below them (ids; unknown ids kept).
pub async fn with_subprojects(state: &AppState, actor: &Actor, ids: &[String]) -> AppResult<Vec<String>> {
    let all = list(state, actor).await?;
    let mut out: Vec<String> = ids.to_vec();
    for root in all.iter().filter(|p| ids.contains(&p.id)) {
        for p in subtree(root, &all) {
            if !out.contains(&p.id) {
                out.push(p.id.clone());
            }
        }
    }
    Ok(out)
}

/// A project and every project below it, deepest first.
fn subtree<'a>(root: &'a Project, all: &'a [Project]) -> Vec<&'a Project> {
    let prefix = format!("{}/", root.name);
    let mut out: Vec<&Project> = all.iter().filter(|p| p.id == root.id || p.name.starts_with(&prefix)).collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.name.matches('/').count()));
    out
}

/// What a project and its sub-projects hold.
async fn usage_of(state: &AppState, projects: &[&Project]) -> AppResult<ProjectUsage> {
    let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
    let filter = TaskFilter { projects: ids.clone(), page_size: i64::MAX, ..TaskFilter::default() };
    let (tasks, _) = state.store.query_tasks(&filter).await?;
    let models =
        state.store.query_models(&ModelFilter { projects: ids, page_size: i64::MAX, ..ModelFilter::default() }).await?;
    let tagged = |p: &Project, tag: &str| p.system_tags.iter().any(|t| t == tag);
    let live =
        |p: &Project| tasks.iter().filter(|t| t.project.as_deref() == Some(p.id.as_str()) && !t.is_archived()).count();
    Ok(ProjectUsage {
        tasks: tasks.len(),
        non_archived_tasks: tasks.iter().filter(|t| !t.is_archived()).count(),
        models: models.len(),
        non_archived_models: models.iter().filter(|m| !m.system_tags.iter().any(|t| t == ARCHIVED)).count(),
        datasets: projects.iter().filter(|p| tagged(p, "dataset") && live(p) > 0).count(),
        pipelines: projects.iter().filter(|p| tagged(p, "pipeline") && live(p) > 0).count(),
    })
}

/// `projects.validate_delete`: what deleting a project (with its
/// sub-projects) would take with it.
pub async fn usage(state: &AppState, actor: &Actor, id: &str) -> AppResult<ProjectUsage> {
    let all = list(state, actor).await?;
    let p = all.iter().find(|p| p.id == id).ok_or_else(|| AppError::not_found(Noun::Project, id))?;
    usage_of(state, &subtree(p, &all)).await
}

/// `projects.delete`: deletes a project and its sub-projects. One holding
/// unarchived tasks or models, datasets or pipelines is refused (400/402,
/// 405, 406, 413) unless `contents` says what happens to them: deleted,
/// moved to another project, or left without a project as ClearML does.
/// Archived contents alone are left without a project.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    id: &str,
    contents: &ProjectContents,
) -> AppResult<ProjectDeletion> {
    let all = list(state, actor).await?;
    let p = all.iter().find(|p| p.id == id).ok_or_else(|| AppError::not_found(Noun::Project, id))?;
    if p.public {
        return Err(lookup::read_only("project", id));
    }
    let doomed = subtree(p, &all);
    let doomed_ids: Vec<String> = doomed.iter().map(|d| d.id.clone()).collect();
    let store = &state.store;
    let (tasks, models) = store.project_contents(&doomed_ids).await?;
    let contents = match contents {
        ProjectContents::Keep => {
            if let Some((holds, count)) = usage_of(state, &doomed).await?.blocking() {
                return Err(AppError::ProjectNotEmpty { name: p.name.clone(), holds, count });
            }
            // Only archived contents: they are left without a project.
            &ProjectContents::Detach
        }
        other => other,
    };
    let target = match contents {
        ProjectContents::MoveTo(path) if path.trim().is_empty() => {
            return Err(AppError::invalid("say which project the contents go to"))
        }
        ProjectContents::MoveTo(path) => {
            let target = lookup::ensure_project(state, path).await?;
            if doomed_ids.contains(&target.id) {
                return Err(AppError::invalid(format!("cannot move the contents into '{path}': it is being deleted")));
            }
            Some(target.id)
        }
        _ => None,
    };
    let delete_contents = *contents == ProjectContents::Delete;
    let mut done = ProjectDeletion::default();
    for task in &tasks {
        if delete_contents {
            if let Some(t) = store.get_task(task).await? {
                done.artifact_urls.extend(t.output_artifact_urls());
            }
            done.deleted_tasks += usize::from(store.delete_task(task).await?);
        } else {
            modify(state, actor, task, |t| {
                t.project.clone_from(&target);
                Ok(())
            })
            .await?;
            done.moved_tasks += 1;
        }
    }
    for model in &models {
        if delete_contents {
            let uri = store.get_model(model).await?.map(|m| m.uri).filter(|u| !u.is_empty());
            if store.delete_model(model).await? {
                done.deleted_models += 1;
                done.model_urls.extend(uri);
            }
        } else if let Some(mut m) = store.get_model(model).await? {
            m.project.clone_from(&target);
            store.update_model(&m).await?;
        }
    }
    for d in &doomed {
        if !store.delete_empty_project(&d.id).await? {
            // Something was added to it meanwhile.
            let (tasks, models) = store.project_contents(std::slice::from_ref(&d.id)).await?;
            let (holds, count) = if tasks.is_empty() {
                (ProjectHolds::Models, models.len())
            } else {
                (ProjectHolds::Tasks, tasks.len())
            };
            return Err(AppError::ProjectNotEmpty { name: d.name.clone(), holds, count });
        }
        done.projects += 1;
    }
    Ok(done)
}

/// The overview of project `id` (with its sub-projects when `subprojects`):
/// see [`ProjectOverview`]. `metric` picks the snapshot's series; one the
/// tasks did not report, or none, picks the first they did.
pub async fn overview(
    state: &AppState,
    actor: &Actor,
    id: &str,
    subprojects: bool,
    metric: Option<(String, String)>,
) -> AppResult<ProjectOverview> {
    lookup::project(state, id).await?;
    let view = TableQuery { project: Some(id.to_string()), subprojects, ..TableQuery::default() };
    let mut filter = super::table::view_filter(state, actor, &view, SNAPSHOT_TASKS).await?;
    filter.count_total = false;
    let by_status = state.store.count_tasks_by_status(&filter).await?;
    let counts = ALL_STATUSES
        .iter()
        .filter_map(|s| by_status.iter().find(|(t, _)| t == s).map(|&(_, n)| (*s, n)))
        .filter(|(_, n)| *n > 0)
        .collect();
    // The newest tasks (the view sorts by last update, newest first).
    let (tasks, _) = super::tasks::query(state, actor, &filter).await?;
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let summaries = state.store.metric_summaries_of(&ids).await?;
    let mut metrics: Vec<(String, String)> = summaries
        .values()
        .flatten()
        .filter(|m| !m.metric.starts_with(":monitor:"))
        .map(|m| (m.metric.clone(), m.variant.clone()))
        .collect();
    metrics.sort();
    metrics.dedup();
    let metric = metric.filter(|m| metrics.contains(m)).or_else(|| metrics.first().cloned());
    let mut snapshot: Vec<SnapshotPoint> = match &metric {
        Some((name, variant)) => tasks
            .iter()
            .filter_map(|t| {
                let m = summaries.get(&t.id)?.iter().find(|m| m.metric == *name && m.variant == *variant)?;
                Some(SnapshotPoint {
                    task: t.id.clone(),
                    name: t.name.clone(),
                    status: t.status,
                    updated: t.last_update,
                    value: m.value,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    snapshot.reverse();
    Ok(ProjectOverview {
        counts,
        last_task: tasks.first().map(|t| (t.id.clone(), t.name.clone(), t.last_update)),
        metrics,
        metric,
        snapshot,
    })
}
