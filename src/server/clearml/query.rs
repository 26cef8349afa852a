//! ClearML's query language for `get_all`/`get_all_ex`, evaluated over the
//! wire form of an object (its JSON as the clients read it).
//!
//! A request key names a field (a dotted path, as in the answer) and the
//! kind of condition comes from the field, as in ClearML's server
//! (`GetMixin.QueryParameterOptions`): list fields take a list of values
//! (any of them; `__$all`, `__$any`, `__$not`, a leading `-`, `null` for
//! "empty or missing"), range fields `[min, max]` (either may be `null`),
//! date fields a range or `">=2026-01-01"`-style bounds, pattern fields a
//! regular expression, plain fields an equal value; `filters` holds
//! `{field: {any: {include, exclude}, all: {…}, op}}` for list fields and
//! `_any_`/`_all_` `{fields, pattern}` search several fields. A key that is
//! neither a condition nor one of the endpoint's own parameters is refused
//! (400/12) rather than silently ignored.
//!
//! The endpoints keep what the database can answer (ids, projects, status,
//! tags…) in SQL; this module answers the rest for the rows that come back.

use super::request::{Req, Scroll};
use crate::error::{AppError, AppResult};
use crate::server::clock::parse_time;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Which fields of a noun take which kind of condition. A name ending in
/// `*` covers every field under that prefix.
#[derive(Debug, Clone, Copy)]
pub struct QueryFields {
    pub list: &'static [&'static str],
    pub range: &'static [&'static str],
    pub dates: &'static [&'static str],
    pub pattern: &'static [&'static str],
    pub equal: &'static [&'static str],
}

/// Tasks, as ClearML's `Task.get_all_query_options`.
pub const TASK_FIELDS: QueryFields = QueryFields {
    list: &[
        "id",
        "user",
        "tags",
        "system_tags",
        "type",
        "status",
        "project",
        "parent",
        "hyperparams.*",
        "execution.queue",
        "models.input.model",
    ],
    range: &["created", "started", "active_duration", "last_metrics.*", "last_iteration"],
    dates: &["status_changed", "last_update", "last_change"],
    pattern: &["name", "comment", "report"],
    equal: &["runtime.*"],
};

/// Models, as ClearML's `Model.get_all_query_options`.
pub const MODEL_FIELDS: QueryFields = QueryFields {
    list: &["tags", "system_tags", "framework", "uri", "id", "user", "project", "task", "parent", "metadata.*"],
    range: &["last_update"],
    dates: &[],
    pattern: &["name", "comment"],
    equal: &["ready"],
};

/// Projects, as ClearML's `Project.get_all_query_options`.
pub const PROJECT_FIELDS: QueryFields = QueryFields {
    list: &["tags", "system_tags", "id", "parent", "path"],
    range: &["last_update"],
    dates: &[],
    pattern: &["name", "basename", "description"],
    equal: &[],
};

/// Queues, as ClearML's `Queue.get_all_query_options`.
pub const QUEUE_FIELDS: QueryFields = QueryFields {
    list: &["tags", "system_tags", "id", "metadata.*"],
    range: &[],
    dates: &[],
    pattern: &["name"],
    equal: &[],
};

fn covers(names: &[&str], field: &str) -> bool {
    names.iter().any(|n| match n.strip_suffix('*') {
        Some(prefix) => field.starts_with(prefix),
        None => *n == field,
    })
}

/// The values of a list condition, by how they combine.
#[derive(Debug, Clone, Default, PartialEq)]
struct ListTerms {
    /// Matches if the field holds any of these.
    any: Vec<Value>,
    /// Matches if the field holds all of these.
    all: Vec<Value>,
    /// Matches if the field holds none of these.
    none: Vec<Value>,
    /// With `any`/`all`/`none`: whether they combine with AND (else OR).
    and: bool,
    /// `null` was listed: an empty or missing field matches too.
    or_empty: bool,
}

