//! The experiments table: a view's page of rows, the columns its picker
//! offers, and changes to many tasks at once (the table's bulk actions and
//! ClearML's `*_many` calls).

use super::tasks::{self, modify, CloneSpec, QueueRef};
use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::table::{day_start_ms, ActionReport, Column, TableQuery, TableRow, TagMode, Target, TaskTable};
use crate::model::task::MetricStat;
use crate::model::{Project, Task, TaskAction, ALL_ACTIONS, ARCHIVED};
use crate::server::state::AppState;
use crate::server::store::{TagFilter, TaskFilter, TaskOrder};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::model::table::{MAX_BULK, PAGE_SIZE};

/// The store filter of a table view: `page_size` rows from `query.page`.
pub fn filter_of(query: &TableQuery, page_size: i64) -> AppResult<TaskFilter> {
    let column =
        Column::parse(&query.sort).ok_or_else(|| AppError::invalid(format!("cannot sort by '{}'", query.sort)))?;
    let order = match column {
        Column::Hyperparam { section, name } => TaskOrder::Hyperparam { section, name },
        Column::Metric { metric, variant, stat } => TaskOrder::Metric { metric, variant, stat },
        Column::Tags => return Err(AppError::invalid("cannot sort by tags")),
        other => TaskOrder::parse(&other.key())
            .ok_or_else(|| AppError::invalid(format!("cannot sort by '{}'", query.sort)))?,
    };
    if query.page < 0 {
        return Err(AppError::invalid("page must not be negative"));
    }
    if query.regex && !query.search.is_empty() {
        regex::Regex::new(&query.search)
            .map_err(|e| AppError::invalid(format!("the search is not a valid regex: {e}")))?;
    }
    let tags = match query.tag_mode {
        TagMode::Any => TagFilter { any: query.tags.clone(), ..TagFilter::default() },
        TagMode::All => TagFilter { all: query.tags.clone(), ..TagFilter::default() },
        TagMode::Not => TagFilter { none: query.tags.clone(), ..TagFilter::default() },
    };
    let day = |d: &str| (!d.is_empty()).then(|| day_start_ms(d)).transpose().map_err(AppError::invalid);
    let mut filter = TaskFilter {
        projects: query.project.iter().cloned().collect(),
        statuses: query.statuses.clone(),
        types: query.types.clone(),
        tags,
        users: if query.user.is_empty() { Vec::new() } else { vec![query.user.clone()] },
        updated_from: day(&query.from)?,
        updated_until: day(&query.to)?.map(|t| t + 86_400_000),
        search_text: Some(query.search.clone()).filter(|s| !s.is_empty()),
        search_regex: query.regex,
        order: vec![(order, query.descending)],
        page: query.page,
        page_size,
        count_total: true,
        ..TaskFilter::default()
    };
    if query.archived {
        filter.system_tags.all = vec![ARCHIVED.into()];
        filter.system_tags.none = vec!["hidden".into()];
    } else {
        filter.system_tags.none = vec![ARCHIVED.into(), "hidden".into()];
    }
    Ok(filter)
}

/// [`filter_of`], with a project's sub-projects added when the view asks
/// for them.
pub async fn view_filter(state: &AppState, actor: &Actor, query: &TableQuery, page_size: i64) -> AppResult<TaskFilter> {
    let mut filter = filter_of(query, page_size)?;
    if query.subprojects && !filter.projects.is_empty() {
        filter.projects = super::projects::with_subprojects(state, actor, &filter.projects).await?;
    }
    Ok(filter)
}

/// `page_size` rows of a view from its page, with their cells, and how
/// many match in all.
pub async fn rows(
    state: &AppState,
    actor: &Actor,
    query: &TableQuery,
    page_size: i64,
) -> AppResult<(Vec<TableRow>, i64)> {
    let filter = view_filter(state, actor, query, page_size).await?;
    let (tasks, total) = tasks::query(state, actor, &filter).await?;
    let wants_metrics = query.columns.iter().any(|c| matches!(c, Column::Metric { .. }));
    let metrics = if wants_metrics {
        let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
        state.store.metric_summaries_of(&ids).await?
    } else {
        BTreeMap::new()
    };
    let owners: Vec<&str> = tasks.iter().map(|t| t.user.as_str()).collect();
    let names = super::users::display_names(state, &owners).await?;
    let projects: BTreeMap<String, String> = if query.columns.contains(&Column::Project) {
        super::projects::list(state, actor).await?.into_iter().map(|p| (p.id, p.name)).collect()
    } else {
        BTreeMap::new()
    };
    let rows = tasks
        .iter()
        .map(|t| {
            let mut row = TableRow::new(t, &query.columns, metrics.get(&t.id).map_or(&[], Vec::as_slice));
            if let Some(name) = names.get(&row.user) {
                row.user_name = name.clone();
            }
            if let Some(name) = row.project.as_ref().and_then(|p| projects.get(p)) {
                row.project_name = name.clone();
            }
            row
        })
        .collect();
    Ok((rows, total))
}

