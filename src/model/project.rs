//! Projects: folders of tasks, nested by `/` in their names.

use crate::error::{AppError, AppResult};
use crate::model::TaskStatus;
use serde::{Deserialize, Serialize};

/// A project. `name` is the full path (`main/sub/subsub`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub basename: String,
    pub parent: Option<String>,
    pub description: String,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    pub default_output_destination: Option<String>,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub last_update: i64,
    /// Made public (`projects.make_public`): read-only until made private.
    #[serde(default)]
    pub public: bool,
}

/// A project with the counts the project tree shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub project: Project,
    /// Tasks directly in this project.
    pub task_count: i64,
    /// Running tasks directly in this project.
    pub running_count: i64,
    /// Newest task update in this project, epoch ms.
    pub tasks_last_update: Option<i64>,
    /// Tasks in this project and all its sub-projects ([`roll_up`]).
    #[serde(default)]
    pub total_tasks: i64,
    /// Running tasks in this project and all its sub-projects.
    #[serde(default)]
    pub total_running: i64,
    /// Newest task update in this project or any sub-project, epoch ms.
    #[serde(default)]
    pub total_last_update: Option<i64>,
}

/// Fills each summary's `total_*` from its own counts and those of every
/// project below it in `all` (linked by `parent`): what a parent shows, so
/// a folder of folders does not look empty.
pub fn roll_up(all: &mut [ProjectSummary]) {
    use std::collections::HashMap;
    let index: HashMap<String, usize> = all.iter().enumerate().map(|(i, s)| (s.project.id.clone(), i)).collect();
    for s in all.iter_mut() {
        s.total_tasks = s.task_count;
        s.total_running = s.running_count;
        s.total_last_update = s.tasks_last_update;
    }
    for i in 0..all.len() {
        let (tasks, running, updated) = (all[i].task_count, all[i].running_count, all[i].tasks_last_update);
        // Add this project's own counts to every ancestor; a cycle (never
        // stored, but cheap to guard) stops after as many steps as projects.
        let mut parent = all[i].project.parent.clone();
        let mut steps = 0;
        while let Some(p) = parent {
            let Some(&j) = index.get(&p) else { break };
            steps += 1;
            if steps > all.len() {
                break;
            }
            let a = &mut all[j];
            a.total_tasks += tasks;
            a.total_running += running;
            a.total_last_update = a.total_last_update.max(updated);
            parent = a.project.parent.clone();
        }
    }
}

/// How many of the project's tasks the overview reads for its last
/// activity, its metric choices and its metric snapshot: the newest.
pub const SNAPSHOT_TASKS: i64 = 500;

/// A project at a glance (its page's overview, as ClearML's project
/// overview shows it): its active tasks by status, its last activity and a
/// metric snapshot: one chosen metric's last value in each of its newest
/// [`SNAPSHOT_TASKS`] tasks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectOverview {
    /// Active (not archived) tasks per status, in [`crate::model::ALL_STATUSES`]
    /// order, statuses without tasks left out.
    pub counts: Vec<(TaskStatus, i64)>,
    /// The task updated last: id, name, when (epoch ms).
    pub last_task: Option<(String, String, i64)>,
    /// The (metric, variant) series the newest tasks reported, machine
    /// monitoring left out.
    pub metrics: Vec<(String, String)>,
    /// The series [`ProjectOverview::snapshot`] shows.
    pub metric: Option<(String, String)>,
    /// Each task reporting `metric`, oldest update first.
    pub snapshot: Vec<SnapshotPoint>,
}

impl ProjectOverview {
    /// How many active tasks in all.
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// One task in a metric snapshot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SnapshotPoint {
    pub task: String,
    pub name: String,
    pub status: TaskStatus,
    /// When the task was last updated, epoch ms.
    pub updated: i64,
    /// The metric's last value in it.
    pub value: f64,
}

/// What happens to the tasks and models of a project being deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectContents {
    /// Refuse if there are any.
    Keep,
    /// Delete them with the project.
    Delete,
    /// Move them to the project with this full path (created if missing).
    MoveTo(String),
    /// Leave them without a project, as ClearML does with `force` alone.
    Detach,
}

/// What keeps a project from being deleted without `force`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectHolds {
    Tasks,
    Models,
    /// Dataset projects (system tag `dataset`) with versions in them.
    Datasets,
    /// Pipeline projects (system tag `pipeline`) with unarchived runs.
    Pipelines,
}

impl ProjectHolds {
    /// ClearML's subcode for it (`project_has_tasks`, …).
    pub fn subcode(self) -> u32 {
        match self {
            ProjectHolds::Tasks => 402,
            ProjectHolds::Models => 405,
            ProjectHolds::Datasets => 406,
            ProjectHolds::Pipelines => 413,
        }
    }
}

impl std::fmt::Display for ProjectHolds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProjectHolds::Tasks => "tasks",
            ProjectHolds::Models => "models",
            ProjectHolds::Datasets => "datasets",
            ProjectHolds::Pipelines => "pipelines",
        })
    }
}

/// What a project and its sub-projects hold (`projects.validate_delete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectUsage {
    pub tasks: usize,
    pub non_archived_tasks: usize,
    pub models: usize,
    pub non_archived_models: usize,
    pub datasets: usize,
    pub pipelines: usize,
}