/// One condition on a field.
#[derive(Debug, Clone)]
enum Cond {
    List(String, ListTerms),
    /// Inclusive bounds; a missing minimum lets an empty field match.
    Range(String, Option<Value>, Option<Value>),
    /// (operator, epoch ms) pairs, all of which must hold.
    Dates(String, Vec<(Ordering, bool, i64)>),
    Pattern(String, regex::Regex),
    Equal(String, Value),
    /// The field is empty or missing (`true`), or holds something (`false`).
    Empty(String, bool),
    /// Any (`true`) or all of these.
    Several(bool, Vec<Cond>),
}

/// The conditions of a request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    conds: Vec<Cond>,
}

fn regex_of(field: &str, pattern: &str) -> AppResult<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| AppError::invalid(format!("invalid regular expression in '{field}': {e}")))
}

/// A list condition from a request's list: values and the `__$` operators.
fn list_terms(field: &str, v: &Value) -> AppResult<ListTerms> {
    let items: Vec<Value> = match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut t = ListTerms::default();
    // `None` until an operator is seen: then legacy `-x` exclusions stop.
    let mut context_all: Option<bool> = None;
    let mut global_and: Option<bool> = None;
    let mut negate = false;
    for item in items {
        match item {
            Value::Null => t.or_empty = true,
            Value::String(s) if s == "__$not" => negate = true,
            Value::String(s) if s == "__$nop" => {
                context_all = None;
                negate = false;
            }
            Value::String(s) if s.starts_with("__$") => {
                let all = match s.as_str() {
                    "__$all" | "__$and" => true,
                    "__$any" | "__$or" => false,
                    _ => return Err(AppError::invalid(format!("unsupported operator '{s}' in '{field}'"))),
                };
                context_all = Some(all);
                global_and.get_or_insert(all);
            }
            Value::String(s) if !negate && context_all.is_none() && s.starts_with('-') && s.len() > 1 => {
                t.none.push(Value::String(s[1..].to_string()));
            }
            value @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                if negate {
                    t.none.push(value);
                    negate = false;
                } else if context_all == Some(true) {
                    t.all.push(value);
                } else {
                    t.any.push(value);
                }
            }
            other => {
                return Err(AppError::invalid(format!("'{field}' takes strings, not {other}")));
            }
        }
    }
    t.and = global_and.unwrap_or(true);
    Ok(t)
}

/// A `filters` entry: `{any: {include, exclude}, all: {include, exclude}, op}`.
fn filter_terms(field: &str, v: &Value) -> AppResult<Cond> {
    let Value::Object(m) = v else {
        return Err(AppError::invalid(format!("filters.{field} must be an object")));
    };
    let strings = |part: &Map<String, Value>, key: &str| -> AppResult<(Vec<Value>, bool)> {
        match part.get(key) {
            None | Some(Value::Null) => Ok((Vec::new(), false)),
            Some(Value::Array(a)) => {
                Ok((a.iter().filter(|x| !x.is_null()).cloned().collect(), a.iter().any(Value::is_null)))
            }
            Some(_) => Err(AppError::invalid(format!("filters.{field}.*.{key} must be a list"))),
        }
    };
    if let Some(k) = m.keys().find(|k| !matches!(k.as_str(), "any" | "all" | "op")) {
        return Err(AppError::invalid(format!("filters.{field}: unknown condition '{k}' (expected any, all, op)")));
    }
    let mut parts = Vec::new();
    for (key, all) in [("any", false), ("all", true)] {
        let Some(part) = m.get(key).filter(|p| !p.is_null()) else { continue };
        let Value::Object(part) = part else {
            return Err(AppError::invalid(format!("filters.{field}.{key} must be an object")));
        };
        if let Some(k) = part.keys().find(|k| !matches!(k.as_str(), "include" | "exclude")) {
            return Err(AppError::invalid(format!(
                "filters.{field}.{key}: unknown list '{k}' (expected include, exclude)"
            )));
        }
        let (include, inc_empty) = strings(part, "include")?;
        let (exclude, exc_empty) = strings(part, "exclude")?;
        let mut conds = Vec::new();
        for v in include {
            conds.push(Cond::List(field.into(), ListTerms { any: vec![v], ..Default::default() }));
        }
        for v in exclude {
            // "any" excludes: not all of them; "all" excludes: none of them.
            conds.push(Cond::List(field.into(), ListTerms { none: vec![v], ..Default::default() }));
        }
        if inc_empty {
            conds.push(Cond::Empty(field.into(), true));
        }
        if exc_empty {
            conds.push(Cond::Empty(field.into(), false));
        }
        if !conds.is_empty() {
            parts.push(Cond::Several(!all, conds));
        }
    }
    let op_or = match m.get("op").and_then(Value::as_str) {
        None | Some("and") => false,
        Some("or") => true,
        Some(other) => {
            return Err(AppError::invalid(format!("filters.{field}.op must be 'and' or 'or', not '{other}'")))
        }
    };
    Ok(Cond::Several(op_or, parts))
}

