//! The SQL of a task query: a [`TaskFilter`] as a `WHERE` clause, its
//! order as an `ORDER BY`, and the two-step page of a metric sort (tasks
//! with the metric by its value, then those without it).

use super::{base_conditions, tag_condition, where_clause, Dialect, Sql};
use crate::model::ARCHIVED;
use crate::server::store::{MetricStat, TagFilter, TaskFilter, TaskOrder};

/// System tags with a column of their own (0/1), filtered through it.
const SYSTEM_TAG_COLUMNS: [&str; 2] = [ARCHIVED, "hidden"];

/// Like [`tag_condition`] on `system_tags`, with `archived` and `hidden`
/// answered by their indexed columns instead of the JSON array.
fn system_tag_condition(d: Dialect, q: &mut Sql, f: &TagFilter, out: &mut Vec<String>) {
    let column = |t: &String| SYSTEM_TAG_COLUMNS.contains(&t.as_str());
    let mut rest = TagFilter::default();
    for t in &f.all {
        if column(t) {
            out.push(format!("{t} = 1"));
        } else {
            rest.all.push(t.clone());
        }
    }
    for t in &f.none {
        if column(t) {
            out.push(format!("{t} = 0"));
        } else {
            rest.none.push(t.clone());
        }
    }
    // `any` mixes both kinds in one OR: keep it whole unless all are columns.
    if f.any.iter().all(column) && !f.any.is_empty() {
        let ors: Vec<String> = f.any.iter().map(|t| format!("{t} = 1")).collect();
        out.push(format!("({})", ors.join(" OR ")));
    } else {
        rest.any = f.any.clone();
    }
    tag_condition(d, q, "system_tags", &rest, out);
}

/// The WHERE clause (possibly empty) of a task filter.
pub(super) fn task_where(d: Dialect, q: &mut Sql, f: &TaskFilter) -> String {
    let mut conds = base_conditions(d, q, &f.ids, &f.projects, f.name_regex.as_deref());
    if !f.parents.is_empty() {
        conds.push(q.in_list("parent", &f.parents, false));
    }
    if !f.input_models.is_empty() {
        // Links are stored as JSON without spaces: `{"name":…,"model":"<id>",…}`.
        let likes: Vec<String> = f
            .input_models
            .iter()
            .map(|m| {
                let p = q.param(format!("%\"model\":{}%", serde_json::Value::from(m.as_str())));
                format!("models_input LIKE {p}")
            })
            .collect();
        conds.push(format!("({})", likes.join(" OR ")));
    }
    let names = |v: &[crate::model::TaskStatus]| v.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();
    if !f.statuses.is_empty() {
        conds.push(q.in_list("status", &names(&f.statuses), false));
    }
    if !f.exclude_statuses.is_empty() {
        conds.push(q.in_list("status", &names(&f.exclude_statuses), true));
    }
    let types = |v: &[crate::model::TaskType]| v.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();
    if !f.types.is_empty() {
        conds.push(q.in_list("type", &types(&f.types), false));
    }
    if !f.exclude_types.is_empty() {
        conds.push(q.in_list("type", &types(&f.exclude_types), true));
    }
    tag_condition(d, q, "tags", &f.tags, &mut conds);
    system_tag_condition(d, q, &f.system_tags, &mut conds);
    if !f.users.is_empty() {
        conds.push(q.in_list("user_id", &f.users, false));
    }
    if let Some(from) = f.updated_from {
        let p = q.param(from);
        conds.push(format!("last_update >= {p}"));
    }
    if let Some(until) = f.updated_until {
        let p = q.param(until);
        conds.push(format!("last_update < {p}"));
    }
    let search = f.search_text.as_deref().filter(|t| !t.is_empty());
    if let Some(re) = search.filter(|_| f.search_regex) {
        let p = q.param(d.case_insensitive_regex(re));
        conds.push(format!(
            "({} OR {} OR {})",
            d.regex_match("id", &p),
            d.regex_match("name", &p),
            d.regex_match("comment", &p)
        ));
    } else if let Some(text) = search {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let p = q.param(format!("%{escaped}%"));
        conds.push(format!("({} OR {} OR {})", d.ilike("id", &p), d.ilike("name", &p), d.ilike("comment", &p)));
    }
    where_clause(&conds)
}

