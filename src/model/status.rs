//! Task status, the seed documents' lifecycle states, and the state machine.
//!
//! Two vocabularies describe the same thing:
//! - [`TaskStatus`] is what travels on the ClearML wire (`created`, `queued`,
//!   `in_progress`, …) and what the database stores;
//! - [`State`] is what the seed documents and the web UI call it (Draft,
//!   Pending, Running, Completed, Failed, Aborted, Published).
//!
//! [`TaskStatus::can_become`] is the server-side transition check that ClearML
//! applies when a client does not send `force` (clearml-api.md §8.1), and
//! [`Action`] with [`State::allows`] is the seed table ("State | Description |
//! State Transition") that the UI uses to enable its buttons.

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

/// Something a user can do to a task, from the seed's "State Transition" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
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
}

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

    /// Whether the seed's state table allows `action` in this state.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        use State::*;
        match action {
            Clone => true,
            Edit | Enqueue => self == Draft,
            Dequeue => self == Pending,
            Abort => self == Running,
            Reset => matches!(self, Completed | Failed | Aborted),
            Publish => matches!(self, Completed | Failed | Aborted),
        }
    }

    /// The state a task is in after `action` (for Clone: the new copy's state).
    /// `None` when the action is not allowed here.
    pub fn after(self, action: Action) -> Option<State> {
        if !self.allows(action) {
            return None;
        }
        Some(match action {
            Action::Edit => self,
            Action::Enqueue => State::Pending,
            Action::Dequeue | Action::Reset | Action::Clone => State::Draft,
            Action::Abort => State::Aborted,
            Action::Publish => State::Published,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(State::Draft.after(Action::Enqueue), Some(State::Pending));
        // Pending: dequeue → Draft.
        assert_eq!(State::Pending.after(Action::Dequeue), Some(State::Draft));
        // Running: abort → Aborted.
        assert_eq!(State::Running.after(Action::Abort), Some(State::Aborted));
        // Completed, Failed, Aborted: reset → Draft, clone → Draft.
        for s in [State::Completed, State::Failed, State::Aborted] {
            assert_eq!(s.after(Action::Reset), Some(State::Draft));
            assert_eq!(s.after(Action::Clone), Some(State::Draft));
        }
        // Published cannot be reset, but a clone is a Draft.
        assert_eq!(State::Published.after(Action::Reset), None);
        assert_eq!(State::Published.after(Action::Clone), Some(State::Draft));
        // Only drafts are editable.
        for s in [State::Pending, State::Running, State::Completed, State::Failed, State::Aborted, State::Published] {
            assert!(!s.allows(Action::Edit), "{s:?} must not be editable");
        }
        assert!(State::Draft.allows(Action::Edit));
        // Nothing else enqueues or aborts.
        assert!(!State::Completed.allows(Action::Enqueue));
        assert!(!State::Draft.allows(Action::Abort));
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
}