fn date_bounds(field: &str, v: &Value) -> AppResult<Cond> {
    let items: Vec<Option<String>> = match v {
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        Value::String(s) => vec![Some(s.clone())],
        _ => return Err(AppError::invalid(format!("'{field}' takes dates"))),
    };
    let has_op = items.iter().flatten().any(|s| s.starts_with('<') || s.starts_with('>'));
    if items.len() == 2 && !has_op {
        let bound = |s: &Option<String>| -> AppResult<Option<Value>> {
            s.as_deref()
                .map(|s| {
                    parse_time(s)
                        .map(Value::from)
                        .ok_or_else(|| AppError::invalid(format!("'{field}': '{s}' is not a date")))
                })
                .transpose()
        };
        return range(field, bound(&items[0])?, bound(&items[1])?);
    }
    let mut bounds = Vec::new();
    for s in items.iter().flatten() {
        let (op, rest) = [
            (">=", Ordering::Greater, true),
            (">", Ordering::Greater, false),
            ("<=", Ordering::Less, true),
            ("<", Ordering::Less, false),
        ]
        .iter()
        .find_map(|(p, o, eq)| s.strip_prefix(p).map(|r| ((*o, *eq), r)))
        .unwrap_or(((Ordering::Equal, true), s.as_str()));
        if let Some(ms) = parse_time(rest) {
            bounds.push((op.0, op.1, ms));
        }
    }
    Ok(Cond::Dates(field.into(), bounds))
}

fn range(field: &str, min: Option<Value>, max: Option<Value>) -> AppResult<Cond> {
    if min.is_none() && max.is_none() {
        return Err(AppError::invalid(format!(
            "at least one of min or max values should be provided for field {field}"
        )));
    }
    Ok(Cond::Range(field.into(), min, max))
}

