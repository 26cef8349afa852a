//! Tasks for the experiments table and the task page.

use crate::model::task::MetricSummary;
use crate::model::{Model, Project, ProjectSummary, Task, TaskStatus, TaskType};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per page of the experiments table.
pub const PAGE_SIZE: i64 = 50;

/// One row of the experiments table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: String,
    pub name: String,
    pub task_type: TaskType,
    pub status: TaskStatus,
    pub progress: Option<u8>,
    pub tags: Vec<String>,
    pub user: String,
    pub started: Option<i64>,
    pub last_update: i64,
    pub last_iteration: i64,
}

impl From<&Task> for TaskRow {
    fn from(t: &Task) -> Self {
        TaskRow {
            id: t.id.clone(),
            name: t.name.clone(),
            task_type: t.task_type,
            status: t.status,
            progress: t.progress(),
            tags: t.tags.clone(),
            user: t.user.clone(),
            started: t.started,
            last_update: t.last_update,
            last_iteration: t.last_iteration,
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

/// The columns the table sorts by, as they appear in the URL.
pub const SORT_COLUMNS: &[&str] = &["name", "type", "status", "started", "last_update", "last_iteration", "progress"];

/// A page of tasks in a project (or all), sorted by a column.
#[server(prefix = "/rpc", endpoint = "list_tasks")]
pub async fn list_tasks(
    project: Option<String>,
    sort: String,
    descending: bool,
    page: i64,
) -> Result<TaskTable, ServerFnError> {
    use crate::server::store::{TaskFilter, TaskOrder};
    let st = super::state()?;
    if !SORT_COLUMNS.contains(&sort.as_str()) {
        return Err(ServerFnError::new(format!("cannot sort by '{sort}'")));
    }
    let order = TaskOrder::parse(&sort).ok_or_else(|| ServerFnError::new(format!("cannot sort by '{sort}'")))?;
    if page < 0 {
        return Err(ServerFnError::new("page must not be negative"));
    }
    let summaries = st.store.project_summaries().await.map_err(super::to_client)?;
    let project = match &project {
        Some(id) => Some(
            summaries
                .iter()
                .find(|s| &s.project.id == id)
                .map(|s| s.project.clone())
                .ok_or_else(|| ServerFnError::new(format!("project {id} not found")))?,
        ),
        None => None,
    };
    let subprojects = summaries
        .into_iter()
        .filter(|s| s.project.parent.as_deref() == project.as_ref().map(|p| p.id.as_str()))
        .collect();
    let mut filter = TaskFilter {
        projects: project.iter().map(|p| p.id.clone()).collect(),
        order: vec![(order, descending)],
        page,
        page_size: PAGE_SIZE,
        count_total: true,
        ..TaskFilter::default()
    };
    filter.system_tags.none = vec!["archived".into(), "hidden".into()];
    let (tasks, total) = st.store.query_tasks(&filter).await.map_err(super::to_client)?;
    Ok(TaskTable {
        rows: tasks.iter().map(TaskRow::from).collect(),
        total,
        page,
        page_size: PAGE_SIZE,
        project,
        subprojects,
    })
}

/// Everything the task page shows besides events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: Task,
    pub project: Option<Project>,
    pub metrics: Vec<MetricSummary>,
}

/// One task, its project and its metric summaries.
#[server(prefix = "/rpc", endpoint = "get_task")]
pub async fn get_task(id: String) -> Result<TaskDetail, ServerFnError> {
    let st = super::state()?;
    let task = st
        .store
        .get_task(&id)
        .await
        .map_err(super::to_client)?
        .ok_or_else(|| ServerFnError::new(format!("task {id} not found")))?;
    let project = match &task.project {
        Some(p) => st.store.get_project(p).await.map_err(super::to_client)?,
        None => None,
    };
    let metrics = st.store.metric_summaries(&id).await.map_err(super::to_client)?;
    Ok(TaskDetail { task, project, metrics })
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
}

/// The models linked to a task.
#[server(prefix = "/rpc", endpoint = "task_models")]
pub async fn task_models(id: String) -> Result<Vec<TaskModel>, ServerFnError> {
    let st = super::state()?;
    let task = st
        .store
        .get_task(&id)
        .await
        .map_err(super::to_client)?
        .ok_or_else(|| ServerFnError::new(format!("task {id} not found")))?;
    let mut out = Vec::new();
    for (kind, links) in [("input", &task.models.input), ("output", &task.models.output)] {
        for l in links {
            let model = st.store.get_model(&l.model).await.map_err(super::to_client)?;
            out.push(TaskModel { kind: kind.into(), name: l.name.clone(), model, model_id: l.model.clone() });
        }
    }
    Ok(out)
}
