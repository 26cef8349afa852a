//! Routed pages.

pub mod compare;
pub mod model;
pub mod models;
pub mod new_task;
pub mod projects;
pub mod queues;
pub mod reports;
pub mod settings;
pub mod task;
pub mod task_edit;
pub mod tasks;
pub mod users;
pub mod workers;
