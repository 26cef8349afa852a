//! Reports: Markdown documents (tasks of type `report`, as ClearML keeps
//! them) that embed live charts of tasks. An embed is ClearML's snippet,
//! `<iframe src="…/widgets/?type=scalar&objects=<id>&metrics=…&variants=…">`,
//! so a report written in ClearML's web app shows the same charts here.

use super::event::{PlotData, SampleData, SeriesData, SingleValue};
use super::{TaskStatus, MIN_NAME_CHARS};
use serde::{Deserialize, Serialize};

/// The most characters a report's Markdown has (ClearML sets no limit; a
/// megabyte is far beyond any written one).
pub const MAX_REPORT_CHARS: usize = 1_000_000;

/// The most tasks one embedded chart draws.
pub const MAX_WIDGET_OBJECTS: usize = 20;

/// One report as the reports page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCard {
    pub id: String,
    pub name: String,
    /// The project it belongs to (`None` at the top level): the parent of
    /// the hidden `.reports` project that holds it.
    pub project: Option<(String, String)>,
    pub user: String,
    /// Last update, epoch milliseconds.
    pub updated: i64,
    pub status: TaskStatus,
    /// Its description (ClearML's `comment`), shown on its card.
    pub comment: String,
    pub tags: Vec<String>,
    pub archived: bool,
}

impl ReportCard {
    /// Whether its text may still change (published reports are locked).
    pub fn editable(&self) -> bool {
        self.status != TaskStatus::Published
    }
}

/// Which reports the reports page lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// Text searched in name, description and text (case-insensitive).
    pub search: String,
    /// Archived reports instead of active ones.
    pub archived: bool,
}

/// A part of a report as shown: sanitized HTML, or an embedded chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReportBlock {
    Html(String),
    Widget(Widget),
}

/// One report as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub card: ReportCard,
    pub markdown: String,
    pub blocks: Vec<ReportBlock>,
}

/// What an embedded chart draws (ClearML's widget `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WidgetKind {
    /// Scalar histories: a chart per metric, a line per task and variant.
    Scalar,
    /// Each task's newest plot of the metric and variant.
    Plot,
    /// Debug samples, with one iteration slider for all tasks.
    Sample,
    /// The single values (`report_single_value`) as a table.
    Single,
    /// A kind Labbook does not draw (`parcoords`, or anything else).
    Other(String),
}

/// One embedded chart, from an embed snippet's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widget {
    pub kind: WidgetKind,
    /// Task ids (ClearML's `objects`); models are not drawn.
    pub objects: Vec<String>,
    /// Metric names; empty for all.
    pub metrics: Vec<String>,
    /// Variant names; empty for all.
    pub variants: Vec<String>,
    /// Why it cannot be drawn here, if it cannot.
    pub unsupported: Option<String>,
}

impl Widget {
    /// Whether a series is one the widget shows.
    pub fn shows(&self, metric: &str, variant: &str) -> bool {
        (self.metrics.is_empty() || self.metrics.iter().any(|m| m == metric))
            && (self.variants.is_empty() || self.variants.iter().any(|v| v == variant))
    }

    /// The embed snippet for a chart of `kind` over `objects`, as ClearML's
    /// "Embed in report" writes it (relative to this server).
    pub fn snippet(kind: &str, objects: &[String], metric: &str, variant: &str) -> String {
        let mut query = format!("type={}&objectType=task", super::table::encode(kind));
        for o in objects {
            query.push_str(&format!("&objects={}", super::table::encode(o)));
        }
        if !metric.is_empty() {
            query.push_str(&format!("&metrics={}", super::table::encode(metric)));
        }
        if !variant.is_empty() {
            query.push_str(&format!("&variants={}", super::table::encode(variant)));
        }
        format!("<iframe\n  src=\"/widgets/?{query}\"\n  width=\"100%\" height=\"400\"\n></iframe>")
    }

