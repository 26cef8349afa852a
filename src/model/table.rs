//! The experiments table: its view (columns, sort, filters and page) and
//! that view's round trip through the URL query string (so a link
//! reproduces the view), its rows, and the bulk actions run from it.

use super::format::fmt_number;
use super::task::{MetricStat, MetricSummary};
use super::{Project, ProjectSummary, Task, TaskStatus, TaskType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rows per page of the experiments table.
pub const PAGE_SIZE: i64 = 50;

/// The page sizes the table offers (`size` in the URL).
pub const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];

fn default_page_size() -> i64 {
    PAGE_SIZE
}

/// A column of the experiments table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Column {
    Id,
    Name,
    Type,
    Status,
    Tags,
    User,
    Started,
    Updated,
    Iteration,
    /// The project the task is in (a link).
    Project,
    /// How long it ran: from start to completion, or to its last report.
    Duration,
    /// A hyperparameter, by section and name.
    Hyperparam {
        section: String,
        name: String,
    },
    /// A statistic of a scalar series, by metric and variant.
    Metric {
        metric: String,
        variant: String,
        stat: MetricStat,
    },
}

/// The fixed columns, in the column picker's order.
pub const FIXED_COLUMNS: [Column; 11] = [
    Column::Id,
    Column::Name,
    Column::Project,
    Column::Type,
    Column::Status,
    Column::Tags,
    Column::User,
    Column::Started,
    Column::Updated,
    Column::Iteration,
    Column::Duration,
];

/// The columns a view shows until it is told otherwise: the fixed ones
/// but the duration, and the project only where tasks come from several
/// projects (all tasks, or a project with its sub-projects).
pub fn default_columns(several_projects: bool) -> Vec<Column> {
    FIXED_COLUMNS
        .into_iter()
        .filter(|c| *c != Column::Duration && (several_projects || *c != Column::Project))
        .collect()
}

impl Column {
    /// The column's key in the URL (`cols=` and `sort=`): `name`,
    /// `hp:Args|lr`, `m:loss|total|last`.
    pub fn key(&self) -> String {
        match self {
            Column::Id => "id".into(),
            Column::Name => "name".into(),
            Column::Type => "type".into(),
            Column::Status => "status".into(),
            Column::Tags => "tags".into(),
            Column::User => "user".into(),
            Column::Started => "started".into(),
            Column::Updated => "last_update".into(),
            Column::Iteration => "last_iteration".into(),
            Column::Project => "project".into(),
            Column::Duration => "duration".into(),
            Column::Hyperparam { section, name } => format!("hp:{section}|{name}"),
            Column::Metric { metric, variant, stat } => format!("m:{metric}|{variant}|{}", stat.as_str()),
        }
    }

    /// Parses a key made by [`Column::key`].
    pub fn parse(key: &str) -> Option<Column> {
        if let Some(rest) = key.strip_prefix("hp:") {
            let (section, name) = rest.split_once('|')?;
            return Some(Column::Hyperparam { section: section.into(), name: name.into() });
        }
        if let Some(rest) = key.strip_prefix("m:") {
            let (metric_variant, stat) = rest.rsplit_once('|')?;
            let (metric, variant) = metric_variant.split_once('|')?;
            return Some(Column::Metric {
                metric: metric.into(),
                variant: variant.into(),
                stat: MetricStat::parse(stat)?,
            });
        }
        FIXED_COLUMNS.into_iter().find(|c| c.key() == key)
    }

    /// The header text.
    pub fn label(&self) -> String {
        match self {
            Column::Id => "ID".into(),
            Column::Name => "Name".into(),
            Column::Type => "Type".into(),
            Column::Status => "Status".into(),
            Column::Tags => "Tags".into(),
            Column::User => "User".into(),
            Column::Started => "Started".into(),
            Column::Updated => "Updated".into(),
            Column::Iteration => "Iteration".into(),
            Column::Project => "Project".into(),
            Column::Duration => "Duration".into(),
            Column::Hyperparam { section, name } => format!("{section}/{name}"),
            Column::Metric { metric, variant, stat } => format!("{metric}/{variant} ({})", stat.as_str()),
        }
    }

    /// Whether the server can sort by this column (tags, project and
    /// duration cannot).
    pub fn sortable(&self) -> bool {
        !matches!(self, Column::Tags | Column::Project | Column::Duration)
    }
}

