//! The scalar chunk codec: each `events.add_batch` stores one row per
//! series holding its points packed as little-endian `(iter i64, timestamp
//! i64, value f64)` triples, and merges the batch's statistics into the
//! series' row. Read-back decodes chunks straight into a series' columns.

use crate::model::{ScalarPoint, SeriesData};

/// Size of one packed point: iter, timestamp, value.
const POINT_BYTES: usize = 24;

/// Packs points as little-endian (iter i64, timestamp i64, value f64) triples.
pub fn encode_points(points: &[ScalarPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * POINT_BYTES);
    for p in points {
        out.extend_from_slice(&p.iter.to_le_bytes());
        out.extend_from_slice(&p.timestamp.to_le_bytes());
        out.extend_from_slice(&p.value.to_le_bytes());
    }
    out
}

/// One packed point (`POINT_BYTES` bytes).
fn decode_point(c: &[u8]) -> ScalarPoint {
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&c[i * 8..i * 8 + 8]);
        b
    };
    ScalarPoint {
        iter: i64::from_le_bytes(word(0)),
        timestamp: i64::from_le_bytes(word(1)),
        value: f64::from_le_bytes(word(2)),
    }
}

/// Builds a [`SeriesData`] from its packed chunks, in write order, decoding
/// straight into the x/y/t columns. Points out of iteration order or
/// repeated are put right (as [`dedupe_by_iteration`] does) at the end.
pub struct SeriesBuilder {
    series: SeriesData,
    /// Whether every point so far came after the one before it.
    ordered: bool,
}

impl SeriesBuilder {
    /// An empty series.
    pub fn new(metric: String, variant: String) -> SeriesBuilder {
        SeriesBuilder { series: SeriesData { metric, variant, ..Default::default() }, ordered: true }
    }

    /// The series' x axis title.
    pub fn x_axis_label(mut self, label: Option<String>) -> SeriesBuilder {
        self.series.x_axis_label = label;
        self
    }

    /// Appends one chunk's points.
    pub fn add_chunk(&mut self, bytes: &[u8]) {
        let s = &mut self.series;
        let n = bytes.len() / POINT_BYTES;
        s.x.reserve(n);
        s.y.reserve(n);
        s.t.reserve(n);
        for p in bytes.chunks_exact(POINT_BYTES).map(decode_point) {
            if s.x.last().is_some_and(|&last| p.iter <= last) {
                self.ordered = false;
            }
            s.x.push(p.iter);
            s.t.push(p.timestamp);
            s.y.push(p.value.is_finite().then_some(p.value));
        }
    }

    /// The series, ordered by iteration, the last write of an iteration winning.
    pub fn finish(mut self) -> SeriesData {
        if !self.ordered {
            let s = &mut self.series;
            let mut pts: Vec<ScalarPoint> = (0..s.x.len())
                .map(|i| ScalarPoint { iter: s.x[i], timestamp: s.t[i], value: s.y[i].unwrap_or(f64::NAN) })
                .collect();
            dedupe_by_iteration(&mut pts);
            s.x = pts.iter().map(|p| p.iter).collect();
            s.t = pts.iter().map(|p| p.timestamp).collect();
            s.y = pts.iter().map(|p| p.value.is_finite().then_some(p.value)).collect();
        }
        self.series
    }
}

/// Orders points by iteration; for a repeated iteration the last written wins.
pub fn dedupe_by_iteration(points: &mut Vec<ScalarPoint>) {
    // Series are almost always reported in order: sort only when not.
    // A stable sort keeps write order within one iteration.
    if !points.is_sorted_by_key(|p| p.iter) {
        points.sort_by_key(|p| p.iter);
    }
    // Compact in place, the later point of a repeated iteration winning.
    let mut kept = 0;
    for i in 0..points.len() {
        if kept > 0 && points[kept - 1].iter == points[i].iter {
            points[kept - 1] = points[i];
        } else {
            points[kept] = points[i];
            kept += 1;
        }
    }
    points.truncate(kept);
}

/// Statistics of one batch of one series, merged into `scalar_series`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchStats {
    pub count: i64,
    pub sum: f64,
    pub first: (f64, i64),
    pub last: (f64, i64),
    pub min: (f64, i64),
    pub max: (f64, i64),
}

impl BatchStats {
    /// The statistics of a batch without a finite value: merging it changes nothing.
    pub const EMPTY: BatchStats =
        BatchStats { count: 0, sum: 0.0, first: (0.0, 0), last: (0.0, 0), min: (0.0, 0), max: (0.0, 0) };

