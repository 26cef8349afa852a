//! Task status, the seed documents' lifecycle states, and the state machine.
//!
//! Two vocabularies describe the same thing:
//! - [`TaskStatus`] is what travels on the ClearML wire (`created`, `queued`,
//!   `in_progress`, …) and what the database stores;
//! - [`State`] is what the seed documents and the web UI call it (Draft,
//!   Pending, Running, Completed, Failed, Aborted, Published).
//!
//! [`TaskStatus::can_become`] is the server-side transition check that ClearML
//! applies when a client does not send `force` (clearml-api.md §8.1),
//! [`TaskStatus::check_edit`] says which parts of a task may change in which
//! status, and [`TaskAction`] with [`State::allows`] is the seed table
//! ("State | Description | State Transition") that the UI uses to enable its
//! buttons.

use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A task's status as stored and as sent on the ClearML wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Draft: editable, not running.
    #[default]
    Created,
    /// Pending: waiting in an execution queue.
    Queued,
    /// Running, locally or on an agent.
    InProgress,
    /// Aborted: terminated by hand or by code.
    Stopped,
    /// Completed successfully.
    Completed,
    /// Terminated with an error.
    Failed,
    /// Read-only.
    Published,
    /// Completed and closed (a legacy ClearML status, shown as Completed).
    Closed,
}

/// Every wire status, in lifecycle order.
pub const ALL_STATUSES: [TaskStatus; 8] = [
    TaskStatus::Created,
    TaskStatus::Queued,
    TaskStatus::InProgress,
    TaskStatus::Stopped,
    TaskStatus::Completed,
    TaskStatus::Failed,
    TaskStatus::Published,
    TaskStatus::Closed,
];

impl TaskStatus {
    /// The wire name (`in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Created => "created",
            TaskStatus::Queued => "queued",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Stopped => "stopped",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Published => "published",
            TaskStatus::Closed => "closed",
        }
    }

    /// The seed documents' name for this status.
    pub fn state(self) -> State {
        match self {
            TaskStatus::Created => State::Draft,
            TaskStatus::Queued => State::Pending,
            TaskStatus::InProgress => State::Running,
            TaskStatus::Stopped => State::Aborted,
            TaskStatus::Completed | TaskStatus::Closed => State::Completed,
            TaskStatus::Failed => State::Failed,
            TaskStatus::Published => State::Published,
        }
    }

    /// Whether the ClearML server lets a client move a task from `self` to
    /// `to` without `force` (clearml-api.md §8.1; `publishing` is folded into
    /// `published`). Setting the same status again is always allowed, as the
    /// agent re-sends `started` several times.
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        if self == to {
            return true;
        }
        let allowed: &[TaskStatus] = match self {
            Created => &[Queued, InProgress],
            Queued => &[Created, InProgress, Stopped],
            InProgress => &[Stopped, Failed, Created, Completed],
            Stopped => &[Closed, Created, Failed, Queued, InProgress, Published, Completed],
            Closed => &[Created, Failed, Published, Stopped],
            Failed => &[Created, Stopped, Published, Queued],
            Completed => &[Published, InProgress, Created],
            Published => &[],
        };
        allowed.contains(&to)
    }

    /// Only drafts may be edited without `force`.
    pub fn is_editable(self) -> bool {
        self == TaskStatus::Created
    }

    /// A task with this status can be deleted without force only while it
    /// is a draft or once it is archived (ClearML's rule: a task that ran is
    /// archived before it goes, so nothing is lost by a slip).
    pub fn can_delete(self, force: bool, archived: bool) -> bool {
        force || archived || self == TaskStatus::Created
    }

    /// Refuses a move to `to` that the state machine does not allow
    /// ([`TaskStatus::can_become`]) unless `force`; `refusal` is the message.
    pub fn check_transition(self, to: TaskStatus, force: bool, refusal: impl FnOnce() -> String) -> AppResult<()> {
        if force || self.can_become(to) {
            Ok(())
        } else {
            Err(AppError::invalid_status(refusal(), self.as_str()))
        }
    }

    /// Refuses a change to `part` of a task in this status: inputs only on
    /// drafts, user properties and outputs on anything not published; any of
    /// them with `force`.
    pub fn check_edit(self, part: TaskPart, force: bool) -> AppResult<()> {
        let allowed = match part {
            TaskPart::Inputs => self.is_editable(),
            TaskPart::UserProperties | TaskPart::Labels | TaskPart::Outputs => self != TaskStatus::Published,
        };
        match (force || allowed, part) {
            (true, _) => Ok(()),
            (false, TaskPart::Inputs) => Err(AppError::invalid_status(
                format!("only draft tasks can be edited without force; this one is {self}"),
                self.as_str(),
            )),
            (false, _) => Err(AppError::invalid_status("a published task is read-only", self.as_str())),
        }
    }
}