/// How the tag filter combines its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TagMode {
    /// Tasks with at least one of the tags.
    #[default]
    Any,
    /// Tasks with every tag.
    All,
    /// Tasks with none of the tags.
    Not,
}

impl TagMode {
    /// The URL name.
    pub fn as_str(self) -> &'static str {
        match self {
            TagMode::Any => "any",
            TagMode::All => "all",
            TagMode::Not => "not",
        }
    }
}

/// The narrowest and widest a resized column may be, pixels.
pub const COLUMN_WIDTHS: std::ops::RangeInclusive<u32> = 48..=800;

/// How a reader laid a project's table out, kept by their browser (ClearML
/// keeps it per project too): the columns, when they chose them, and the
/// widths of the columns they resized. A link with `cols=` still shows
/// what it says; the layout fills in only where the URL is silent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableLayout {
    /// Column keys in order; `None` for the defaults.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Width in pixels by column key; a column not here sizes itself.
    #[serde(default)]
    pub widths: BTreeMap<String, u32>,
}

impl TableLayout {
    /// Where the browser keeps the layout of `project`'s table (`None`: all
    /// tasks).
    pub fn storage_key(project: Option<&str>) -> String {
        format!("labbook-table-layout:{}", project.unwrap_or("*"))
    }

    /// As kept in the browser (JSON).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads [`TableLayout::to_stored`] back: unknown columns are dropped,
    /// widths clamped to [`COLUMN_WIDTHS`]; `None` for anything not a layout.
    pub fn from_stored(s: &str) -> Option<TableLayout> {
        let mut l: TableLayout = serde_json::from_str(s).ok()?;
        if let Some(cols) = &mut l.columns {
            cols.retain(|k| Column::parse(k).is_some());
        }
        l.columns = l.columns.filter(|c| !c.is_empty());
        for w in l.widths.values_mut() {
            *w = (*w).clamp(*COLUMN_WIDTHS.start(), *COLUMN_WIDTHS.end());
        }
        Some(l)
    }

    /// The saved columns, parsed.
    pub fn saved_columns(&self) -> Option<Vec<Column>> {
        self.columns.as_ref().map(|c| c.iter().filter_map(|k| Column::parse(k)).collect())
    }

    /// Remembers `columns` as chosen for a view whose defaults are
    /// `defaults` (choosing the defaults forgets the choice).
    pub fn choose_columns(&mut self, columns: &[Column], defaults: &[Column]) {
        self.columns = (columns != defaults).then(|| columns.iter().map(Column::key).collect());
    }

    /// Sets the width of column `key` (clamped), or with `None` lets it
    /// size itself again.
    pub fn set_width(&mut self, key: &str, width: Option<f64>) {
        match width {
            Some(w) => {
                let w = w.round().clamp(f64::from(*COLUMN_WIDTHS.start()), f64::from(*COLUMN_WIDTHS.end()));
                self.widths.insert(key.to_string(), w as u32);
            }
            None => {
                self.widths.remove(key);
            }
        }
    }

    /// The style sheet that gives the resized columns of a table showing
    /// `columns` after one leading column (the checkboxes) their widths;
    /// their cells cut what does not fit with an ellipsis.
    pub fn css(&self, columns: &[Column]) -> String {
        let mut out = String::new();
        for (i, c) in columns.iter().enumerate() {
            if let Some(w) = self.widths.get(&c.key()) {
                // nth-child counts from 1, after the checkbox column.
                let n = i + 2;
                out.push_str(&format!(
                    "table.tasks > * > tr > :nth-child({n}) {{ width: {w}px; min-width: {w}px; max-width: {w}px; \
                     overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }}\n"
                ));
            }
        }
        out
    }
}

/// Everything that decides which rows the table shows, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    /// The project shown; `None` for all tasks.
    pub project: Option<String>,
    /// The key of the column sorted by.
    pub sort: String,
    pub descending: bool,
    pub page: i64,
    pub statuses: Vec<TaskStatus>,
    pub types: Vec<TaskType>,
    pub tags: Vec<String>,
    pub tag_mode: TagMode,
    /// Owner (user id); empty for anyone.
    pub user: String,
    /// Updated on or after this day (`YYYY-MM-DD`, UTC); empty for no bound.
    pub from: String,
    /// Updated on or before this day.
    pub to: String,
    /// Text searched in name, id and comment.
    pub search: String,
    /// Whether `search` is a regex.
    pub regex: bool,
    /// Archived tasks instead of active ones.
    pub archived: bool,
    /// On a project's page, the tasks of its sub-projects too.
    #[serde(default)]
    pub subprojects: bool,
    /// The visible columns, in order.
    pub columns: Vec<Column>,
    /// Rows per page, one of [`PAGE_SIZES`].
    #[serde(default = "default_page_size")]
    pub page_size: i64,
}

