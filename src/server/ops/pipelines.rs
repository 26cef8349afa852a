//! Pipelines, as ClearML runs them: a pipeline is a `controller` task (with
//! the `pipeline` system tag) in its own project; a run is a clone of it,
//! named after the project and numbered; its steps are the tasks whose
//! parent it is.

use super::tasks::{self, CloneSpec, QueueRef};
use super::{lookup, Actor};
use crate::error::{AppError, AppResult};
use crate::model::task::{Hyperparam, TaskType};
use crate::model::TaskStatus;
use crate::server::state::AppState;
use crate::server::store::TaskFilter;

/// The system tag of pipeline controllers and their runs.
pub const PIPELINE_TAG: &str = "pipeline";

/// A started run: its id, whether it was enqueued, and (when asked for)
/// whether a live worker serves its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub run: String,
    pub enqueued: bool,
    pub queue_watched: Option<bool>,
}

/// `pipelines.start_pipeline`: clones the controller `task` with `args` as
/// its `Args` hyperparameters, names the clone after its project (`name #n`
/// from the second run on) and enqueues it in `queue`.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    task: &str,
    queue: &str,
    args: &[(String, String)],
    verify_watched_queue: bool,
) -> AppResult<Started> {
    let src = lookup::task(state, task).await?;
    let mut hyperparams = src.hyperparams.clone();
    if !args.is_empty() {
        let section = hyperparams.entry("Args".into()).or_default();
        for (name, value) in args {
            let p = Hyperparam {
                section: "Args".into(),
                name: name.clone(),
                value: value.clone(),
                ..Hyperparam::default()
            };
            section.insert(name.clone(), p);
        }
    }
    let spec = CloneSpec { name: Some(src.name.clone()), hyperparams: Some(hyperparams), ..CloneSpec::default() };
    let (run, _) = tasks::clone(state, actor, task, &spec).await?;
    if let Some(project) = &src.project {
        let prefix = lookup::project(state, project).await?.basename;
        let f = TaskFilter { projects: vec![project.clone()], page_size: i64::MAX, ..TaskFilter::default() };
        let numbered = |name: &str| {
            name.strip_prefix(prefix.as_str()).is_some_and(|rest| {
                rest.is_empty()
                    || rest.strip_prefix(" #").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
        };
        let count = state
            .store
            .query_tasks(&f)
            .await?
            .0
            .iter()
            .filter(|t| t.system_tags.iter().any(|s| s == PIPELINE_TAG) && numbered(&t.name))
            .count();
        let name = if count > 0 { format!("{prefix} #{count}") } else { prefix };
        let parent = src.parent.clone();
        tasks::modify(state, actor, &run, |t| {
            t.name.clone_from(&name);
            // A run is not a step of the controller it was cloned from.
            t.parent.clone_from(&parent);
            Ok(())
        })
        .await?;
    }
    let queue_id =
        tasks::enqueue(state, actor, &run, &QueueRef::Id(queue.to_string()), false, "", "Starting pipeline").await?;
    let queue_watched = if verify_watched_queue {
        let workers = super::workers::live(state, actor).await?;
        Some(workers.iter().any(|(w, _)| w.queues.contains(&queue_id)))
    } else {
        None
    };
    Ok(Started { run, enqueued: true, queue_watched })
}

/// `pipelines.delete_runs`: deletes those of `ids` that are runs
/// (controllers) of `project`, with their steps and output models; at
/// least one run must stay (400/160). Answers the runs deleted.
pub async fn delete_runs(state: &AppState, actor: &Actor, project: &str, ids: &[String]) -> AppResult<Vec<String>> {
    let f = TaskFilter {
        projects: vec![project.to_string()],
        types: vec![TaskType::Controller],
        page_size: i64::MAX,
        ..TaskFilter::default()
    };
    let runs: Vec<String> = state.store.query_tasks(&f).await?.0.into_iter().map(|t| t.id).collect();
    if runs.iter().all(|r| ids.contains(r)) {
        return Err(AppError::CannotRemoveAllRuns { project: project.to_string() });
    }
    let doomed: Vec<String> = runs.into_iter().filter(|r| ids.contains(r)).collect();
    for run in &doomed {
        for step in tasks::pipeline_steps(state, actor, std::slice::from_ref(run)).await? {
            tasks::delete(state, actor, &step, true, true).await?;
        }
        let t = lookup::task(state, run).await?;
        if t.status == TaskStatus::Queued || t.status == TaskStatus::InProgress {
            tasks::stop(state, actor, run, true, "Pipeline run deleted", "").await?;
        }
        tasks::delete(state, actor, run, true, true).await?;
    }
    Ok(doomed)
}
