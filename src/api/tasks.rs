//! Tasks for the experiments table and the task page.

use crate::model::task::MetricSummary;
use crate::model::{Model, Project, ProjectSummary, Task, TaskStatus, TaskType};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

pub use super::table::PAGE_SIZE;
use super::table::{Column, TableQuery};
use std::collections::BTreeMap;

/// One row of the experiments table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: String,
    pub name: String,
    pub task_type: TaskType,
    pub status: TaskStatus,
    pub progress: Option<u8>,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    pub user: String,
    pub started: Option<i64>,
    pub last_update: i64,
    pub last_iteration: i64,
    /// Hyperparameter and metric cells, by column key.
    pub cells: BTreeMap<String, String>,
}

impl TaskRow {
    /// The row of a task, with the cells of `columns` (metrics from `metrics`).
    pub fn new(t: &Task, columns: &[Column], metrics: &[MetricSummary]) -> TaskRow {
        let mut cells = BTreeMap::new();
        for c in columns {
            let value = match c {
                Column::Hyperparam { section, name } => {
                    t.hyperparams.get(section).and_then(|s| s.get(name)).map(|h| h.value.clone())
                }
                Column::Metric { metric, variant, stat } => metrics
                    .iter()
                    .find(|m| &m.metric == metric && &m.variant == variant)
                    .map(|m| crate::components::format::fmt_number(stat.of(m))),
                _ => None,
            };
            if let Some(v) = value {
                cells.insert(c.key(), v);
            }
        }
        TaskRow {
            id: t.id.clone(),
            name: t.name.clone(),
            task_type: t.task_type,
            status: t.status,
            progress: t.progress(),
            tags: t.tags.clone(),
            system_tags: t.system_tags.clone(),
            user: t.user.clone(),
            started: t.started,
            last_update: t.last_update,
            last_iteration: t.last_iteration,
            cells,
        }
    }
}

/// A page of the experiments table, with the project it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTable {
    pub rows: Vec<TaskRow>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// The project shown, `None` for all tasks.
    pub project: Option<Project>,
    /// Its direct sub-projects.
    pub subprojects: Vec<ProjectSummary>,
}

/// The store filter of a table view; `page_size` rows from `query.page`.
#[cfg(feature = "ssr")]
pub fn task_filter(query: &TableQuery, page_size: i64) -> Result<crate::server::store::TaskFilter, String> {
    use super::table::{day_start_ms, TagMode};
    use crate::server::store::{TagFilter, TaskFilter, TaskOrder};
    let column = Column::parse(&query.sort).ok_or_else(|| format!("cannot sort by '{}'", query.sort))?;
    let order = match column {
        Column::Hyperparam { section, name } => TaskOrder::Hyperparam { section, name },
        Column::Metric { metric, variant, stat } => TaskOrder::Metric { metric, variant, stat },
        Column::Tags => return Err("cannot sort by tags".into()),
        other => TaskOrder::parse(&other.key()).ok_or_else(|| format!("cannot sort by '{}'", query.sort))?,
    };
    if query.page < 0 {
        return Err("page must not be negative".into());
    }
    if query.regex && !query.search.is_empty() {
        regex::Regex::new(&query.search).map_err(|e| format!("the search is not a valid regex: {e}"))?;
    }
    let tags = match query.tag_mode {
        TagMode::Any => TagFilter { any: query.tags.clone(), ..TagFilter::default() },
        TagMode::All => TagFilter { all: query.tags.clone(), ..TagFilter::default() },
        TagMode::Not => TagFilter { none: query.tags.clone(), ..TagFilter::default() },
    };
    let day = |d: &str| (!d.is_empty()).then(|| day_start_ms(d)).transpose();
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
        filter.system_tags.all = vec!["archived".into()];
        filter.system_tags.none = vec!["hidden".into()];
    } else {
        filter.system_tags.none = vec!["archived".into(), "hidden".into()];
    }
    Ok(filter)
}

/// A page of the table for a view, with its cells.
#[cfg(feature = "ssr")]
pub async fn table_page(
    st: &crate::server::state::AppState,
    query: &TableQuery,
    page_size: i64,
) -> Result<(Vec<TaskRow>, i64), ServerFnError> {
    let filter = task_filter(query, page_size).map_err(ServerFnError::new)?;
    let (tasks, total) = st.store.query_tasks(&filter).await.map_err(super::to_client)?;
    let wants_metrics = query.columns.iter().any(|c| matches!(c, Column::Metric { .. }));
    let metrics = if wants_metrics {
        let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
        st.store.metric_summaries_of(&ids).await.map_err(super::to_client)?
    } else {
        BTreeMap::new()
    };
    let rows =
        tasks.iter().map(|t| TaskRow::new(t, &query.columns, metrics.get(&t.id).map_or(&[], Vec::as_slice))).collect();
    Ok((rows, total))
}

