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
    /// The iteration it was reported at (0 when none was given).
    #[serde(default)]
    pub iter: i64,
    /// The metric and variant it was reported under (ClearML lets a log
    /// event name them; empty when it did not).
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub variant: String,
}

/// Which metrics (and variants) a read or a deletion is narrowed to:
/// metric → variants, an empty list for all of a metric's; no entry at all
/// for everything (ClearML's `metrics: [{metric, variants}]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricFilter(pub std::collections::BTreeMap<String, Vec<String>>);

impl MetricFilter {
    /// Whether events of this metric and variant are wanted.
    pub fn admits(&self, metric: &str, variant: &str) -> bool {
        self.0.is_empty() || self.0.get(metric).is_some_and(|vs| vs.is_empty() || vs.iter().any(|v| v == variant))
    }
}

/// One scalar point.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScalarPoint {
    pub iter: i64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub value: f64,
}

/// A value reported with `report_single_value` (at iteration -2³¹): a
/// summary figure, not a point of a history.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SingleValue {
    pub metric: String,
    pub variant: String,
    /// `None` when it was not finite.
    pub value: Option<f64>,
    /// When it was reported, epoch milliseconds.
    pub timestamp: i64,
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
    /// When each point was reported, epoch milliseconds (for time axes).
    #[serde(default)]
    pub t: Vec<i64>,
    /// The x axis' title the reporter gave (ClearML's `x_axis_label`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_axis_label: Option<String>,
}

impl SeriesData {
    /// The points with `from <= x <= to`.
    pub fn window(&self, from: i64, to: i64) -> SeriesData {
        let start = self.x.partition_point(|&x| x < from);
        let end = self.x.partition_point(|&x| x <= to);
        SeriesData {
            metric: self.metric.clone(),
            variant: self.variant.clone(),
            x: self.x[start..end].to_vec(),
            y: self.y[start..end].to_vec(),
            t: self.t.get(start..end).map(<[i64]>::to_vec).unwrap_or_default(),
            x_axis_label: self.x_axis_label.clone(),
        }
    }

    /// The iteration after this series' last point (0 when empty): where
    /// a live refresh asks from.
    pub fn next_x(&self) -> i64 {
        self.x.last().map_or(0, |x| x.saturating_add(1))
    }

    /// At most about `2 * buckets` points: the x range is cut into `buckets`
    /// equal spans and each keeps its lowest and highest point (in x order),
    /// so spikes stay visible however far the series is reduced. Gaps
    /// (`None`) are kept once per span. Series already small enough are
    /// returned whole.
    pub fn downsample(&self, buckets: usize) -> SeriesData {
        let n = self.x.len();
        if buckets == 0 || n <= 2 * buckets {
            return self.clone();
        }
        let (first, last) = (self.x[0], self.x[n - 1]);
        let span = ((last - first) as f64 / buckets as f64).max(1.0);
        let mut out = SeriesData {
            metric: self.metric.clone(),
            variant: self.variant.clone(),
            x_axis_label: self.x_axis_label.clone(),
            ..SeriesData::default()
        };
        // The last point belongs to the last bucket, not one of its own.
        let bucket_of = |x: i64| (((x - first) as f64 / span) as usize).min(buckets - 1);
        let mut i = 0;
        while i < n {
            let bucket = bucket_of(self.x[i]);
            let mut lo: Option<usize> = None;
            let mut hi: Option<usize> = None;
            let mut gap: Option<usize> = None;
            while i < n && bucket_of(self.x[i]) == bucket {
                match self.y[i] {
                    Some(v) => {
                        if lo.is_none_or(|j| self.y[j].is_some_and(|w| v < w)) {
                            lo = Some(i);
                        }
                        if hi.is_none_or(|j| self.y[j].is_some_and(|w| v > w)) {
                            hi = Some(i);
                        }
                    }
                    None => gap = gap.or(Some(i)),
                }
                i += 1;
            }
            let mut keep: Vec<usize> = [lo, hi, gap].into_iter().flatten().collect();
            keep.sort_unstable();
            keep.dedup();
            for j in keep {
                out.x.push(self.x[j]);
                out.y.push(self.y[j]);
                if let Some(&t) = self.t.get(j) {
                    out.t.push(t);
                }
            }
        }
        out
    }
}

/// The newest console entries of a task (oldest first) and how many it
/// has in all; the rest is in the download.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConsoleTail {
    pub entries: Vec<LogEntry>,
    pub total: i64,
    /// The stored id of the newest entry, from which a live tail asks for
    /// what came after; `None` when there is none.
    #[serde(default)]
    pub last_id: Option<i64>,
}

impl ConsoleTail {
    /// Appends the entries of `newer` (read after this tail's last one),
    /// keeping the newest `keep`.
    pub fn append(&mut self, newer: ConsoleTail, keep: usize) {
        self.entries.extend(newer.entries);
        let over = self.entries.len().saturating_sub(keep);
        self.entries.drain(..over);
        self.last_id = newer.last_id.or(self.last_id);
        self.total = newer.total;
    }
}

#[cfg(test)]
mod console_tests {
    use super::*;

    fn entry(msg: &str) -> LogEntry {
        LogEntry { msg: msg.into(), ..LogEntry::default() }
    }