    /// Statistics of a batch; `None` when it has no finite value. Non-finite
    /// values (NaN, ±inf) are stored as points but left out of the statistics.
    pub fn of(points: &[ScalarPoint]) -> Option<BatchStats> {
        let mut finite = points.iter().filter(|p| p.value.is_finite());
        let p0 = finite.next()?;
        let mut s = BatchStats {
            count: 1,
            sum: p0.value,
            first: (p0.value, p0.iter),
            last: (p0.value, p0.iter),
            min: (p0.value, p0.iter),
            max: (p0.value, p0.iter),
        };
        for p in finite {
            s.count += 1;
            s.sum += p.value;
            if p.iter >= s.last.1 {
                s.last = (p.value, p.iter);
            }
            if p.value < s.min.0 {
                s.min = (p.value, p.iter);
            }
            if p.value > s.max.0 {
                s.max = (p.value, p.iter);
            }
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(iter: i64, value: f64) -> ScalarPoint {
        ScalarPoint { iter, timestamp: 1000 + iter, value }
    }

    #[test]
    fn points_round_trip_through_packing() {
        let pts = vec![pt(0, 1.0), pt(1, -0.5), pt(i64::MIN, f64::MAX)];
        let bytes = encode_points(&pts);
        assert_eq!(bytes.len(), 3 * POINT_BYTES);
        let mut back = Vec::new();
        decode_points(&bytes, &mut back);
        assert_eq!(back, pts);
        // A torn tail is ignored rather than misread.
        let mut back = Vec::new();
        decode_points(&bytes[..bytes.len() - 3], &mut back);
        assert_eq!(back.len(), 2);
    }

    /// Unpacks what [`encode_points`] wrote (the read path decodes through
    /// [`SeriesBuilder`]); a trailing partial point is ignored.
    fn decode_points(bytes: &[u8], out: &mut Vec<ScalarPoint>) {
        out.extend(bytes.chunks_exact(POINT_BYTES).map(decode_point));
    }

    #[test]
    fn repeated_iterations_keep_the_last_write() {
        let mut pts = vec![pt(2, 2.0), pt(0, 0.0), pt(2, 2.5), pt(1, 1.0)];
        dedupe_by_iteration(&mut pts);
        let got: Vec<(i64, f64)> = pts.iter().map(|p| (p.iter, p.value)).collect();
        assert_eq!(got, vec![(0, 0.0), (1, 1.0), (2, 2.5)]);
        // Already in order (the usual case), with a repeat.
        let mut pts = vec![pt(0, 0.0), pt(1, 1.0), pt(1, 1.5), pt(2, 2.0)];
        dedupe_by_iteration(&mut pts);
        let got: Vec<(i64, f64)> = pts.iter().map(|p| (p.iter, p.value)).collect();
        assert_eq!(got, vec![(0, 0.0), (1, 1.5), (2, 2.0)]);
    }

    #[test]
    fn a_series_is_built_in_iteration_order_from_its_chunks() {
        let mut b = SeriesBuilder::new("m".into(), "v".into());
        b.add_chunk(&encode_points(&[pt(0, 0.0), pt(1, 1.0)]));
        b.add_chunk(&encode_points(&[pt(2, f64::NAN), pt(3, 3.0)]));
        let s = b.finish();
        assert_eq!(s.x, vec![0, 1, 2, 3]);
        assert_eq!(s.y, vec![Some(0.0), Some(1.0), None, Some(3.0)]);
        // A later chunk rewriting iteration 1, out of order.
        let mut b = SeriesBuilder::new("m".into(), "v".into());
        b.add_chunk(&encode_points(&[pt(0, 0.0), pt(1, 1.0), pt(2, 2.0)]));
        b.add_chunk(&encode_points(&[pt(1, 9.0)]));
        let s = b.finish();
        assert_eq!(s.x, vec![0, 1, 2]);
        assert_eq!(s.y, vec![Some(0.0), Some(9.0), Some(2.0)]);
        assert_eq!(s.t.len(), 3);
    }

    #[test]
    fn batch_stats() {
        let s = BatchStats::of(&[pt(0, 3.0), pt(1, 1.0), pt(2, 5.0), pt(3, 2.0)]).unwrap();
        assert_eq!(s.count, 4);
        assert_eq!(s.sum, 11.0);
        assert_eq!(s.first, (3.0, 0));
        assert_eq!(s.last, (2.0, 3));
        assert_eq!(s.min, (1.0, 1));
        assert_eq!(s.max, (5.0, 2));
        assert!(BatchStats::of(&[]).is_none());
        let s = BatchStats::of(&[pt(0, f64::NAN), pt(1, 2.0), pt(2, f64::INFINITY)]).unwrap();
        assert_eq!((s.count, s.sum, s.min, s.max), (1, 2.0, (2.0, 1), (2.0, 1)));
        assert!(BatchStats::of(&[pt(0, f64::NAN)]).is_none());
    }
}
