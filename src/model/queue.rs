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

/// An agent that registered with the server and reports its status.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Worker {
    /// `<host>:<n>`, as the agent names itself.
    pub id: String,
    /// Ids of the queues it pulls from.
    pub queues: Vec<String>,
    pub tags: Vec<String>,
    /// The task it runs, if any.
    pub task: Option<String>,
    /// The queue that task came from.
    pub queue: Option<String>,
    /// What it last reported of its machine (cpu, memory, disk, network, GPU).
    pub machine_stats: serde_json::Map<String, serde_json::Value>,
    /// Epoch milliseconds.
    pub registered: i64,
    /// Epoch milliseconds of its last report.
    pub last_seen: i64,
}