/// Numbers sent as strings (`last_metrics` bounds) become numbers.
fn numeric(v: &Value) -> Value {
    match v {
        Value::String(s) => s.parse::<f64>().map(Value::from).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

impl Query {
    /// The conditions of `req` on `fields`. `own` lists the endpoint's own
    /// parameters (paging, projection, what SQL already answers): they are
    /// skipped. Any other key is refused with 400/12.
    pub fn parse(req: &Req, fields: &QueryFields, own: &[&str]) -> AppResult<Query> {
        let mut conds = Vec::new();
        for (key, v) in &req.body {
            // `method` is the SDK's stray copy of the HTTP verb.
            if key == "method"
                || own.contains(&key.as_str())
                || key.starts_with('_')
                    && key.ends_with('_')
                    && !matches!(key.as_str(), "_any_" | "_all_" | "_or_" | "_and_")
            {
                continue;
            }
            if v.is_null() {
                continue;
            }
            conds.push(Self::condition(fields, key, v)?);
        }
        Ok(Query { conds })
    }

    fn condition(fields: &QueryFields, key: &str, v: &Value) -> AppResult<Cond> {
        if key == "filters" {
            let Value::Object(m) = v else { return Err(AppError::invalid("filters must be an object")) };
            let mut conds = Vec::new();
            for (field, f) in m {
                if !covers(fields.list, field) {
                    return Err(AppError::invalid(format!("filters: '{field}' is not a list field")));
                }
                conds.push(filter_terms(field, f)?);
            }
            return Ok(Cond::Several(false, conds));
        }
        if matches!(key, "_any_" | "_all_" | "_or_" | "_and_") {
            let Value::Object(m) = v else { return Err(AppError::invalid(format!("{key} must be an object"))) };
            let names: Vec<String> = match m.get("fields") {
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                _ => return Err(AppError::invalid(format!("{key}.fields must be a list of field names"))),
            };
            let any = matches!(key, "_any_" | "_or_");
            let mut conds = Vec::new();
            if let Some(p) = m.get("pattern").and_then(Value::as_str) {
                for f in &names {
                    conds.push(Cond::Pattern(f.clone(), regex_of(f, p)?));
                }
            } else if let Some(d) = m.get("datetime") {
                for f in names.iter().filter(|f| covers(fields.dates, f) || covers(fields.range, f)) {
                    conds.push(date_bounds(f, d)?);
                }
            } else {
                return Err(AppError::invalid(format!("{key} needs a pattern or a datetime")));
            }
            return Ok(Cond::Several(any, conds));
        }
        if covers(fields.list, key) {
            return Ok(Cond::List(key.into(), list_terms(key, v)?));
        }
        if covers(fields.range, key) {
            let Value::Array(a) = v else {
                return Err(AppError::invalid(format!("min and max values should be specified for range field {key}")));
            };
            let [min, max] = a.as_slice() else {
                return Err(AppError::invalid(format!("min and max values should be specified for range field {key}")));
            };
            let bound = |b: &Value| (!b.is_null()).then(|| numeric(b));
            return range(key, bound(min), bound(max));
        }
        if covers(fields.dates, key) {
            return date_bounds(key, v);
        }
        if covers(fields.pattern, key) {
            let p = v.as_str().ok_or_else(|| AppError::invalid(format!("'{key}' must be a string")))?;
            return Ok(Cond::Pattern(key.into(), regex_of(key, p)?));
        }
        if covers(fields.equal, key) {
            return Ok(Cond::Equal(key.into(), v.clone()));
        }
        Err(AppError::invalid(format!(
            "unknown field '{key}': not a parameter of this endpoint nor a field it filters on"
        )))
    }

    /// Whether there is no condition.
    pub fn is_empty(&self) -> bool {
        self.conds.is_empty()
    }

    /// Whether `doc` (an object's wire form) meets every condition.
    pub fn matches(&self, doc: &Value) -> bool {
        self.conds.iter().all(|c| c.matches(doc))
    }
}

/// Where a page starts and how long it is: `page`/`page_size`, or a
/// [`Scroll`] when the request scrolls.
pub fn window(req: &Req, scroll: Option<&Scroll>) -> AppResult<(usize, usize)> {
    if let Some(s) = scroll {
        return Ok((s.start, s.size));
    }
    let page = req.opt_i64("page")?.unwrap_or(0);
    let size = req.opt_i64("page_size")?.unwrap_or(500);
    if page < 0 {
        return Err(AppError::invalid("page must not be negative"));
    }
    if !(1..=10_000).contains(&size) {
        return Err(AppError::invalid("page_size must be between 1 and 10000"));
    }
    let size = usize::try_from(size).unwrap_or(500);
    Ok((usize::try_from(page).unwrap_or(usize::MAX).saturating_mul(size), size))
}

/// The documents meeting `query`, ordered by `order_by` (or `default`),
/// from `start`, at most `size`.
pub fn select(
    mut docs: Vec<Value>,
    query: &Query,
    order_by: &[String],
    default: &str,
    (start, size): (usize, usize),
) -> Vec<Value> {
    docs.retain(|d| query.matches(d));
    if order_by.is_empty() {
        sort(&mut docs, &[default.to_string()]);
    } else {
        sort(&mut docs, order_by);
    }
    docs.into_iter().skip(start).take(size).collect()
}

/// The value at a dotted path, if any.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in super::request::path_parts(path) {
        cur = cur.as_object()?.get(&part)?;
    }
    Some(cur)
}

