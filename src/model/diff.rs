//! Line diffs for the compare page: two texts side by side, changed lines
//! paired, long unchanged stretches folded to a count.

use serde::{Deserialize, Serialize};
use similar::{DiffOp, TextDiff};

/// How a row of a side-by-side diff differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    /// The same on both sides.
    Same,
    /// Only on the left (the baseline).
    Removed,
    /// Only on the right.
    Added,
    /// Different on the two sides.
    Changed,
}

/// One row: a line number and text per side, where the side has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffRow {
    Line {
        kind: DiffKind,
        left: Option<(usize, String)>,
        right: Option<(usize, String)>,
    },
    /// Unchanged lines not shown.
    Folded(usize),
}

/// The most lines a side may have to be diffed (the diff is computed on
/// the server and again in the browser).
pub const MAX_DIFF_LINES: usize = 20_000;

/// A text as lines for diffing: CRLF read as LF, a last line without a
/// newline ending like the others (so neither shows as a change).
fn normalized(text: &str) -> String {
    let mut t = text.replace("\r\n", "\n");
    if !t.is_empty() && !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// Whether both texts are short enough for [`side_by_side`].
pub fn diffable(old: &str, new: &str) -> bool {
    old.lines().count() <= MAX_DIFF_LINES && new.lines().count() <= MAX_DIFF_LINES
}

/// `old` and `new` side by side: each change with `context` unchanged lines
/// around it; the rest folded. Empty when the texts are equal (line endings
/// aside).
pub fn side_by_side(old: &str, new: &str, context: usize) -> Vec<DiffRow> {
    let (old, new) = (normalized(old), normalized(new));
    let diff = TextDiff::from_lines(&old, &new);
    let old_lines: Vec<&str> = diff.old_slices().to_vec();
    let new_lines: Vec<&str> = diff.new_slices().to_vec();
    let line = |v: &[&str], i: usize| (i + 1, v[i].trim_end_matches(['\n', '\r']).to_string());
    let groups = diff.grouped_ops(context);
    let mut rows = Vec::new();
    let mut shown_to = 0;
    for group in &groups {
        let Some(first) = group.first() else { continue };
        let start = first.old_range().start;
        if start > shown_to {
            rows.push(DiffRow::Folded(start - shown_to));
        }
        for op in group {
            match *op {
                DiffOp::Equal { old_index, new_index, len } => {
                    for k in 0..len {
                        rows.push(DiffRow::Line {
                            kind: DiffKind::Same,
                            left: Some(line(&old_lines, old_index + k)),
                            right: Some(line(&new_lines, new_index + k)),
                        });
                    }
                }
                DiffOp::Delete { old_index, old_len, .. } => {
                    for k in 0..old_len {
                        rows.push(DiffRow::Line {
                            kind: DiffKind::Removed,
                            left: Some(line(&old_lines, old_index + k)),
                            right: None,
                        });
                    }
                }
                DiffOp::Insert { new_index, new_len, .. } => {
                    for k in 0..new_len {
                        rows.push(DiffRow::Line {
                            kind: DiffKind::Added,
                            left: None,
                            right: Some(line(&new_lines, new_index + k)),
                        });
                    }
                }
                DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    for k in 0..old_len.max(new_len) {
                        let left = (k < old_len).then(|| line(&old_lines, old_index + k));
                        let right = (k < new_len).then(|| line(&new_lines, new_index + k));
                        let kind = match (&left, &right) {
                            (Some(_), Some(_)) => DiffKind::Changed,
                            (Some(_), None) => DiffKind::Removed,
                            _ => DiffKind::Added,
                        };
                        rows.push(DiffRow::Line { kind, left, right });
                    }
                }
            }
        }
        shown_to = group.last().map_or(shown_to, |op| op.old_range().end);
    }
    if !groups.is_empty() && shown_to < old_lines.len() {
        rows.push(DiffRow::Folded(old_lines.len() - shown_to));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(rows: &[DiffRow]) -> Vec<String> {
        rows.iter()
            .map(|r| match r {
                DiffRow::Line { kind, .. } => format!("{kind:?}"),
                DiffRow::Folded(n) => format!("fold {n}"),
            })
            .collect()
    }

    #[test]
    fn equal_texts_have_no_rows() {
        assert!(side_by_side("a\nb\n", "a\nb\n", 3).is_empty());
        assert!(side_by_side("", "", 3).is_empty());
        // Line endings and a missing last newline are not changes.
        assert!(side_by_side("a\r\nb", "a\nb\n", 3).is_empty());
        assert!(diffable("a\n", "b\n"));
        assert!(!diffable(&"x\n".repeat(MAX_DIFF_LINES + 1), ""));
    }

    #[test]
    fn a_change_is_paired_and_far_context_folded() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let rows = side_by_side(&old, &new, 2);
        assert_eq!(kinds(&rows), ["fold 7", "Same", "Same", "Changed", "Same", "Same", "fold 8"]);
        match &rows[3] {
            DiffRow::Line { left, right, .. } => {
                assert_eq!(left.as_ref(), Some(&(10, "line 10".to_string())));
                assert_eq!(right.as_ref(), Some(&(10, "line ten".to_string())));
            }
            DiffRow::Folded(_) => panic!("expected a line"),
        }
    }

    #[test]
    fn additions_and_removals_stand_alone() {
        let rows = side_by_side("a\nb\n", "a\nb\nc\n", 3);
        assert_eq!(kinds(&rows), ["Same", "Same", "Added"]);
        let rows = side_by_side("a\nb\nc\n", "a\n", 3);
        assert_eq!(kinds(&rows), ["Same", "Removed", "Removed"]);
        // A replacement of two lines by one pairs the first and lists the other as removed.
        let rows = side_by_side("x\ny\n", "z\n", 0);
        assert_eq!(kinds(&rows), ["Changed", "Removed"]);
    }
}
