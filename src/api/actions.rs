//! Lifecycle and bulk actions from the web UI. Each goes through the same
//! ClearML endpoint an SDK call would (`tasks.enqueue`, `tasks.reset`, …), so
//! the state machine and its messages are the API's.

use super::table::TableQuery;
use crate::model::{Action, TaskStatus};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The user id the web UI acts as (the dashboard has no login of its own).
pub const WEB_USER: &str = "web";

/// Most tasks one bulk action touches ("all matching" included).
pub const MAX_BULK: i64 = 10_000;

/// Something done to one or many tasks from the table or the task page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskAction {
    Enqueue,
    Dequeue,
    Reset,
    Abort,
    Publish,
    Clone,
    Archive,
    Restore,
    Delete,
    AddTags,
    RemoveTags,
    Move,
}

/// Every action, in menu order.
pub const ALL_ACTIONS: [TaskAction; 12] = [
    TaskAction::Enqueue,
    TaskAction::Dequeue,
    TaskAction::Abort,
    TaskAction::Reset,
    TaskAction::Publish,
    TaskAction::Clone,
    TaskAction::Archive,
    TaskAction::Restore,
    TaskAction::Delete,
    TaskAction::AddTags,
    TaskAction::RemoveTags,
    TaskAction::Move,
];

impl TaskAction {
    /// The button label.
    pub fn label(self) -> &'static str {
        match self {
            TaskAction::Enqueue => "Enqueue",
            TaskAction::Dequeue => "Dequeue",
            TaskAction::Reset => "Reset",
            TaskAction::Abort => "Abort",
            TaskAction::Publish => "Publish",
            TaskAction::Clone => "Clone",
            TaskAction::Archive => "Archive",
            TaskAction::Restore => "Restore",
            TaskAction::Delete => "Delete",
            TaskAction::AddTags => "Add tags",
            TaskAction::RemoveTags => "Remove tags",
            TaskAction::Move => "Move to project",
        }
    }

    /// Whether the action applies to a task with this status and these
    /// system tags: the seed's state table for lifecycle actions; archive
    /// and restore by the `archived` tag; delete for anything not running.
    pub fn applies(self, status: TaskStatus, system_tags: &[String]) -> bool {
        let state = status.state();
        let archived = system_tags.iter().any(|t| t == "archived");
        match self {
            TaskAction::Enqueue => state.allows(Action::Enqueue),
            TaskAction::Dequeue => state.allows(Action::Dequeue),
            TaskAction::Reset => state.allows(Action::Reset),
            TaskAction::Abort => state.allows(Action::Abort),
            TaskAction::Publish => state.allows(Action::Publish),
            TaskAction::Clone => state.allows(Action::Clone),
            TaskAction::Archive => !archived,
            TaskAction::Restore => archived,
            TaskAction::Delete => status != TaskStatus::InProgress,
            TaskAction::AddTags | TaskAction::RemoveTags | TaskAction::Move => true,
        }
    }

    /// What the action needs besides the tasks: a queue, tags or a project.
    pub fn argument(self) -> Option<&'static str> {
        match self {
            TaskAction::Enqueue => Some("queue"),
            TaskAction::AddTags | TaskAction::RemoveTags => Some("tags (comma-separated)"),
            TaskAction::Move => Some("project name"),
            _ => None,
        }
    }
}

/// Which tasks a bulk action is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// These tasks.
    Ids(Vec<String>),
    /// Every task the table view matches (up to [`MAX_BULK`]).
    Matching(Box<TableQuery>),
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionReport {
    /// Tasks it was applied to.
    pub applied: usize,
    /// Tasks the state machine left out, with the API's reason.
    pub skipped: Vec<String>,
    /// Tasks it created (clones).
    pub created: Vec<String>,
}