/// Replaces the id at a dotted path by the object it refers to, `{id}`
/// with `name` when `name_of` knows it (the `_ex` endpoints' joins). An
/// empty or missing reference stays as it is.
pub fn join(doc: &mut Value, path: &str, name_of: impl Fn(&str) -> Option<String>) {
    let mut cur = doc;
    for part in path.split('.') {
        let Some(next) = cur.as_object_mut().and_then(|m| m.get_mut(part)) else { return };
        cur = next;
    }
    let Some(id) = cur.as_str().filter(|s| !s.is_empty()).map(str::to_string) else { return };
    let mut obj = Map::new();
    obj.insert("id".into(), Value::String(id.clone()));
    if let Some(name) = name_of(&id) {
        obj.insert("name".into(), Value::String(name));
    }
    *cur = Value::Object(obj);
}

/// Whether two values are the same for a filter (strings and numbers
/// compare across kinds: `"5"` matches `5`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.parse::<f64>().ok() == n.as_f64()
        }
        _ => a == b,
    }
}

impl Cond {
    fn matches(&self, doc: &Value) -> bool {
        match self {
            Cond::List(path, t) => {
                let v = lookup(doc, path);
                let held: Vec<&Value> = match v {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(other) => vec![other],
                };
                let holds = |x: &Value| held.iter().any(|h| same(h, x));
                let mut parts: Vec<bool> = Vec::new();
                if !t.any.is_empty() {
                    parts.push(t.any.iter().any(holds));
                }
                if !t.all.is_empty() {
                    parts.push(t.all.iter().all(holds));
                }
                if !t.none.is_empty() {
                    parts.push(!t.none.iter().any(holds));
                }
                if parts.is_empty() {
                    return !t.or_empty || held.is_empty();
                }
                let cond = if t.and { parts.iter().all(|p| *p) } else { parts.iter().any(|p| *p) };
                cond || (t.or_empty && held.is_empty())
            }
            Cond::Range(path, min, max) => match lookup(doc, path).filter(|v| !v.is_null()) {
                None => min.is_none(),
                Some(v) => {
                    min.as_ref().is_none_or(|m| compare(v, m) != Ordering::Less)
                        && max.as_ref().is_none_or(|m| compare(v, m) != Ordering::Greater)
                }
            },
            Cond::Dates(path, bounds) => {
                let Some(t) = lookup(doc, path).and_then(Value::as_str).and_then(parse_time) else {
                    return bounds.is_empty();
                };
                bounds.iter().all(|(op, eq, ms)| match t.cmp(ms) {
                    Ordering::Equal => *eq,
                    o => o == *op,
                })
            }
            Cond::Pattern(path, re) => match lookup(doc, path) {
                Some(Value::String(s)) => re.is_match(s),
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(|s| re.is_match(s)),
                _ => false,
            },
            Cond::Equal(path, want) => lookup(doc, path).is_some_and(|v| same(v, want)),
            Cond::Empty(path, empty) => {
                let is_empty = match lookup(doc, path) {
                    None | Some(Value::Null) => true,
                    Some(Value::Array(a)) => a.is_empty(),
                    Some(Value::String(s)) => s.is_empty(),
                    Some(_) => false,
                };
                is_empty == *empty
            }
            Cond::Several(any, conds) => {
                if conds.is_empty() {
                    return true;
                }
                if *any {
                    conds.iter().any(|c| c.matches(doc))
                } else {
                    conds.iter().all(|c| c.matches(doc))
                }
            }
        }
    }
}