impl Default for TableQuery {
    fn default() -> Self {
        TableQuery {
            project: None,
            sort: "last_update".into(),
            descending: true,
            page: 0,
            statuses: Vec::new(),
            types: Vec::new(),
            tags: Vec::new(),
            tag_mode: TagMode::Any,
            user: String::new(),
            from: String::new(),
            to: String::new(),
            search: String::new(),
            regex: false,
            archived: false,
            subprojects: false,
            columns: default_columns(true),
            page_size: PAGE_SIZE,
        }
    }
}

fn list(v: Option<String>) -> Vec<String> {
    v.map(|s| s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

impl TableQuery {
    /// Reads the view from URL query parameters (`get` looks one up);
    /// unknown values are dropped rather than refused, so old links still open.
    pub fn from_params(project: Option<String>, get: impl Fn(&str) -> Option<String>) -> TableQuery {
        let d = TableQuery::default();
        let subprojects = project.is_some() && get("sub").is_some_and(|r| r == "1");
        let columns: Vec<Column> = get("cols")
            .map(|c| c.split(',').filter_map(Column::parse).collect())
            .filter(|c: &Vec<Column>| !c.is_empty())
            .unwrap_or_else(|| default_columns(project.is_none() || subprojects));
        TableQuery {
            project,
            sort: get("sort").filter(|s| Column::parse(s).is_some_and(|c| c.sortable())).unwrap_or(d.sort),
            descending: get("dir").map(|x| x != "asc").unwrap_or(true),
            page: get("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 0).unwrap_or(0),
            statuses: list(get("status")).iter().filter_map(|s| s.parse().ok()).collect(),
            types: list(get("type")).iter().filter_map(|s| s.parse().ok()).collect(),
            tags: list(get("tags")),
            tag_mode: match get("tagmode").as_deref() {
                Some("all") => TagMode::All,
                Some("not") => TagMode::Not,
                _ => TagMode::Any,
            },
            user: get("user").unwrap_or_default(),
            from: get("from").unwrap_or_default(),
            to: get("to").unwrap_or_default(),
            search: get("q").unwrap_or_default(),
            regex: get("regex").is_some_and(|r| r == "1"),
            archived: get("archived").is_some_and(|r| r == "1"),
            subprojects,
            columns,
            page_size: get("size").and_then(|n| n.parse().ok()).filter(|n| PAGE_SIZES.contains(n)).unwrap_or(PAGE_SIZE),
        }
    }

    /// The rows per page this view asks for, never more than the largest
    /// size offered (a hand-made request may ask anything).
    pub fn rows_per_page(&self) -> i64 {
        if PAGE_SIZES.contains(&self.page_size) {
            self.page_size
        } else {
            PAGE_SIZE
        }
    }

    /// Whether the view's tasks come from several projects.
    pub fn several_projects(&self) -> bool {
        self.project.is_none() || self.subprojects
    }

    /// Whether the view shows everything it can: no filter, no search,
    /// not the archive (sorting, paging and columns aside).
    pub fn unfiltered(&self) -> bool {
        let d = TableQuery::default();
        self.statuses.is_empty()
            && self.types.is_empty()
            && self.tags.is_empty()
            && self.user.is_empty()
            && self.from.is_empty()
            && self.to.is_empty()
            && self.search.is_empty()
            && self.archived == d.archived
    }

    /// The page path: `/projects/<id>` or `/tasks`.
    pub fn base(&self) -> String {
        match &self.project {
            Some(p) => format!("/projects/{p}"),
            None => "/tasks".into(),
        }
    }

    /// The query string (without `?`) holding every non-default setting.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = vec![
            ("sort", self.sort.clone()),
            ("dir", if self.descending { "desc" } else { "asc" }.into()),
            ("page", self.page.to_string()),
        ];
        let join = |v: Vec<String>| v.join(",");
        if !self.statuses.is_empty() {
            parts.push(("status", join(self.statuses.iter().map(|s| s.as_str().to_string()).collect())));
        }
        if !self.types.is_empty() {
            parts.push(("type", join(self.types.iter().map(|s| s.as_str().to_string()).collect())));
        }
        if !self.tags.is_empty() {
            parts.push(("tags", join(self.tags.clone())));
            if self.tag_mode != TagMode::Any {
                parts.push(("tagmode", self.tag_mode.as_str().into()));
            }
        }
        for (k, v) in [("user", &self.user), ("from", &self.from), ("to", &self.to), ("q", &self.search)] {
            if !v.is_empty() {
                parts.push((k, v.clone()));
            }
        }
        if self.regex {
            parts.push(("regex", "1".into()));
        }
        if self.archived {
            parts.push(("archived", "1".into()));
        }
        if self.subprojects {
            parts.push(("sub", "1".into()));
        }
        if self.page_size != PAGE_SIZE {
            parts.push(("size", self.page_size.to_string()));
        }
        if self.columns != default_columns(self.several_projects()) {
            parts.push(("cols", join(self.columns.iter().map(Column::key).collect())));
        }
        parts.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The link to this view.
    pub fn href(&self) -> String {
        format!("{}?{}", self.base(), self.to_query_string())
    }

    /// This view with a change applied (and back on the first page unless
    /// the change sets the page).
    pub fn with(&self, change: impl FnOnce(&mut TableQuery)) -> TableQuery {
        let mut q = self.clone();
        q.page = 0;
        change(&mut q);
        q
    }
}

/// One row of the experiments table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub id: String,
    pub name: String,
    pub task_type: TaskType,
    pub status: TaskStatus,
    pub progress: Option<u8>,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    /// The owner's user id.
    pub user: String,
    /// The owner's display name (the id when the user is unknown).
    pub user_name: String,
    /// The project's id, if any.
    #[serde(default)]
    pub project: Option<String>,
    /// The project's full name (filled when the Project column is shown).
    #[serde(default)]
    pub project_name: String,
    /// Milliseconds from start to completion (or to the last report while
    /// it runs); `None` before it starts.
    #[serde(default)]
    pub duration: Option<i64>,
    pub started: Option<i64>,
    pub last_update: i64,
    pub last_iteration: i64,
    /// Hyperparameter and metric cells, by column key.
    pub cells: BTreeMap<String, String>,
}

impl TableRow {
    /// The row of a task, with the cells of `columns` (metrics from `metrics`).
    pub fn new(t: &Task, columns: &[Column], metrics: &[MetricSummary]) -> TableRow {
        let mut cells = BTreeMap::new();
        for c in columns {
            let value = match c {
                Column::Hyperparam { section, name } => {
                    t.hyperparams.get(section).and_then(|s| s.get(name)).map(|h| h.value.clone())
                }
                Column::Metric { metric, variant, stat } => metrics
                    .iter()
                    .find(|m| &m.metric == metric && &m.variant == variant)
                    .map(|m| fmt_number(stat.of(m))),
                _ => None,
            };
            if let Some(v) = value {
                cells.insert(c.key(), v);
            }
        }
        TableRow {
            id: t.id.clone(),
            name: t.name.clone(),
            task_type: t.task_type,
            status: t.status,
            progress: t.progress(),
            tags: t.tags.clone(),
            system_tags: t.system_tags.clone(),
            user: t.user.clone(),
            user_name: t.user.clone(),
            project: t.project.clone(),
            project_name: String::new(),
            duration: t.started.map(|s| (t.completed.unwrap_or(t.last_update) - s).max(0)),
            started: t.started,
            last_update: t.last_update,
            last_iteration: t.last_iteration,
            cells,
        }
    }
}

/// A page of the experiments table, with the project it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTable {
    pub rows: Vec<TableRow>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// The project shown, `None` for all tasks.
    pub project: Option<Project>,
    /// Its direct sub-projects.
    pub subprojects: Vec<ProjectSummary>,
}