/// Runs `action` on the target tasks, one API call per task (or one call for
/// the `*_many` endpoints), and reports what happened.
#[server(prefix = "/rpc", endpoint = "run_action", input = Json)]
pub async fn run_action(action: TaskAction, target: Target, argument: String) -> Result<ActionReport, ServerFnError> {
    use crate::server::clearml::call;
    use serde_json::{json, Value};
    let st = super::state()?;
    let ids = match target {
        Target::Ids(ids) => ids,
        Target::Matching(q) => {
            let f = super::tasks::task_filter(&q, MAX_BULK).map_err(ServerFnError::new)?;
            let (tasks, _) = st.store.query_tasks(&f).await.map_err(super::to_client)?;
            tasks.into_iter().map(|t| t.id).collect()
        }
    };
    if ids.is_empty() {
        return Err(ServerFnError::new("no tasks selected"));
    }
    let argument = argument.trim().to_string();
    let tags: Vec<String> = argument.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
    let many = |name: &'static str, body: Value| {
        let st = st.clone();
        async move { call(&st, WEB_USER, name, body).await.map_err(|e| ServerFnError::new(e.msg)) }
    };
    let mut report = ActionReport::default();
    let collect = |out: Value, report: &mut ActionReport| {
        report.applied += out["succeeded"].as_array().map_or(0, Vec::len);
        for f in out["failed"].as_array().into_iter().flatten() {
            report.skipped.push(format!(
                "{}: {}",
                f["id"].as_str().unwrap_or("?"),
                f["error"]["msg"].as_str().unwrap_or("")
            ));
        }
    };
    match action {
        TaskAction::Archive => collect(many("tasks.archive_many", json!({"ids": ids})).await?, &mut report),
        TaskAction::Restore => collect(many("tasks.unarchive_many", json!({"ids": ids})).await?, &mut report),
        TaskAction::AddTags | TaskAction::RemoveTags => {
            if tags.is_empty() {
                return Err(ServerFnError::new("give at least one tag"));
            }
            let key = if action == TaskAction::AddTags { "add_tags" } else { "remove_tags" };
            collect(many("tasks.update_tags", json!({"ids": ids, key: tags})).await?, &mut report)
        }
        TaskAction::Move => {
            if argument.is_empty() {
                return Err(ServerFnError::new("give the project to move the tasks to"));
            }
            collect(many("tasks.move", json!({"ids": ids, "project_name": argument})).await?, &mut report)
        }
        _ => {
            for id in ids {
                let (name, body) = match action {
                    TaskAction::Enqueue if argument.is_empty() => ("tasks.enqueue", json!({"task": id})),
                    TaskAction::Enqueue => ("tasks.enqueue", json!({"task": id, "queue": argument})),
                    TaskAction::Dequeue => ("tasks.dequeue", json!({"task": id})),
                    TaskAction::Reset => ("tasks.reset", json!({"task": id})),
                    TaskAction::Abort => {
                        ("tasks.stop", json!({"task": id, "status_reason": "aborted from the web UI"}))
                    }
                    TaskAction::Publish => ("tasks.publish", json!({"task": id})),
                    TaskAction::Clone => ("tasks.clone", json!({"task": id})),
                    _ => ("tasks.delete", json!({"task": id})),
                };
                match call(&st, WEB_USER, name, body).await {
                    Ok(out) => {
                        report.applied += 1;
                        if let Some(new) = out.get("id").and_then(Value::as_str) {
                            report.created.push(new.to_string());
                        }
                    }
                    Err(e) if e.code >= 500 => return Err(ServerFnError::new(e.msg)),
                    Err(e) => report.skipped.push(format!("{id}: {}", e.msg)),
                }
            }
        }
    }
    Ok(report)
}

/// What the clone dialog asks for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CloneForm {
    pub name: String,
    /// Project name (created if missing); empty keeps the source's project.
    pub project: String,
    pub comment: String,
    /// Parent task id; empty makes the source the parent.
    pub parent: String,
}

/// Clones a task as a new draft; answers the new task's id.
#[server(prefix = "/rpc", endpoint = "clone_task", input = Json)]
pub async fn clone_task(id: String, form: CloneForm) -> Result<String, ServerFnError> {
    use serde_json::json;
    let st = super::state()?;
    let mut body = json!({"task": id, "new_task_name": form.name.trim(), "new_task_comment": form.comment});
    if !form.project.trim().is_empty() {
        body["new_project_name"] = json!(form.project.trim());
    }
    if !form.parent.trim().is_empty() {
        let parent = form.parent.trim();
        if st.store.get_task(parent).await.map_err(super::to_client)?.is_none() {
            return Err(ServerFnError::new(format!("parent task {parent} not found")));
        }
        body["new_task_parent"] = json!(parent);
    }
    let out = crate::server::clearml::call(&st, WEB_USER, "tasks.clone", body)
        .await
        .map_err(|e| ServerFnError::new(e.msg))?;
    out["id"].as_str().map(str::to_string).ok_or_else(|| ServerFnError::new("the clone has no id"))
}

/// A queue for the enqueue picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueChoice {
    pub id: String,
    pub name: String,
    pub default: bool,
}

/// The queues tasks can be enqueued to, the default first.
#[server(prefix = "/rpc", endpoint = "list_queues")]
pub async fn list_queues() -> Result<Vec<QueueChoice>, ServerFnError> {
    let st = super::state()?;
    let mut out: Vec<QueueChoice> = st
        .store
        .list_queues()
        .await
        .map_err(super::to_client)?
        .into_iter()
        .map(|q| QueueChoice { default: q.system_tags.iter().any(|t| t == "default"), id: q.id, name: q.name })
        .collect();
    out.sort_by(|a, b| b.default.cmp(&a.default).then(a.name.cmp(&b.name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_the_seed_state_table() {
        let none: &[String] = &[];
        assert!(TaskAction::Enqueue.applies(TaskStatus::Created, none));
        assert!(!TaskAction::Enqueue.applies(TaskStatus::Completed, none));
        assert!(TaskAction::Abort.applies(TaskStatus::InProgress, none));
        assert!(!TaskAction::Delete.applies(TaskStatus::InProgress, none));
        assert!(TaskAction::Reset.applies(TaskStatus::Failed, none));
        assert!(!TaskAction::Publish.applies(TaskStatus::Published, none));
        assert!(TaskAction::Restore.applies(TaskStatus::Completed, &["archived".to_string()]));
        assert!(!TaskAction::Archive.applies(TaskStatus::Completed, &["archived".to_string()]));
    }
}
