//! Execution queues: where enqueued tasks wait for a worker.

use serde::{Deserialize, Serialize};

/// The name of the queue that exists from the start.
pub const DEFAULT_QUEUE: &str = "default";

/// A queue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub last_update: i64,
}

/// A task waiting in a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub task: String,
    /// Epoch milliseconds.
    pub added: i64,
}
