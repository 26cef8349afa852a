//! Domain types shared by the server, the API and the browser, one file per
//! noun, with the rules that need nothing but the types themselves: the
//! state machine and edit rules (`status`), name rules (here), value checks
//! (`task`, `draft`), the table's view (`table`).

pub mod diff;
pub mod draft;
pub mod event;
pub mod format;
pub mod history;
// The domain noun "model" (trained weights) lives in `model::model`.
#[allow(clippy::module_inception)]
pub mod model;
pub mod project;
pub mod queue;
pub mod report;
pub mod status;
pub mod table;
pub mod task;
pub mod user;
pub mod worker;

pub use event::{LogEntry, ScalarPoint, SeriesData, SINGLE_VALUE_ITERATION};
pub use model::Model;
pub use project::{Project, ProjectSummary};
pub use queue::{Queue, QueueEntry, QueueWaits, DEFAULT_QUEUE};
pub use status::{
    split_tags, State, TaskAction, TaskPart, TaskStatus, ALL_ACTIONS, ALL_STATUSES, ARCHIVED, DEVELOPMENT,
};
pub use task::{ConfigItem, Container, Hyperparam, Script, Task, TaskModels, TaskType, ALL_TASK_TYPES};
pub use user::{Access, Actor, Role, User};
pub use worker::Worker;

/// The fewest characters a task, project or queue name has.
pub const MIN_NAME_CHARS: usize = 3;

/// Checks a task, project (last path segment) or queue name: at least
/// [`MIN_NAME_CHARS`] characters besides surrounding blanks. `noun` starts
/// the message (`task name must be …`).
pub fn check_name(noun: &str, name: &str) -> Result<(), String> {
    if name.trim().chars().count() < MIN_NAME_CHARS {
        Err(format!("{noun} name must be at least {MIN_NAME_CHARS} characters long"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_need_three_characters() {
        assert!(check_name("task", "abc").is_ok());
        assert_eq!(check_name("queue", " ab ").unwrap_err(), "queue name must be at least 3 characters long");
        assert!(check_name("task", "äöü").is_ok(), "characters, not bytes");
    }
}