/// What part of a task an edit changes, for [`TaskStatus::check_edit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskPart {
    /// What a run starts from: name, script, hyperparameters, configuration…
    Inputs,
    /// The `properties` hyperparameter section.
    UserProperties,
    /// What names a run: its name, comment and tags (ClearML's
    /// `tasks.update`), editable until it is published.
    Labels,
    /// What a run produces or is labelled with: artifacts, models, requirements.
    Outputs,
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATUSES.iter().copied().find(|st| st.as_str() == s).ok_or_else(|| format!("unknown task status '{s}'"))
    }
}

/// A lifecycle state as the seed documents name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    Draft,
    Pending,
    Running,
    Completed,
    Failed,
    Aborted,
    Published,
}

/// Something a user can do to a task: the seed's "State Transition" column
/// (edit, enqueue, dequeue, abort, reset, clone, publish) and the table's
/// bulk actions. [`TaskAction::applies`] is the one table of which apply to
/// which task; the UI enables its buttons by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskAction {
    /// Edit inputs (parameters, configuration, script).
    Edit,
    /// Push into an execution queue.
    Enqueue,
    /// Take back out of its queue.
    Dequeue,
    /// Terminate a running task.
    Abort,
    /// Delete logs and outputs and return to Draft.
    Reset,
    /// Make an editable copy (always allowed).
    Clone,
    /// Make read-only.
    Publish,
    /// Hide from the default views (the `archived` system tag).
    Archive,
    /// Undo [`TaskAction::Archive`].
    Restore,
    /// Delete with its events.
    Delete,
    /// Add labels.
    AddTags,
    /// Remove labels.
    RemoveTags,
    /// Move to another project.
    Move,
}

/// The actions of the experiments table's bulk bar, in menu order.
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
            TaskAction::Edit => "Edit",
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
    /// system tags: the seed's state table for lifecycle actions
    /// ([`State::allows`]); archive and restore by the `archived` tag;
    /// delete by [`TaskStatus::can_delete`]; tags and moves always.
    pub fn applies(self, status: TaskStatus, system_tags: &[String]) -> bool {
        let archived = system_tags.iter().any(|t| t == ARCHIVED);
        match self {
            TaskAction::Archive => !archived,
            TaskAction::Restore => archived,
            TaskAction::Delete => status.can_delete(false, archived),
            TaskAction::AddTags | TaskAction::RemoveTags | TaskAction::Move => true,
            lifecycle => status.state().allows(lifecycle),
        }
    }

    /// What cannot be undone about the action, asked before it runs on
    /// several tasks; `None` for actions that are safe to run at once.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            TaskAction::Delete => {
                Some("The console, metrics, plots, debug samples and artifacts are deleted. This cannot be undone.")
            }
            TaskAction::Reset => {
                Some("The console, metrics and outputs are deleted, and the status goes back to Draft.")
            }
            TaskAction::Abort => Some("Running processes are stopped, and the status becomes Aborted."),
            TaskAction::Publish => Some("A published task can no longer be changed, reset or deleted."),
            _ => None,
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

/// The tags in `text` written as the tag actions take them
/// (comma-separated): trimmed, empty ones left out.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// The system tag of archived tasks and models.
pub const ARCHIVED: &str = "archived";

/// The system tag of a task the SDK runs on a developer's machine; it is
/// dropped when the task is enqueued.
pub const DEVELOPMENT: &str = "development";

