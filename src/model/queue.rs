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

/// One sample of a queue's state, kept for its charts: written on every
/// change of the queue and once a minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStat {
    pub queue: String,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// How many tasks waited.
    pub length: i64,
    /// Their mean wait, milliseconds.
    pub mean_wait_ms: i64,
}

impl QueueStat {
    /// The sample of `queue` holding `entries` at `now` (epoch ms).
    pub fn of(queue: &str, entries: &[QueueEntry], now: i64) -> QueueStat {
        let waits = QueueWaits::of(entries, now);
        QueueStat {
            queue: queue.to_string(),
            timestamp: now,
            length: i64::try_from(waits.count).unwrap_or(i64::MAX),
            mean_wait_ms: waits.mean_ms,
        }
    }
}

/// A queue in one interval of its chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBucket {
    /// Epoch ms of the interval's start.
    pub date: i64,
    /// How many tasks waited.
    pub length: i64,
    /// Their mean wait, milliseconds.
    pub wait_ms: i64,
}

/// Each queue's samples cut into intervals of `interval_ms` aligned on the
/// epoch, as ClearML's `queues.get_queue_metrics` cuts them: an interval
/// shows its sample with the longest mean wait (the longer queue on a tie);
/// intervals without a sample are left out. By queue id, dates ascending.
pub fn queue_buckets(samples: &[QueueStat], interval_ms: i64) -> std::collections::BTreeMap<String, Vec<QueueBucket>> {
    let interval_ms = interval_ms.max(1);
    let mut best: std::collections::BTreeMap<(&str, i64), QueueBucket> = Default::default();
    for s in samples {
        let date = s.timestamp.div_euclid(interval_ms) * interval_ms;
        let candidate = QueueBucket { date, length: s.length, wait_ms: s.mean_wait_ms };
        best.entry((s.queue.as_str(), date))
            .and_modify(|b| {
                if (candidate.wait_ms, candidate.length) > (b.wait_ms, b.length) {
                    *b = candidate;
                }
            })
            .or_insert(candidate);
    }
    let mut out: std::collections::BTreeMap<String, Vec<QueueBucket>> = Default::default();
    for ((queue, _), b) in best {
        out.entry(queue.to_string()).or_default().push(b);
    }
    out
}

/// All queues together per interval (ClearML's "total" when no queue is
/// named): a queue without a sample in an interval counts with its last
/// one; lengths add up and the wait is their length-weighted mean.
pub fn total_buckets(per_queue: &std::collections::BTreeMap<String, Vec<QueueBucket>>) -> Vec<QueueBucket> {
    let mut dates: Vec<i64> = per_queue.values().flatten().map(|b| b.date).collect();
    dates.sort_unstable();
    dates.dedup();
    let mut next: Vec<(usize, &Vec<QueueBucket>)> = per_queue.values().map(|v| (0, v)).collect();
    let mut last: Vec<Option<QueueBucket>> = vec![None; next.len()];
    dates
        .into_iter()
        .map(|date| {
            for (i, (at, buckets)) in next.iter_mut().enumerate() {
                while let Some(b) = buckets.get(*at).filter(|b| b.date <= date) {
                    last[i] = Some(*b);
                    *at += 1;
                }
            }
            let length: i64 = last.iter().flatten().map(|b| b.length).sum();
            let weighted: i128 = last.iter().flatten().map(|b| i128::from(b.wait_ms) * i128::from(b.length)).sum();
            let wait_ms = if length > 0 { i64::try_from(weighted / i128::from(length)).unwrap_or(i64::MAX) } else { 0 };
            QueueBucket { date, length, wait_ms }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(queue: &str, timestamp: i64, length: i64, mean_wait_ms: i64) -> QueueStat {
        QueueStat { queue: queue.into(), timestamp, length, mean_wait_ms }
    }

    #[test]
    fn buckets_keep_the_longest_wait_and_skip_empty_intervals() {
        let samples =
            [stat("a", 1_000, 1, 10), stat("a", 4_000, 3, 50), stat("a", 4_500, 5, 20), stat("a", 16_000, 0, 0)];
        let got = queue_buckets(&samples, 5_000);
        assert_eq!(
            got["a"],
            vec![QueueBucket { date: 0, length: 3, wait_ms: 50 }, QueueBucket { date: 15_000, length: 0, wait_ms: 0 },]
        );
    }

    #[test]
    fn totals_carry_each_queue_forward_and_weigh_waits_by_length() {
        let samples = [stat("a", 0, 2, 100), stat("b", 5_000, 1, 400), stat("a", 10_000, 0, 0)];
        let total = total_buckets(&queue_buckets(&samples, 5_000));
        assert_eq!(
            total,
            vec![
                QueueBucket { date: 0, length: 2, wait_ms: 100 },
                QueueBucket { date: 5_000, length: 3, wait_ms: 200 },
                QueueBucket { date: 10_000, length: 1, wait_ms: 400 },
            ]
        );
    }

    #[test]
    fn a_sample_counts_the_waiting_tasks() {
        let entries = [QueueEntry { task: "t".into(), added: 1_000 }, QueueEntry { task: "u".into(), added: 3_000 }];
        assert_eq!(QueueStat::of("q", &entries, 5_000), stat("q", 5_000, 2, 3_000));
        assert_eq!(QueueStat::of("q", &[], 5_000), stat("q", 5_000, 0, 0));
    }
}
