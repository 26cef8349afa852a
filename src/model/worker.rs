//! Workers: agents that registered with the server, report their status
//! while they poll queues and run tasks, and are gone when they stop
//! reporting for longer than the worker timeout.

use serde::{Deserialize, Serialize};

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
    /// System tags it registered with.
    #[serde(default)]
    pub system_tags: Vec<String>,
    /// How long it counts as alive without a report, if it said so when it
    /// registered (else the server's worker timeout).
    #[serde(default)]
    pub timeout_ms: Option<i64>,
    /// What clearml-agent set with `workers.set_runtime_properties`:
    /// `[{key, value, expiry?}]`.
    #[serde(default)]
    pub runtime_properties: Vec<serde_json::Value>,
    /// The user whose credentials it reports with.
    #[serde(default)]
    pub user: String,
    /// The address it last reported from.
    #[serde(default)]
    pub ip: Option<String>,
    /// Epoch milliseconds.
    pub registered: i64,
    /// Epoch milliseconds of its last report.
    pub last_seen: i64,
}

impl Worker {
    /// Whether the worker reported within its own timeout (or, without
    /// one, `timeout_ms`) of `now`.
    pub fn is_live(&self, now: i64, timeout_ms: i64) -> bool {
        reported_within(self.last_seen, now, self.timeout_ms.unwrap_or(timeout_ms))
    }
}

/// Whether a report at `last` (epoch ms) is recent enough at `now` for its
/// sender to count as alive: the one notion of a live worker, for the
/// workers list, the reaper and an abort (which a live worker carries out).
pub fn reported_within(last: i64, now: i64, timeout_ms: i64) -> bool {
    now - last <= timeout_ms
}

/// A live worker as the workers page shows it: what it serves, runs and
/// last reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerView {
    pub id: String,
    /// Queue names.
    pub queues: Vec<String>,
    /// (id, name) of the task it runs.
    pub task: Option<(String, String)>,
    /// Seconds its task has run.
    pub running_s: i64,
    /// Epoch milliseconds of its last report.
    pub last_seen: i64,
    /// Milliseconds since that report, when the list was made.
    pub silent_ms: i64,
    /// Mean CPU use over its cores, percent.
    pub cpu: Option<f64>,
    /// Memory used and free, MB.
    pub memory: Option<(f64, f64)>,
    /// Free disk, percent.
    pub disk_free: Option<f64>,
}

impl WorkerView {
    /// The view of worker `w` running `task` (id, name, start), with its
    /// queues' names from `queue_names`.
    pub fn new(w: &Worker, task: Option<(String, String, Option<i64>)>, queue_names: Vec<String>, now: i64) -> Self {
        let stats = &w.machine_stats;
        let number = |k: &str| stats.get(k).and_then(serde_json::Value::as_f64);
        let cpu = stats.get("cpu_usage").and_then(serde_json::Value::as_array).filter(|c| !c.is_empty()).map(|c| {
            let v: Vec<f64> = c.iter().filter_map(serde_json::Value::as_f64).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        });
        WorkerView {
            id: w.id.clone(),
            queues: queue_names,
            running_s: task.as_ref().and_then(|t| t.2).map_or(0, |s| (now - s) / 1000),
            task: task.map(|(id, name, _)| (id, name)),
            last_seen: w.last_seen,
            silent_ms: (now - w.last_seen).max(0),
            cpu,
            memory: number("memory_used").zip(number("memory_free")),
            disk_free: number("disk_free_home"),
        }
    }
}