impl State {
    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Draft",
            State::Pending => "Pending",
            State::Running => "Running",
            State::Completed => "Completed",
            State::Failed => "Failed",
            State::Aborted => "Aborted",
            State::Published => "Published",
        }
    }

    /// Whether the seed's state table allows `action` in this state. The
    /// actions the table has no row for (archive, delete, tags, move) are
    /// not lifecycle changes: see [`TaskAction::applies`].
    pub fn allows(self, action: TaskAction) -> bool {
        use State::*;
        match action {
            TaskAction::Clone => true,
            TaskAction::Edit | TaskAction::Enqueue => self == Draft,
            TaskAction::Dequeue => self == Pending,
            TaskAction::Abort => self == Running,
            TaskAction::Reset | TaskAction::Publish => matches!(self, Completed | Failed | Aborted),
            TaskAction::Archive
            | TaskAction::Restore
            | TaskAction::Delete
            | TaskAction::AddTags
            | TaskAction::RemoveTags
            | TaskAction::Move => true,
        }
    }

    /// The state a task is in after a lifecycle `action` (for Clone: the
    /// new copy's state). `None` when the action is not allowed here or is
    /// not a lifecycle change.
    pub fn after(self, action: TaskAction) -> Option<State> {
        if !self.allows(action) {
            return None;
        }
        Some(match action {
            TaskAction::Edit => self,
            TaskAction::Enqueue => State::Pending,
            TaskAction::Dequeue | TaskAction::Reset | TaskAction::Clone => State::Draft,
            TaskAction::Abort => State::Aborted,
            TaskAction::Publish => State::Published,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_at_commas_and_trimmed() {
        assert_eq!(split_tags("a, b ,,"), ["a", "b"]);
        assert!(split_tags(" , ").is_empty());
    }

    #[test]
    fn wire_names_round_trip() {
        for st in ALL_STATUSES {
            assert_eq!(st.as_str().parse::<TaskStatus>(), Ok(st));
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(json, format!("\"{}\"", st.as_str()));
        }
        assert!("running".parse::<TaskStatus>().is_err());
    }

    #[test]
    fn wire_statuses_map_to_the_seed_states() {
        assert_eq!(TaskStatus::Created.state(), State::Draft);
        assert_eq!(TaskStatus::Queued.state(), State::Pending);
        assert_eq!(TaskStatus::InProgress.state(), State::Running);
        assert_eq!(TaskStatus::Stopped.state(), State::Aborted);
        assert_eq!(TaskStatus::Closed.state(), State::Completed);
        assert_eq!(TaskStatus::Published.state(), State::Published);
    }

    #[test]
    fn seed_table_transitions() {
        // Draft: enqueue → Pending.
        assert_eq!(State::Draft.after(TaskAction::Enqueue), Some(State::Pending));
        // Pending: dequeue → Draft.
        assert_eq!(State::Pending.after(TaskAction::Dequeue), Some(State::Draft));
        // Running: abort → Aborted.
        assert_eq!(State::Running.after(TaskAction::Abort), Some(State::Aborted));
        // Completed, Failed, Aborted: reset → Draft, clone → Draft.
        for s in [State::Completed, State::Failed, State::Aborted] {
            assert_eq!(s.after(TaskAction::Reset), Some(State::Draft));
            assert_eq!(s.after(TaskAction::Clone), Some(State::Draft));
        }
        // Published cannot be reset, but a clone is a Draft.
        assert_eq!(State::Published.after(TaskAction::Reset), None);
        assert_eq!(State::Published.after(TaskAction::Clone), Some(State::Draft));
        // Only drafts are editable.
        for s in [State::Pending, State::Running, State::Completed, State::Failed, State::Aborted, State::Published] {
            assert!(!s.allows(TaskAction::Edit), "{s:?} must not be editable");
        }
        assert!(State::Draft.allows(TaskAction::Edit));
        // Nothing else enqueues or aborts.
        assert!(!State::Completed.allows(TaskAction::Enqueue));
        assert!(!State::Draft.allows(TaskAction::Abort));
    }

    #[test]
    fn server_transitions_without_force() {
        use TaskStatus::*;
        assert!(Created.can_become(InProgress));
        assert!(InProgress.can_become(Completed));
        assert!(InProgress.can_become(Failed));
        assert!(InProgress.can_become(Stopped));
        assert!(Stopped.can_become(Queued), "execute_remotely enqueues a stopped task");
        assert!(Completed.can_become(Published));
        assert!(!Created.can_become(Completed));
        assert!(!Queued.can_become(Completed));
        assert!(!Completed.can_become(Stopped), "needs force, as execute_remotely sends");
        for to in ALL_STATUSES {
            if to != Published {
                assert!(!Published.can_become(to), "published is final");
            }
        }
        // Re-sending the same status is harmless (the agent does it).
        assert!(InProgress.can_become(InProgress));
    }

    #[test]
    fn edit_rules_by_part() {
        use TaskStatus::*;
        assert!(Created.check_edit(TaskPart::Inputs, false).is_ok());
        let e = InProgress.check_edit(TaskPart::Inputs, false).unwrap_err();
        assert_eq!(e.subcode(), 110);
        assert!(e.to_string().contains("only draft tasks"));
        assert!(InProgress.check_edit(TaskPart::Inputs, true).is_ok());
        assert!(Completed.check_edit(TaskPart::UserProperties, false).is_ok());
        assert!(Published.check_edit(TaskPart::Outputs, false).unwrap_err().to_string().contains("published"));
        assert!(Published.check_edit(TaskPart::Outputs, true).is_ok());
        assert!(!InProgress.can_delete(false, false) && InProgress.can_delete(true, false));
        assert!(
            !Completed.can_delete(false, false)
                && Completed.can_delete(false, true)
                && Created.can_delete(false, false)
        );
    }

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