/// A page of the table, with the project it shows and that project's
/// direct sub-projects.
pub async fn page(state: &AppState, actor: &Actor, query: &TableQuery) -> AppResult<TaskTable> {
    let project = match &query.project {
        Some(id) => Some(lookup::project(state, id).await?),
        None => None,
    };
    // Only a project's page shows folders; "all tasks" lists tasks only.
    let subprojects = match &project {
        Some(p) => state.store.child_summaries(&p.id).await?,
        None => Vec::new(),
    };
    let size = query.rows_per_page();
    let (rows, total) = rows(state, actor, query, size).await?;
    Ok(TaskTable { rows, total, page: query.page, page_size: size, project, subprojects })
}

/// The hyperparameter and metric columns the column picker offers: those
/// seen in the 200 most recently updated tasks of a project (or of all).
pub async fn columns(state: &AppState, actor: &Actor, project: Option<&str>) -> AppResult<Vec<Column>> {
    let filter = TaskFilter {
        projects: project.into_iter().map(str::to_string).collect(),
        page_size: 200,
        ..TaskFilter::default()
    };
    let (tasks, _) = tasks::query(state, actor, &filter).await?;
    let mut hp = BTreeSet::new();
    for t in &tasks {
        for (section, params) in &t.hyperparams {
            for name in params.keys() {
                hp.insert((section.clone(), name.clone()));
            }
        }
    }
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let mut series = BTreeSet::new();
    for m in state.store.metric_summaries_of(&ids).await?.into_values().flatten() {
        series.insert((m.metric, m.variant));
    }
    let mut out: Vec<Column> = hp.into_iter().map(|(section, name)| Column::Hyperparam { section, name }).collect();
    for (metric, variant) in series {
        for stat in MetricStat::ALL {
            out.push(Column::Metric { metric: metric.clone(), variant: variant.clone(), stat });
        }
    }
    Ok(out)
}

/// How many tags [`known_tags`] offers at most.
pub const KNOWN_TAGS: i64 = 200;

/// The tags in use on the active tasks of `project` (and its sub-projects;
/// of every project without one), most used first: what a tag picker offers.
pub async fn known_tags(state: &AppState, actor: &Actor, project: Option<String>) -> AppResult<Vec<String>> {
    let view = TableQuery { project, subprojects: true, ..TableQuery::default() };
    let filter = view_filter(state, actor, &view, 1).await?;
    Ok(state.store.task_tag_counts(&filter, KNOWN_TAGS).await?.into_iter().map(|(tag, _)| tag).collect())
}

/// What a change applied to many tasks did: the tasks as written, and the
/// ones it was refused for, with why. One refusal does not stop the others;
/// an internal error does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bulk {
    pub succeeded: Vec<Task>,
    pub failed: Vec<(String, AppError)>,
}

/// Applies `change` to each task of `ids` (see [`Bulk`]).
async fn for_each(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    mut change: impl FnMut(&mut Task) -> AppResult<()>,
) -> AppResult<Bulk> {
    let mut out = Bulk::default();
    for id in ids {
        match modify(state, actor, id, &mut change).await {
            Ok(((), task)) => out.succeeded.push(task),
            Err(e) if e.is_internal() => return Err(e),
            Err(e) => out.failed.push((id.clone(), e)),
        }
    }
    Ok(out)
}

/// `tasks.archive_many` / `unarchive_many`: the `archived` system tag, on
/// tasks of any status.
pub async fn set_archived(state: &AppState, actor: &Actor, ids: &[String], archived: bool) -> AppResult<Bulk> {
    for_each(state, actor, ids, |t| {
        t.set_archived(archived);
        Ok(())
    })
    .await
}

/// `tasks.archive`: archives tasks, taking waiting ones out of their
/// queues first, with a status reason and message if given.
pub async fn archive(state: &AppState, actor: &Actor, ids: &[String], reason: &str, message: &str) -> AppResult<Bulk> {
    for id in ids {
        tasks::dequeue_if_waiting(state, actor, id).await?;
    }
    for_each(state, actor, ids, |t| {
        t.set_archived(true);
        if !reason.is_empty() {
            t.status_reason = reason.to_string();
        }
        if !message.is_empty() {
            t.status_message = message.to_string();
        }
        Ok(())
    })
    .await
}

/// `tasks.update_tags`: adds and removes tags (labels, so on any status).
pub async fn update_tags(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    add: &[String],
    remove: &[String],
) -> AppResult<Bulk> {
    if add.is_empty() && remove.is_empty() {
        return Err(AppError::missing("add_tags or remove_tags"));
    }
    if add.iter().chain(remove).any(|t| t.trim().is_empty()) {
        return Err(AppError::invalid("tags must not be empty"));
    }
    for_each(state, actor, ids, |t| {
        t.tags.retain(|x| !remove.contains(x));
        for a in add {
            if !t.tags.contains(a) {
                t.tags.push(a.clone());
            }
        }
        Ok(())
    })
    .await
}

/// Which project tasks move to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    /// By id (400/401 if there is none).
    Id(String),
    /// By full name, created if missing.
    Name(String),
    /// No project: the top level.
    Root,
}

