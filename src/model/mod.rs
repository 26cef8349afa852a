//! Domain types shared by the server, the API and the browser.

pub mod event;
// The domain noun "model" (trained weights) lives in `model::model`.
#[allow(clippy::module_inception)]
pub mod model;
pub mod project;
pub mod queue;
pub mod status;
pub mod task;

pub use event::{LogEntry, ScalarPoint, SeriesData, SINGLE_VALUE_ITERATION};
pub use model::Model;
pub use project::{Project, ProjectSummary};
pub use queue::{Queue, QueueEntry, QueueWaits, Worker, DEFAULT_QUEUE};
pub use status::{Action, State, TaskStatus, ALL_STATUSES};
pub use task::{ConfigItem, Container, Hyperparam, Script, Task, TaskModels, TaskType, ALL_TASK_TYPES};
