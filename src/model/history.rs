//! Charts over time of the queues and workers: how long a queue was, how
//! long its tasks waited, how many workers ran and how loaded they were.

use serde::{Deserialize, Serialize};

/// How far back a history chart reaches (the web app's choices, as
/// ClearML's web app offers them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HistoryRange {
    #[default]
    Hours3,
    Hours6,
    Hours12,
    Day,
    Week,
    Month,
}

/// Every range, shortest first.
pub const ALL_RANGES: [HistoryRange; 6] = [
    HistoryRange::Hours3,
    HistoryRange::Hours6,
    HistoryRange::Hours12,
    HistoryRange::Day,
    HistoryRange::Week,
    HistoryRange::Month,
];

/// About how many points a history chart has across its range.
const POINTS: i64 = 120;

impl HistoryRange {
    /// Its length, seconds.
    pub fn seconds(self) -> i64 {
        let hour = 3600;
        match self {
            HistoryRange::Hours3 => 3 * hour,
            HistoryRange::Hours6 => 6 * hour,
            HistoryRange::Hours12 => 12 * hour,
            HistoryRange::Day => 24 * hour,
            HistoryRange::Week => 7 * 24 * hour,
            HistoryRange::Month => 30 * 24 * hour,
        }
    }

    /// The interval its values are reduced over, seconds: about
    /// [`POINTS`] across the range.
    pub fn interval_s(self) -> i64 {
        self.seconds() / POINTS
    }

    /// What the range chooser shows.
    pub fn label(self) -> &'static str {
        match self {
            HistoryRange::Hours3 => "3 hours",
            HistoryRange::Hours6 => "6 hours",
            HistoryRange::Hours12 => "12 hours",
            HistoryRange::Day => "day",
            HistoryRange::Week => "week",
            HistoryRange::Month => "month",
        }
    }

    /// Its short name, as the chooser's value and in the browser's memory.
    pub fn key(self) -> &'static str {
        match self {
            HistoryRange::Hours3 => "3h",
            HistoryRange::Hours6 => "6h",
            HistoryRange::Hours12 => "12h",
            HistoryRange::Day => "1d",
            HistoryRange::Week => "7d",
            HistoryRange::Month => "30d",
        }
    }

    /// The range with short name `key`.
    pub fn from_key(key: &str) -> Option<HistoryRange> {
        ALL_RANGES.into_iter().find(|r| r.key() == key)
    }
}

/// One line of a [`TimeChart`]: a value at each time (epoch ms); `None` is
/// a gap (nothing was reported then).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeSeries {
    pub name: String,
    pub t: Vec<i64>,
    pub y: Vec<Option<f64>>,
}

/// A chart over time: a title, the unit of its values, its lines.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeChart {
    pub title: String,
    /// What the values count (`tasks`, `%`, `GB`…).
    pub unit: String,
    pub series: Vec<TimeSeries>,
}

impl TimeChart {
    /// A chart titled `title` in `unit`, without lines yet.
    pub fn new(title: &str, unit: &str) -> TimeChart {
        TimeChart { title: title.to_string(), unit: unit.to_string(), series: Vec::new() }
    }

    /// Whether any line has a value.
    pub fn has_values(&self) -> bool {
        self.series.iter().any(|s| s.y.iter().any(Option::is_some))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip_through_their_keys_and_have_about_120_points() {
        for r in ALL_RANGES {
            assert_eq!(HistoryRange::from_key(r.key()), Some(r));
            assert_eq!(r.seconds() / r.interval_s(), 120);
        }
        assert_eq!(HistoryRange::from_key("2h"), None);
        assert_eq!(HistoryRange::Hours3.interval_s(), 90);
    }
}