/// `tasks.move`: tasks to another project (or out of any). Answers the
/// project (`None` for the top level) and what happened to each task.
pub async fn move_to_project(
    state: &AppState,
    actor: &Actor,
    ids: &[String],
    project: &ProjectRef,
) -> AppResult<(Option<Project>, Bulk)> {
    let project = match project {
        ProjectRef::Id(id) => Some(lookup::project(state, id).await?),
        ProjectRef::Name(name) => Some(lookup::ensure_project(state, name).await?),
        ProjectRef::Root => None,
    };
    let bulk = for_each(state, actor, ids, |t| {
        t.project = project.as_ref().map(|p| p.id.clone());
        Ok(())
    })
    .await?;
    Ok((project, bulk))
}

/// The ids a bulk action is for: the picked ones, or every task the view
/// matches (up to [`MAX_BULK`]).
async fn target_ids(state: &AppState, actor: &Actor, target: &Target) -> AppResult<Vec<String>> {
    let ids = match target {
        Target::Ids(ids) => ids.clone(),
        Target::Matching(q) => {
            let (tasks, _) = tasks::query(state, actor, &view_filter(state, actor, q, MAX_BULK).await?).await?;
            tasks.into_iter().map(|t| t.id).collect()
        }
    };
    if ids.is_empty() {
        return Err(AppError::invalid("no tasks selected"));
    }
    Ok(ids)
}

/// How many of the tasks the table view matches (up to [`MAX_BULK`]) each
/// bulk action applies to, in [`ALL_ACTIONS`] order: the counts on the bulk
/// bar's buttons after "select all matching".
pub async fn action_counts(state: &AppState, actor: &Actor, query: &TableQuery) -> AppResult<Vec<usize>> {
    let (tasks, _) = tasks::query(state, actor, &view_filter(state, actor, query, MAX_BULK).await?).await?;
    Ok(ALL_ACTIONS.iter().map(|a| tasks.iter().filter(|t| a.applies(t.status, &t.system_tags)).count()).collect())
}

impl ActionReport {
    /// Counts a bulk change's successes and reports its refusals.
    fn add(&mut self, bulk: Bulk) {
        self.applied += bulk.succeeded.len();
        self.skipped.extend(bulk.failed.into_iter().map(|(id, e)| format!("{id}: {}", e.user_message())));
    }
}

/// Runs one of the table's (or the task page's) actions on the target
/// tasks; `argument` is the queue id, the comma-separated tags, or the
/// project name the action needs. Tasks the action does not apply to are
/// reported as skipped, with why.
pub async fn run_action(
    state: &AppState,
    actor: &Actor,
    action: TaskAction,
    target: &Target,
    argument: &str,
) -> AppResult<ActionReport> {
    let ids = target_ids(state, actor, target).await?;
    let argument = argument.trim();
    let tags = crate::model::split_tags(argument);
    let mut report = ActionReport::default();
    match action {
        TaskAction::Archive | TaskAction::Restore => {
            report.add(set_archived(state, actor, &ids, action == TaskAction::Archive).await?)
        }
        TaskAction::AddTags | TaskAction::RemoveTags => {
            if tags.is_empty() {
                return Err(AppError::invalid("give at least one tag"));
            }
            let (add, remove) = if action == TaskAction::AddTags { (tags, vec![]) } else { (vec![], tags) };
            report.add(update_tags(state, actor, &ids, &add, &remove).await?)
        }
        TaskAction::Move => {
            if argument.is_empty() {
                return Err(AppError::invalid("give the project to move the tasks to"));
            }
            report.add(move_to_project(state, actor, &ids, &ProjectRef::Name(argument.into())).await?.1)
        }
        TaskAction::Edit => return Err(AppError::invalid("editing is done in the task's Edit tab")),
        _ => {
            for id in &ids {
                let done = match action {
                    TaskAction::Enqueue => {
                        let queue = if argument.is_empty() { QueueRef::Default } else { QueueRef::Id(argument.into()) };
                        tasks::enqueue(state, actor, id, &queue, false, "", "").await.map(|_| None)
                    }
                    TaskAction::Dequeue => tasks::dequeue(state, actor, id, None).await.map(|_| None),
                    TaskAction::Reset => tasks::reset(state, actor, id, false, false, false).await.map(|_| None),
                    TaskAction::Abort => {
                        tasks::stop(state, actor, id, false, "aborted from the web UI", "").await.map(|_| None)
                    }
                    TaskAction::Publish => tasks::publish(state, actor, id, false, true).await.map(|_| None),
                    TaskAction::Clone => {
                        tasks::clone(state, actor, id, &CloneSpec::default()).await.map(|(new, _)| Some(new))
                    }
                    _ => tasks::delete(state, actor, id, false, false).await.map(|_| None),
                };
                match done {
                    Ok(created) => {
                        report.applied += 1;
                        report.created.extend(created);
                    }
                    Err(e) if e.is_internal() => return Err(e),
                    Err(e) => report.skipped.push(format!("{id}: {}", e.user_message())),
                }
            }
        }
    }
    Ok(report)
}