    /// The widget an embed's `src` describes, if it is one (its path ends
    /// in `/widgets` or `/widgets/`; any host, since a report may come from
    /// another server).
    pub fn from_src(src: &str) -> Option<Widget> {
        let src = src.trim();
        let (path, query) = src.split_once('?').unwrap_or((src, ""));
        if !path.trim_end_matches('/').ends_with("/widgets") {
            return None;
        }
        let mut w = Widget {
            kind: WidgetKind::Other(String::new()),
            objects: Vec::new(),
            metrics: Vec::new(),
            variants: Vec::new(),
            unsupported: None,
        };
        let mut object_type = String::from("task");
        let mut query_keys = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v);
            match k {
                "type" => {
                    w.kind = match v.as_str() {
                        "scalar" => WidgetKind::Scalar,
                        "plot" => WidgetKind::Plot,
                        "sample" => WidgetKind::Sample,
                        "single" => WidgetKind::Single,
                        other => WidgetKind::Other(other.to_string()),
                    }
                }
                "objectType" => object_type = v,
                "objects" | "tasks" => w.objects.push(v),
                "metrics" => w.metrics.push(v),
                "variants" => w.variants.push(v),
                "company" | "light" | "xaxis" | "value_type" => {}
                other => query_keys.push(other.to_string()),
            }
        }
        w.objects.retain(|o| !o.is_empty());
        w.objects.dedup();
        w.unsupported = if let WidgetKind::Other(kind) = &w.kind {
            Some(format!("charts of type \"{kind}\" are not drawn here"))
        } else if object_type != "task" {
            Some(format!("charts of {object_type}s are not drawn here, only of tasks"))
        } else if w.objects.is_empty() && !query_keys.is_empty() {
            Some(format!(
                "tasks chosen by a query ({}) are not looked up here; name them with objects=",
                query_keys.join(", ")
            ))
        } else if w.objects.is_empty() {
            Some("it names no task (objects=)".to_string())
        } else if w.objects.len() > MAX_WIDGET_OBJECTS {
            Some(format!("it names {} tasks; at most {MAX_WIDGET_OBJECTS} are drawn", w.objects.len()))
        } else {
            None
        };
        Some(w)
    }
}

/// A part of a report's Markdown: text, or an embed.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    Markdown(&'a str),
    Widget(Widget),
}

/// Splits Markdown at its embeds (`<iframe …src="…/widgets/?…"…></iframe>`
/// or a self-closed `<iframe …/>`); other iframes stay in the text (and are
/// removed when it is sanitized).
pub fn split_embeds(markdown: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let lower = markdown.to_ascii_lowercase();
    let (mut rest, mut at) = (0, 0);
    while let Some(found) = lower[at..].find("<iframe") {
        let start = at + found;
        let Some(open_end) = lower[start..].find('>').map(|e| start + e + 1) else { break };
        let end = if lower[..open_end].ends_with("/>") {
            open_end
        } else {
            lower[open_end..].find("</iframe>").map(|e| open_end + e + "</iframe>".len()).unwrap_or(open_end)
        };
        at = end;
        let Some(widget) = attribute(&markdown[start..open_end], "src").and_then(|s| Widget::from_src(&s)) else {
            continue;
        };
        if start > rest {
            out.push(Piece::Markdown(&markdown[rest..start]));
        }
        out.push(Piece::Widget(widget));
        rest = end;
    }
    if rest < markdown.len() {
        out.push(Piece::Markdown(&markdown[rest..]));
    }
    out
}

/// The value of attribute `name` in an HTML start tag (quoted with `"` or
/// `'`, or bare), entities `&amp;` decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name).map(|i| from + i) {
        from = i + name.len();
        let before_ok = i > 0 && lower.as_bytes()[i - 1].is_ascii_whitespace();
        let after = lower[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = tag[tag.len() - after.len() + 1..].trim_start();
        let raw = match value.chars().next()? {
            q @ ('"' | '\'') => value[1..].split(q).next()?,
            _ => value.split(|c: char| c.is_ascii_whitespace() || c == '>').next()?,
        };
        return Some(raw.replace("&amp;", "&"));
    }
    None
}

/// Decodes a URL query value (`%XX`, `+` for a space); broken escapes stay
/// as they are.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a report's name (as a task's) and text.
pub fn check_report(name: Option<&str>, markdown: Option<&str>) -> Result<(), String> {
    if let Some(n) = name {
        if n.trim().chars().count() < MIN_NAME_CHARS {
            return Err(format!("report name must be at least {MIN_NAME_CHARS} characters long"));
        }
    }
    if let Some(m) = markdown {
        if m.chars().count() > MAX_REPORT_CHARS {
            return Err(format!("a report's text is at most {MAX_REPORT_CHARS} characters"));
        }
    }
    Ok(())
}