/// The `scalar_series` column holding a statistic.
fn series_column(stat: MetricStat) -> &'static str {
    match stat {
        MetricStat::Last => "last_value",
        MetricStat::Min => "min_value",
        MetricStat::Max => "max_value",
    }
}

/// The ORDER BY clause of a task filter: NULLs last either way, id last for
/// a stable order. Hyperparameters sort numbers numerically, then as text.
pub(super) fn task_order(d: Dialect, q: &mut Sql, f: &TaskFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    let order = if f.order.is_empty() { vec![(TaskOrder::LastUpdate, true)] } else { f.order.clone() };
    for (col, desc) in order {
        let dir = if desc { "DESC" } else { "ASC" };
        let keys = match &col {
            TaskOrder::Hyperparam { section, name } => {
                let v = d.json_text("hyperparams", &q.param(d.json_path(&[section, name, "value"])));
                vec![d.numeric_or_null(&v), v]
            }
            TaskOrder::Metric { metric, variant, stat } => {
                let (m, v) = (q.param(metric), q.param(variant));
                vec![format!(
                    "(SELECT s.{} FROM scalar_series s WHERE s.task = tasks.id AND s.metric = {m} AND s.variant = {v})",
                    series_column(*stat)
                )]
            }
            other => other.column().map(|c| vec![c.to_string()]).unwrap_or_default(),
        };
        // NOT NULL columns need no NULLs-last key (which would keep the
        // database from walking an index in order).
        let nullable = col.nullable();
        for k in keys {
            if nullable {
                parts.push(format!("({k} IS NULL)"));
            }
            parts.push(format!("{k} {dir}"));
        }
    }
    parts.push("id ASC".into());
    format!(" ORDER BY {}", parts.join(", "))
}

/// The series statistic a task table is ordered by, when a metric column is
/// the only sort key: such pages are read from the series index in order
/// (see [`metric_page_sql`]) instead of sorting every task.
pub(super) fn metric_order(f: &TaskFilter) -> Option<(&str, &str, MetricStat, bool)> {
    match f.order.as_slice() {
        [(TaskOrder::Metric { metric, variant, stat }, desc)] => Some((metric, variant, *stat, *desc)),
        _ => None,
    }
}

/// Ids of the tasks matching `wh` that have the series, in the order of its
/// statistic (ties by id), one page: `wh` must come from [`task_where`] on
/// the same `q`.
pub(super) fn metric_page_sql(
    q: &mut Sql,
    wh: &str,
    (metric, variant, stat, desc): (&str, &str, MetricStat, bool),
    limit: i64,
    offset: i64,
) -> String {
    let (m, v) = (q.param(metric), q.param(variant));
    let (limit, offset) = (q.param(limit), q.param(offset));
    let dir = if desc { "DESC" } else { "ASC" };
    // The subquery exposes no `id`, so the task conditions stay unambiguous.
    format!(
        "SELECT id FROM tasks JOIN (SELECT task, {} AS v FROM scalar_series WHERE metric = {m} AND variant = {v}) s \
         ON s.task = tasks.id{wh} ORDER BY s.v {dir}, id ASC LIMIT {limit} OFFSET {offset}",
        series_column(stat)
    )
}

/// The tasks matching `wh` without the series (they sort last, by id).
pub(super) fn metric_missing_sql(q: &mut Sql, wh: &str, metric: &str, variant: &str, count: bool) -> String {
    let (m, v) = (q.param(metric), q.param(variant));
    let missing = format!(
        "NOT EXISTS (SELECT 1 FROM scalar_series s WHERE s.task = tasks.id AND s.metric = {m} AND s.variant = {v})"
    );
    let wh = if wh.is_empty() { format!(" WHERE {missing}") } else { format!("{wh} AND {missing}") };
    if count {
        format!("SELECT COUNT(*) FROM tasks{wh}")
    } else {
        format!("SELECT id FROM tasks{wh} ORDER BY id ASC")
    }
}