/// A sort key's place among kinds, as MongoDB orders them: missing and
/// null first, then numbers, then strings, then the rest.
fn kind(v: Option<&Value>) -> u8 {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Number(_)) => 1,
        Some(Value::String(_)) => 2,
        Some(_) => 3,
    }
}

/// Orders two values: numbers by value, strings numerically when both are
/// numbers (hyperparameters are strings; ClearML sorts them with a
/// numeric collation), times by time, else as text.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(f64::NAN).partial_cmp(&y.as_f64().unwrap_or(f64::NAN)).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => match (x.trim().parse::<f64>(), y.trim().parse::<f64>()) {
            (Ok(p), Ok(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => match (parse_time(x), parse_time(y)) {
                (Some(p), Some(q)) if x.len() >= 10 && y.len() >= 10 => p.cmp(&q),
                _ => x.cmp(y),
            },
        },
        (Value::Number(x), Value::String(s)) => match (s.parse::<f64>(), parse_time(s)) {
            (Ok(q), _) => x.as_f64().unwrap_or(f64::NAN).partial_cmp(&q).unwrap_or(Ordering::Equal),
            // A date bound (epoch ms) against a stored time.
            (Err(_), Some(t)) if s.len() >= 10 => x.as_i64().unwrap_or_default().cmp(&t),
            (Err(_), _) => Ordering::Less,
        },
        (Value::String(_), Value::Number(_)) => compare(b, a).reverse(),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        // Objects key by key, as BSON compares them (a hyperparameter item
        // or a whole section, ordered by what it holds).
        (Value::Object(x), Value::Object(y)) => {
            for (kx, ky) in x.iter().zip(y.iter()) {
                let o = kx.0.cmp(ky.0).then_with(|| compare(kx.1, ky.1));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Array(x), Value::Array(y)) => {
            for (a, b) in x.iter().zip(y.iter()) {
                let o = compare(a, b);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => kind(Some(a)).cmp(&kind(Some(b))),
    }
}

/// Orders plain values as [`sort`] orders fields (numbers in strings
/// numerically).
pub fn sort_values(values: &mut [Value]) {
    values.sort_by(compare);
}

/// Orders documents by `order_by` (`field` or `-field`, dotted paths),
/// empty values last either way, ties by `id`.
pub fn sort(docs: &mut [Value], order_by: &[String]) {
    let keys: Vec<(bool, &str)> = order_by
        .iter()
        .map(|o| match o.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, o.trim_start_matches('+')),
        })
        .collect();
    docs.sort_by(|a, b| {
        for (desc, path) in &keys {
            let (x, y) = (lookup(a, path), lookup(b, path));
            // Empty values come last either way, as ClearML orders them.
            let empty = |v: Option<&Value>| match v {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                Some(Value::Object(o)) => o.is_empty(),
                Some(_) => false,
            };
            let o = match (empty(x), empty(y)) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    let o = match (x, y) {
                        (Some(x), Some(y)) => compare(x, y),
                        (x, y) => kind(x).cmp(&kind(y)),
                    };
                    if *desc {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        let id = |d: &Value| d.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        id(a).cmp(&id(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> Req {
        Req::parse(v.to_string().as_bytes()).expect("request")
    }

    fn ids(q: &Query, docs: &[Value]) -> Vec<String> {
        docs.iter().filter(|d| q.matches(d)).map(|d| d["id"].as_str().unwrap_or_default().to_string()).collect()
    }

    fn docs() -> Vec<Value> {
        vec![
            json!({"id": "a", "parent": "p1", "tags": ["x", "y"], "last_iteration": 5, "created": "2026-01-02T00:00:00+00:00",
                   "hyperparams": {"Args": {"lr": {"value": "0.1"}}}, "runtime": {"version": "1"}}),
            json!({"id": "b", "parent": null, "tags": ["y"], "last_iteration": 50, "created": "2026-03-01T00:00:00+00:00",
                   "hyperparams": {"Args": {"lr": {"value": "10"}}}, "runtime": {}}),
            json!({"id": "c", "parent": "p2", "tags": [], "last_iteration": 0, "created": "2025-12-31T00:00:00+00:00",
                   "hyperparams": {"Args": {"lr": {"value": "2"}}}}),
        ]
    }

    #[test]
    fn list_fields_take_values_and_operators() {
        let d = docs();
        let q = |v: Value| Query::parse(&req(v), &TASK_FIELDS, &[]).expect("query");
        assert_eq!(ids(&q(json!({"parent": "p1"})), &d), ["a"]);
        assert_eq!(ids(&q(json!({"parent": ["p1", null]})), &d), ["a", "b"]);
        assert_eq!(ids(&q(json!({"tags": ["__$all", "x", "y"]})), &d), ["a"]);
        assert_eq!(ids(&q(json!({"tags": ["-x"]})), &d), ["b", "c"]);
        assert_eq!(ids(&q(json!({"tags": ["__$not", "y"]})), &d), ["c"]);
        assert_eq!(ids(&q(json!({"tags": [null]})), &d), ["c"]);
        assert_eq!(ids(&q(json!({"hyperparams.Args.lr.value": ["10", "2"]})), &d), ["b", "c"]);
        assert_eq!(ids(&q(json!({"filters": {"tags": {"all": {"include": ["y"], "exclude": ["x"]}}}})), &d), ["b"]);
    }

    #[test]
    fn ranges_dates_and_equality() {
        let d = docs();
        let q = |v: Value| Query::parse(&req(v), &TASK_FIELDS, &[]).expect("query");
        assert_eq!(ids(&q(json!({"last_iteration": [1, null]})), &d), ["a", "b"]);
        assert_eq!(ids(&q(json!({"last_iteration": [null, 5]})), &d), ["a", "c"]);
        assert_eq!(ids(&q(json!({"created": ["2026-01-01", "2026-02-01"]})), &d), ["a"]);
        assert_eq!(ids(&q(json!({"created": ["2026-01-01", null]})), &d), ["a", "b"]);
        assert_eq!(
            ids(&q(json!({"_all_": {"datetime": ["2026-01-01", null], "fields": ["created"]}})), &d),
            ["a", "b"]
        );
        assert_eq!(
            ids(
                &q(json!({"last_update": ">=2026-01-01"})),
                &[json!({"id": "z", "last_update": "2026-05-01T00:00:00+00:00"})]
            ),
            ["z"]
        );
        assert_eq!(ids(&q(json!({"runtime.version": "1"})), &d), ["a"]);
        assert!(Query::parse(&req(json!({"last_iteration": [null, null]})), &TASK_FIELDS, &[]).is_err());
    }

    #[test]
    fn unknown_fields_are_refused_not_ignored() {
        let e = Query::parse(&req(json!({"parnet": "p1"})), &TASK_FIELDS, &[]).expect_err("refused");
        assert_eq!(e.subcode(), 12);
        assert!(e.to_string().contains("parnet"));
        assert!(Query::parse(&req(json!({"only_fields": ["id"]})), &TASK_FIELDS, &["only_fields"])
            .expect("own")
            .is_empty());
    }

    #[test]
    fn sorting_is_numeric_for_numbers_in_strings() {
        let mut d = docs();
        sort(&mut d, &["-hyperparams.Args.lr.value".to_string()]);
        let order: Vec<&str> = d.iter().map(|x| x["id"].as_str().unwrap_or_default()).collect();
        assert_eq!(order, ["b", "c", "a"]);
        sort(&mut d, &["parent".to_string()]);
        assert_eq!(d[2]["id"], "b", "empty values last when ascending");
        sort(&mut d, &["-parent".to_string()]);
        assert_eq!(d[2]["id"], "b", "and when descending");
    }
}
