//! Events reported by a task: console lines and scalar series.

use serde::{Deserialize, Serialize};

/// The iteration ClearML uses for single values (`report_single_value`).
pub const SINGLE_VALUE_ITERATION: i64 = -2_147_483_648;

/// One console event (several `\n`-joined lines as the SDK flushes them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LogEntry {
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// `info`/`error` from the SDK, upper case from the agent.
    pub level: String,
    pub worker: String,
    pub msg: String,
}

/// One scalar point.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScalarPoint {
    pub iter: i64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub value: f64,
}

/// A whole (or downsampled) scalar series, ready for a chart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesData {
    pub metric: String,
    pub variant: String,
    pub x: Vec<i64>,
    /// `None` where the reported value was not finite (NaN, ±inf), which
    /// JSON cannot carry.
    pub y: Vec<Option<f64>>,
}