/// One task's single value, for a table of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskValue {
    pub task: String,
    pub value: SingleValue,
}

/// What an embedded chart draws, fetched for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WidgetData {
    /// Series named "{task} · {variant}" (just the variant for one task).
    Scalars(Vec<SeriesData>),
    /// Per task (with its name), its plots of the shown series.
    Plots(Vec<String>, Vec<Vec<PlotData>>),
    /// Per task (with its name), its debug samples of the shown series.
    Samples(Vec<String>, Vec<Vec<SampleData>>),
    Single(Vec<TaskValue>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clearml_embed_becomes_a_widget() {
        let w = Widget::from_src(
            "https://app.clear.ml/widgets/?type=scalar&objectType=task&objects=abc&objects=def&metrics=loss%20total&variants=train+set&company=x",
        )
        .expect("a widget");
        assert_eq!(w.kind, WidgetKind::Scalar);
        assert_eq!(w.objects, ["abc", "def"]);
        assert_eq!(w.metrics, ["loss total"]);
        assert_eq!(w.variants, ["train set"]);
        assert_eq!(w.unsupported, None);
        assert!(w.shows("loss total", "train set") && !w.shows("loss", "train set"));
        assert_eq!(Widget::from_src("https://example.com/video"), None);
        let query = Widget::from_src("/widgets/?type=scalar&project=p1&page_size=1").expect("a widget");
        assert!(query.unsupported.as_deref().is_some_and(|u| u.contains("project, page_size")));
        let parcoords = Widget::from_src("/widgets?type=parcoords&objects=a").expect("a widget");
        assert_eq!(parcoords.kind, WidgetKind::Other("parcoords".into()));
        assert!(parcoords.unsupported.is_some());
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("%zz%41"), "%zzA");
    }

    #[test]
    fn the_snippet_reads_back_as_its_widget() {
        let ids = vec!["t1".to_string(), "t 2".to_string()];
        let snippet = Widget::snippet("plot", &ids, "roc & pr", "val");
        let pieces = split_embeds(&snippet);
        let [Piece::Widget(w)] = pieces.as_slice() else { panic!("one widget: {pieces:?}") };
        assert_eq!((w.kind.clone(), w.objects.clone()), (WidgetKind::Plot, ids));
        assert_eq!(w.metrics, ["roc & pr"]);
    }

    #[test]
    fn markdown_is_split_at_embeds_only() {
        let md = "# Title\n\n<IFRAME\n  src='/widgets/?type=sample&amp;objects=a'\n  width=\"100%\"\n></iframe>\nafter\n<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n<iframe src=\"/widgets/?type=single&objects=b\"/>";
        let pieces = split_embeds(md);
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        assert_eq!(pieces[0], Piece::Markdown("# Title\n\n"));
        let Piece::Widget(w) = &pieces[1] else { panic!("a widget") };
        assert_eq!((w.kind.clone(), w.objects.clone()), (WidgetKind::Sample, vec!["a".to_string()]));
        let Piece::Markdown(middle) = pieces[2] else { panic!("text") };
        assert!(middle.contains("after") && middle.contains("youtube"), "other iframes stay in the text");
        assert!(matches!(&pieces[3], Piece::Widget(w) if w.kind == WidgetKind::Single));
        assert_eq!(split_embeds("no embeds"), vec![Piece::Markdown("no embeds")]);
        assert_eq!(
            split_embeds("<iframe src=\"/widgets/?type=plot&objects=a\""),
            vec![Piece::Markdown("<iframe src=\"/widgets/?type=plot&objects=a\"")]
        );
    }

    #[test]
    fn report_text_and_names_are_checked() {
        assert!(check_report(Some("ab"), None).is_err());
        assert!(check_report(Some("weekly"), Some("# hi")).is_ok());
        assert!(check_report(None, Some(&"x".repeat(MAX_REPORT_CHARS + 1))).is_err());
    }
}