    #[test]
    fn a_tail_appends_and_keeps_the_newest() {
        let mut tail = ConsoleTail { entries: vec![entry("a"), entry("b")], total: 2, last_id: Some(2) };
        tail.append(ConsoleTail { entries: vec![], total: 2, last_id: None }, 3);
        assert_eq!((tail.last_id, tail.entries.len()), (Some(2), 2), "nothing new keeps the cursor");
        tail.append(ConsoleTail { entries: vec![entry("c"), entry("d")], total: 4, last_id: Some(4) }, 3);
        let msgs: Vec<&str> = tail.entries.iter().map(|e| e.msg.as_str()).collect();
        assert_eq!(msgs, ["b", "c", "d"]);
        assert_eq!((tail.total, tail.last_id), (4, Some(4)));
    }
}

/// One plotly figure a task reported (`report_scatter2d`, tables, matplotlib, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotData {
    pub metric: String,
    pub variant: String,
    pub iter: i64,
    /// The figure as plotly JSON: `{"data": [...], "layout": {...}}`.
    pub plot_str: String,
}

/// What kind of file a debug sample is, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SampleKind {
    Image,
    Audio,
    Video,
    Html,
    /// Anything else: shown as a link.
    File,
}

impl SampleKind {
    /// Guesses the kind from a URL's extension.
    pub fn of(url: &str) -> SampleKind {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "svg" => SampleKind::Image,
            "wav" | "mp3" | "ogg" | "flac" | "m4a" => SampleKind::Audio,
            "mp4" | "webm" | "mov" | "ogv" => SampleKind::Video,
            "html" | "htm" => SampleKind::Html,
            _ => SampleKind::File,
        }
    }
}

/// One debug sample (`report_image`, `report_media`): where the browser
/// loads it from, and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    pub metric: String,
    pub variant: String,
    pub iter: i64,
    /// A `/media/…` path for files this server stores, else the reported URL.
    pub url: String,
    pub kind: SampleKind,
}

/// Appends what a live refresh fetched to the series shown: each fetched
/// series' points after the shown one's last iteration (a point reported
/// again keeps the shown value); series not shown yet are added whole.
pub fn append_points(shown: &mut Vec<SeriesData>, fetched: Vec<SeriesData>) {
    for new in fetched {
        match shown.iter_mut().find(|s| s.metric == new.metric && s.variant == new.variant) {
            Some(s) => {
                let from = new.x.partition_point(|&x| x < s.next_x());
                s.x.extend_from_slice(&new.x[from..]);
                s.y.extend_from_slice(&new.y[from..]);
                if let Some(t) = new.t.get(from..) {
                    s.t.extend_from_slice(t);
                }
            }
            None => shown.push(new),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn live_points_append_after_the_last_shown() {
        let series = |v: &str, x: Vec<i64>| super::SeriesData {
            metric: "loss".into(),
            variant: v.into(),
            y: x.iter().map(|&i| Some(i as f64)).collect(),
            t: x.iter().map(|&i| 1000 + i).collect(),
            x,
            x_axis_label: None,
        };
        let mut shown = vec![series("train", vec![0, 1, 2])];
        assert_eq!(shown[0].next_x(), 3);
        super::append_points(&mut shown, vec![series("train", vec![2, 3, 4]), series("val", vec![4])]);
        assert_eq!(shown[0].x, [0, 1, 2, 3, 4]);
        assert_eq!(shown[0].y.len(), 5);
        assert_eq!(shown[0].t, [1000, 1001, 1002, 1003, 1004]);
        assert_eq!(shown[1].x, [4]);
        assert_eq!(super::SeriesData::default().next_x(), 0);
    }

    use super::SeriesData;

    #[test]
    fn downsampling_keeps_spikes_and_bounds() {
        let n = 100_000;
        let x: Vec<i64> = (0..n).collect();
        let mut y: Vec<Option<f64>> = x.iter().map(|&i| Some((i % 7) as f64)).collect();
        y[54_321] = Some(1e6);
        y[12_345] = Some(-1e6);
        let t: Vec<i64> = x.iter().map(|&i| 1_000 + i).collect();
        let s = SeriesData { metric: "m".into(), variant: "v".into(), x, y, t, x_axis_label: None };
        let d = s.downsample(500);
        assert!(d.x.len() <= 1000, "{} points", d.x.len());
        assert!(d.y.contains(&Some(1e6)) && d.y.contains(&Some(-1e6)));
        assert!(d.x.windows(2).all(|w| w[0] < w[1]));
        assert!(d.x.iter().zip(&d.t).all(|(x, t)| *t == 1_000 + x), "times follow their points");
        let w = s.window(100, 199);
        assert_eq!((w.x.len(), w.x[0], w.x[99]), (100, 100, 199));
        assert_eq!(s.window(10, 20).downsample(500).x.len(), 11);
    }

    #[test]
    fn sample_kinds_follow_the_extension() {
        use super::SampleKind;
        assert_eq!(SampleKind::of("http://h/a/b.PNG?x=1"), SampleKind::Image);
        assert_eq!(SampleKind::of("/media/x/clip.wav"), SampleKind::Audio);
        assert_eq!(SampleKind::of("s3://b/v.mp4"), SampleKind::Video);
        assert_eq!(SampleKind::of("page.html"), SampleKind::Html);
        assert_eq!(SampleKind::of("weights.bin"), SampleKind::File);
    }
}
