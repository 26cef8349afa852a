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

/// How long the tasks waiting in a queue have waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueWaits {
    /// How many tasks wait.
    pub count: usize,
    /// The longest wait, in milliseconds (0 when none wait).
    pub oldest_ms: i64,
    /// The mean wait, in milliseconds (0 when none wait).
    pub mean_ms: i64,
}

impl QueueWaits {
    /// The waits of `entries` at `now` (epoch milliseconds).
    pub fn of(entries: &[QueueEntry], now: i64) -> QueueWaits {
        if entries.is_empty() {
            return QueueWaits::default();
        }
        let waits = entries.iter().map(|e| (now - e.added).max(0));
        let total: i64 = waits.clone().sum();
        QueueWaits { count: entries.len(), oldest_ms: waits.max().unwrap_or(0), mean_ms: total / entries.len() as i64 }
    }
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
