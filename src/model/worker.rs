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

/// One value of a worker's machine statistics at one report: `metric` is
/// the `machine_stats` field (`cpu_usage`), `category` its first word
/// (`cpu`), `variant` the index of a per-device value (`"0"`, `"1"`…) or
/// `total`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkerStat {
    pub worker: String,
    /// Epoch milliseconds of the report.
    pub timestamp: i64,
    /// The task it ran then.
    pub task: Option<String>,
    pub category: String,
    pub metric: String,
    pub variant: String,
    pub value: f64,
}

/// The `machine_stats` fields kept as statistics (ClearML's `MachineStats`).
pub const MACHINE_STATS: [&str; 14] = [
    "cpu_usage",
    "cpu_temperature",
    "gpu_usage",
    "gpu_temperature",
    "gpu_memory_free",
    "gpu_memory_used",
    "memory_used",
    "memory_free",
    "network_tx",
    "network_rx",
    "disk_free_home",
    "disk_free_temp",
    "disk_read",
    "disk_write",
];

impl WorkerStat {
    /// The statistics of one report: each known field with a value (zero
    /// and empty ones are left out, as ClearML's server leaves them).
    pub fn of_report(
        worker: &str,
        timestamp: i64,
        task: Option<&str>,
        stats: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<WorkerStat> {
        let mut out = Vec::new();
        for metric in MACHINE_STATS {
            let category = metric.split('_').next().unwrap_or(metric).to_string();
            let mut push = |variant: String, v: &serde_json::Value| {
                if let Some(value) = v.as_f64().filter(|x| *x != 0.0 && x.is_finite()) {
                    out.push(WorkerStat {
                        worker: worker.to_string(),
                        timestamp,
                        task: task.map(str::to_string),
                        category: category.clone(),
                        metric: metric.to_string(),
                        variant,
                        value,
                    });
                }
            };
            match stats.get(metric) {
                Some(serde_json::Value::Array(values)) => {
                    for (i, v) in values.iter().enumerate() {
                        push(i.to_string(), v);
                    }
                }
                Some(v) => push("total".into(), v),
                None => {}
            }
        }
        out
    }
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