/// Most tasks one bulk action touches ("all matching" included).
pub const MAX_BULK: i64 = 10_000;

/// Which tasks a bulk action is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// These tasks.
    Ids(Vec<String>),
    /// Every task the table view matches (up to [`MAX_BULK`]).
    Matching(Box<TableQuery>),
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionReport {
    /// Tasks it was applied to.
    pub applied: usize,
    /// Tasks the state machine left out, with the reason.
    pub skipped: Vec<String>,
    /// Tasks it created (clones).
    pub created: Vec<String>,
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'|') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses a `YYYY-MM-DD` day into epoch milliseconds at its UTC midnight.
pub fn day_start_ms(day: &str) -> Result<i64, String> {
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{day}' is not a date (YYYY-MM-DD)"))?;
    Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or_default())
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn a_layout_round_trips_and_cleans_what_it_reads() {
        let mut l = TableLayout::default();
        let defaults = default_columns(false);
        l.choose_columns(&defaults, &defaults);
        assert_eq!(l.columns, None, "the defaults are not a choice");
        l.choose_columns(&[Column::Name, Column::Status], &defaults);
        l.set_width("name", Some(5000.0));
        l.set_width("status", Some(120.4));
        assert_eq!(l.widths["name"], 800);
        let back = TableLayout::from_stored(&l.to_stored()).expect("a layout");
        assert_eq!(back, l);
        assert_eq!(back.saved_columns(), Some(vec![Column::Name, Column::Status]));
        let css = back.css(&[Column::Status, Column::Id]);
        assert!(css.contains(":nth-child(2) { width: 120px;"), "{css}");
        assert!(!css.contains("nth-child(3)"), "{css}");
        let odd = TableLayout::from_stored(r#"{"columns":["zzz"],"widths":{"id":1}}"#).expect("a layout");
        assert_eq!((odd.columns, odd.widths["id"]), (None, 48));
        assert_eq!(TableLayout::from_stored("[1]"), None);
        l.set_width("name", None);
        assert!(!l.widths.contains_key("name"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_survives_the_url() {
        let q = TableQuery {
            project: Some("p1".into()),
            sort: "hp:Args|lr".into(),
            descending: false,
            page: 3,
            statuses: vec![TaskStatus::Completed, TaskStatus::Failed],
            types: vec![TaskType::Testing],
            tags: vec!["a b".into(), "c&d".into()],
            tag_mode: TagMode::Not,
            user: "user-x".into(),
            from: "2026-01-02".into(),
            to: "2026-02-03".into(),
            search: "^run [0-9]+".into(),
            regex: true,
            archived: true,
            subprojects: true,
            columns: vec![
                Column::Name,
                Column::Metric { metric: "loss".into(), variant: "total".into(), stat: MetricStat::Min },
                Column::Hyperparam { section: "Args".into(), name: "lr".into() },
            ],
            page_size: 200,
        };
        let qs = q.to_query_string();
        let pairs: Vec<(String, String)> = qs
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), decode(v))
            })
            .collect();
        let back = TableQuery::from_params(Some("p1".into()), |k| {
            pairs.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone())
        });
        assert_eq!(back, q);
    }

    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn unknown_values_fall_back_to_defaults() {
        let q = TableQuery::from_params(None, |k| match k {
            "sort" => Some("nonsense".into()),
            "status" => Some("created,bogus".into()),
            "page" => Some("-4".into()),
            "cols" => Some("zzz".into()),
            "size" => Some("100000".into()),
            _ => None,
        });
        assert_eq!(q.page_size, PAGE_SIZE);
        assert_eq!(TableQuery { page_size: 7, ..TableQuery::default() }.rows_per_page(), PAGE_SIZE);
        assert_eq!(q.sort, "last_update");
        assert_eq!(q.statuses, vec![TaskStatus::Created]);
        assert_eq!(q.page, 0);
        assert_eq!(q.columns, default_columns(true));
        assert!(q.columns.contains(&Column::Project));
        let in_project = TableQuery::from_params(Some("p".into()), |_| None);
        assert!(!in_project.columns.contains(&Column::Project));
        assert!(!in_project.to_query_string().contains("cols="));
        let with_sub = TableQuery::from_params(Some("p".into()), |k| (k == "sub").then(|| "1".into()));
        assert!(with_sub.subprojects && with_sub.columns.contains(&Column::Project));
    }

    #[test]
    fn days_parse_to_utc_midnight() {
        assert_eq!(day_start_ms("1970-01-01"), Ok(0));
        assert_eq!(day_start_ms("2026-11-21"), Ok(1_795_219_200_000));
        assert!(day_start_ms("2026-13-01").is_err());
        assert!(day_start_ms("yesterday").is_err());
    }
}