impl ProjectUsage {
    /// What refuses a plain delete, if anything: datasets and pipelines
    /// first (their tasks would be counted as tasks too), then unarchived
    /// tasks, then unarchived models. Archived contents do not refuse it.
    pub fn blocking(&self) -> Option<(ProjectHolds, usize)> {
        [
            (ProjectHolds::Datasets, self.datasets),
            (ProjectHolds::Pipelines, self.pipelines),
            (ProjectHolds::Tasks, self.non_archived_tasks),
            (ProjectHolds::Models, self.non_archived_models),
        ]
        .into_iter()
        .find(|(_, n)| *n > 0)
    }
}

/// Counts over a set of tasks, as ClearML's project statistics give them
/// (`stats.active` / `stats.archived` of `projects.get_all_ex`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskStats {
    /// Tasks by status (every status, zero included).
    pub status_count: std::collections::BTreeMap<String, usize>,
    pub total_tasks: usize,
    /// Seconds from start to end, summed over finished tasks.
    pub total_runtime: i64,
    /// Tasks that finished in the last 24 hours.
    pub completed_tasks_24h: usize,
    /// The newest start among them (epoch ms).
    pub last_task_run: Option<i64>,
}

impl TaskStats {
    /// The counts of `tasks` at `now` (epoch ms).
    pub fn of<'a>(tasks: impl IntoIterator<Item = &'a crate::model::Task>, now: i64) -> TaskStats {
        let mut s = TaskStats::default();
        for st in crate::model::ALL_STATUSES {
            s.status_count.insert(st.as_str().to_string(), 0);
        }
        for t in tasks {
            *s.status_count.entry(t.status.as_str().to_string()).or_default() += 1;
            s.total_tasks += 1;
            if let (Some(start), Some(end)) = (t.started, t.completed) {
                s.total_runtime += (end - start).max(0) / 1000;
            }
            let finished = !matches!(t.status, TaskStatus::Queued | TaskStatus::InProgress | TaskStatus::Failed);
            if finished && t.completed.is_some_and(|c| now - c < 86_400_000) {
                s.completed_tasks_24h += 1;
            }
            s.last_task_run = s.last_task_run.max(t.started);
        }
        s
    }
}

/// What deleting a project did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectDeletion {
    /// Projects deleted (the project and its sub-projects).
    pub projects: usize,
    pub deleted_tasks: usize,
    /// Tasks moved elsewhere or left without a project.
    pub moved_tasks: usize,
    pub deleted_models: usize,
    /// The URIs of the models deleted with it (for the caller to remove).
    pub model_urls: Vec<String>,
    /// The URIs of the output artifacts of the tasks deleted with it.
    pub artifact_urls: Vec<String>,
}

/// Splits a project path into its cumulative prefixes:
/// `a/b/c` → `["a", "a/b", "a/b/c"]`. Empty segments are an error (400/407).
pub fn path_prefixes(path: &str) -> AppResult<Vec<String>> {
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(AppError::InvalidProjectName {
            name: path.to_string(),
            message: format!("'{path}' has an empty path segment"),
        });
    }
    let mut out = Vec::with_capacity(parts.len());
    for i in 0..parts.len() {
        out.push(parts[..=i].join("/"));
    }
    Ok(out)
}

/// Checks and normalizes a project's full name as clients send it:
/// surrounding blanks and slashes go; no segment may be empty (400/407);
/// the last segment needs [`super::MIN_NAME_CHARS`] characters (400/12).
pub fn check_project_name(name: &str) -> AppResult<String> {
    let name = name.trim().trim_matches('/').to_string();
    path_prefixes(&name)?;
    super::check_name("project", basename(&name)).map_err(AppError::invalid)?;
    Ok(name)
}

/// The last segment of a project path.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The path of a project path's parent (`None` at the top level).
pub fn parent_path(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(parent, _)| parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_add_up_their_sub_projects() {
        let summary = |id: &str, parent: Option<&str>, tasks, running, updated| ProjectSummary {
            project: Project { id: id.into(), parent: parent.map(Into::into), ..Project::default() },
            task_count: tasks,
            running_count: running,
            tasks_last_update: updated,
            ..ProjectSummary::default()
        };
        let mut all = vec![
            summary("vision", None, 0, 0, None),
            summary("cls", Some("vision"), 5, 1, Some(10)),
            summary("det", Some("vision"), 2, 0, Some(30)),
            summary("det-v2", Some("det"), 3, 2, Some(20)),
            summary("other", None, 1, 0, Some(5)),
        ];
        roll_up(&mut all);
        let totals: Vec<_> = all.iter().map(|s| (s.total_tasks, s.total_running, s.total_last_update)).collect();
        assert_eq!(
            totals,
            vec![(10, 3, Some(30)), (5, 1, Some(10)), (5, 2, Some(30)), (3, 2, Some(20)), (1, 0, Some(5))]
        );
    }

    #[test]
    fn prefixes_of_nested_paths() {
        assert_eq!(path_prefixes("demo").unwrap(), vec!["demo"]);
        assert_eq!(path_prefixes("main/sub/subsub").unwrap(), vec!["main", "main/sub", "main/sub/subsub"]);
        assert!(path_prefixes("a//b").is_err());
        assert!(path_prefixes("").is_err());
        assert_eq!(basename("demo/vision"), "vision");
        assert_eq!(parent_path("demo/vision"), Some("demo"));
        assert_eq!(parent_path("demo"), None);
        assert_eq!(path_prefixes("/").unwrap_err().subcode(), 407);
        assert_eq!(check_project_name(" /team/exp/ ").unwrap(), "team/exp");
        assert_eq!(check_project_name("/").unwrap_err().subcode(), 407);
        assert_eq!(check_project_name("a//b").unwrap_err().subcode(), 407);
        assert_eq!(check_project_name("team/ab").unwrap_err().subcode(), 12);
    }
}
