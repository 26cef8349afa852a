//! Execution queues: where enqueued tasks wait for a worker.

use serde::{Deserialize, Serialize};

/// The name of the queue that exists from the start.
pub const DEFAULT_QUEUE: &str = "default";

/// The system tag that marks the default queue (ClearML's convention).
pub const DEFAULT_TAG: &str = "default";

/// A queue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Queue {
    pub id: String,
    pub name: String,
    /// What the dashboard shows instead of the name, if set.
    pub display_name: Option<String>,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    /// ClearML's metadata: `{key: {key, type, value}}`.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub last_update: i64,
}

impl Queue {
    /// Whether this is the queue tasks go to when none is named. It cannot
    /// be deleted.
    pub fn is_default(&self) -> bool {
        self.system_tags.iter().any(|t| t == DEFAULT_TAG)
    }
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

/// A task waiting in a queue, for the queues page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingTask {
    pub id: String,
    pub name: String,
    /// How long it has waited, in milliseconds.
    pub waited_ms: i64,
}

/// A queue with its waiting tasks in the order they will run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub id: String,
    pub name: String,
    /// The queue tasks go to when none is named; it cannot be deleted.
    pub default: bool,
    pub waits: QueueWaits,
    pub tasks: Vec<WaitingTask>,
    /// Ids of the live workers that take tasks from it.
    pub workers: Vec<String>,
}

/// A queue for the enqueue picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueChoice {
    pub id: String,
    pub name: String,
    pub default: bool,
}

/// Where a waiting task moves within its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueuePosition {
    /// First to run.
    Front,
    /// Last to run.
    Back,
    /// This many places earlier (stopping at the front).
    Forward(usize),
    /// This many places later (stopping at the back).
    Backward(usize),
}

impl QueuePosition {
    /// The index an entry now at `from` moves to in a queue of `len` entries.
    pub fn target(self, from: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            QueuePosition::Front => 0,
            QueuePosition::Back => last,
            QueuePosition::Forward(n) => from.saturating_sub(n),
            QueuePosition::Backward(n) => from.saturating_add(n).min(last),
        }
    }
}

/// What the queues page does with a waiting task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueOp {
    /// Move it within the queue.
    Move(QueuePosition),
    /// Out of the queue, back to draft.
    Remove,
    /// To the end of another queue (by id).
    MoveTo(String),
}