/// The hyperparameter and metric columns the column picker offers: those
/// seen in the 200 most recently updated tasks of a project (or of all).
/// Separate from [`list_tasks`], so paging and sorting do not redo it.
#[server(prefix = "/rpc", endpoint = "table_columns")]
pub async fn table_columns(project: Option<String>) -> Result<Vec<Column>, ServerFnError> {
    use crate::server::store::TaskFilter;
    let st = super::state()?;
    let filter = TaskFilter {
        projects: project.iter().map(|p| p.to_string()).collect(),
        page_size: 200,
        ..TaskFilter::default()
    };
    let (tasks, _) = st.store.query_tasks(&filter).await.map_err(super::to_client)?;
    let mut hp = std::collections::BTreeSet::new();
    for t in &tasks {
        for (section, params) in &t.hyperparams {
            for name in params.keys() {
                hp.insert((section.clone(), name.clone()));
            }
        }
    }
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let mut series = std::collections::BTreeSet::new();
    for m in st.store.metric_summaries_of(&ids).await.map_err(super::to_client)?.into_values().flatten() {
        series.insert((m.metric, m.variant));
    }
    let mut out: Vec<Column> = hp.into_iter().map(|(section, name)| Column::Hyperparam { section, name }).collect();
    for (metric, variant) in series {
        for stat in crate::model::task::MetricStat::ALL {
            out.push(Column::Metric { metric: metric.clone(), variant: variant.clone(), stat });
        }
    }
    Ok(out)
}

/// A page of tasks for a table view.
#[server(prefix = "/rpc", endpoint = "list_tasks", input = Json)]
pub async fn list_tasks(query: TableQuery) -> Result<TaskTable, ServerFnError> {
    let st = super::state()?;
    let project = match &query.project {
        Some(id) => Some(
            st.store
                .get_project(id)
                .await
                .map_err(super::to_client)?
                .ok_or_else(|| ServerFnError::new(format!("project {id} not found")))?,
        ),
        None => None,
    };
    // Only a project's page shows folders; "all tasks" lists tasks only.
    let subprojects = match &project {
        Some(p) => st.store.child_summaries(&p.id).await.map_err(super::to_client)?,
        None => Vec::new(),
    };
    let (rows, total) = table_page(&st, &query, PAGE_SIZE).await?;
    Ok(TaskTable { rows, total, page: query.page, page_size: PAGE_SIZE, project, subprojects })
}

/// Everything the task page shows besides events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: Task,
    pub project: Option<Project>,
    pub metrics: Vec<MetricSummary>,
    /// Artifact URI → where the browser downloads it.
    pub downloads: BTreeMap<String, String>,
}

/// A task, or the message that it does not exist.
#[cfg(feature = "ssr")]
async fn load_task(st: &crate::server::state::AppState, id: &str) -> Result<Task, ServerFnError> {
    st.store
        .get_task(id)
        .await
        .map_err(super::to_client)?
        .ok_or_else(|| ServerFnError::new(format!("task {id} not found")))
}

/// The project a task or model is in, if any.
#[cfg(feature = "ssr")]
async fn project_of(st: &crate::server::state::AppState, id: Option<&str>) -> Result<Option<Project>, ServerFnError> {
    match id {
        Some(p) => st.store.get_project(p).await.map_err(super::to_client),
        None => Ok(None),
    }
}

/// One task, its project and its metric summaries.
#[server(prefix = "/rpc", endpoint = "get_task")]
pub async fn get_task(id: String) -> Result<TaskDetail, ServerFnError> {
    let st = super::state()?;
    let task = load_task(&st, &id).await?;
    let project = project_of(&st, task.project.as_deref()).await?;
    let metrics = st.store.metric_summaries(&id).await.map_err(super::to_client)?;
    let downloads = task
        .artifacts
        .iter()
        .filter_map(|a| a.get("uri").and_then(|u| u.as_str()))
        .filter(|u| !u.is_empty())
        .map(|u| (u.to_string(), crate::server::files::media_url(&st, u)))
        .collect();
    Ok(TaskDetail { task, project, metrics, downloads })
}

/// A task's input and output models, resolved (`kind` is "input" or "output").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskModel {
    pub kind: String,
    /// The name the task gave the link.
    pub name: String,
    /// `None` when the model has been deleted.
    pub model: Option<Model>,
    pub model_id: String,
    /// Where the browser downloads the weights.
    pub download: Option<String>,
}

/// The models linked to a task.
#[server(prefix = "/rpc", endpoint = "task_models")]
pub async fn task_models(id: String) -> Result<Vec<TaskModel>, ServerFnError> {
    let st = super::state()?;
    let task = load_task(&st, &id).await?;
    let mut out = Vec::new();
    for (kind, links) in [("input", &task.models.input), ("output", &task.models.output)] {
        for l in links {
            let model = st.store.get_model(&l.model).await.map_err(super::to_client)?;
            let download =
                model.as_ref().filter(|m| !m.uri.is_empty()).map(|m| crate::server::files::media_url(&st, &m.uri));
            out.push(TaskModel { kind: kind.into(), name: l.name.clone(), model, model_id: l.model.clone(), download });
        }
    }
    Ok(out)
}

/// Everything the model page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDetail {
    pub model: Model,
    pub project: Option<Project>,
    /// The task that made it: id and name.
    pub creator: Option<(String, String)>,
    /// Where the browser downloads the weights.
    pub download: Option<String>,
}

/// One model with its project and creating task.
#[server(prefix = "/rpc", endpoint = "get_model")]
pub async fn get_model(id: String) -> Result<ModelDetail, ServerFnError> {
    let st = super::state()?;
    let model = st
        .store
        .get_model(&id)
        .await
        .map_err(super::to_client)?
        .ok_or_else(|| ServerFnError::new(format!("model {id} not found")))?;
    let project = project_of(&st, model.project.as_deref()).await?;
    let creator = match &model.task {
        Some(t) => st.store.get_task(t).await.map_err(super::to_client)?.map(|t| (t.id, t.name)),
        None => None,
    };
    let download = (!model.uri.is_empty()).then(|| crate::server::files::media_url(&st, &model.uri));
    Ok(ModelDetail { model, project, creator, download })
}
