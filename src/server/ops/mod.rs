//! The use cases: what a client can do, per noun, each a function of the
//! server state, the [`Actor`] asking, and typed arguments, answering an
//! [`AppResult`](crate::error::AppResult). Every rule (which status change,
//! which edit, which name, what must exist) is applied here or in `model`,
//! once; the ClearML handlers (`server::clearml`) and the web UI's server
//! functions (`api`) both come here with typed calls, never through each
//! other.
//!
//! Within: `lookup` (find by id, or the not-found error) is used by all;
//! `tasks` by `queues`, `projects`, `models`, `workers` and `table`; nothing
//! here imports upwards.

pub mod events;
mod lookup;
pub mod models;
pub mod pipelines;
pub mod projects;
pub mod queues;
pub mod reports;
pub mod sessions;
pub mod table;
pub mod task_fields;
pub mod tasks;
pub mod users;
pub mod workers;

pub use crate::model::Actor;
