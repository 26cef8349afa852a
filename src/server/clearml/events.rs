//! `events.*`: console lines, scalars and other reported events.
//!
//! `events.add_batch` takes json-lines (one event per line; a JSON array is
//! accepted too). A line that cannot be used (malformed JSON, a missing
//! field, an unknown task) is reported in `errors`/`errors_info` with its
//! line number, and the good lines of the batch are stored. A batch in which
//! no line is usable is refused with 400/131 and the same details.

use super::request::Req;
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::event::MetricFilter;
use crate::model::{Actor, LogEntry, ScalarPoint};
use crate::server::clock::now_ms;
use crate::server::ops::events::{self, errors_info, Batch, Owner};
use crate::server::state::AppState;
use crate::server::store::{LogClearing, LogCursor, OtherEvent};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn int_field(ev: &Map<String, Value>, key: &str, default: i64) -> Result<i64, String> {
    match ev.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => {
            n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).ok_or_else(|| format!("'{key}' must be an integer"))
        }
        Some(_) => Err(format!("'{key}' must be an integer")),
    }
}

fn str_field(ev: &Map<String, Value>, key: &str) -> Result<String, String> {
    match ev.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("'{key}' must be a string")),
    }
}

/// Python's `json` writes non-finite floats as bare `NaN`, `Infinity` and
/// `-Infinity`, which JSON does not allow. Outside strings, quote them so
/// the line parses; [`scalar_value`] reads them back as floats.
fn quote_non_finite(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if let Some(word) = ["-Infinity", "Infinity", "NaN"].iter().find(|w| rest.starts_with(**w)) {
            out.push('"');
            out.push_str(word);
            out.push('"');
            rest = &rest[word.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A scalar's value: a number, or a quoted non-finite float (see [`quote_non_finite`]).
fn scalar_value(v: Option<&Value>) -> Result<f64, String> {
    match v {
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| "'value' must be a number".into()),
        Some(Value::String(s)) if s == "NaN" => Ok(f64::NAN),
        Some(Value::String(s)) if s == "Infinity" => Ok(f64::INFINITY),
        Some(Value::String(s)) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        Some(_) => Err("'value' must be a number".into()),
        None => Err("missing required field 'value'".into()),
    }
}

/// Parses one json-lines line, tolerating Python's non-finite floats.
fn parse_line(line: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(line).or_else(|e| {
        if line.contains("NaN") || line.contains("Infinity") {
            serde_json::from_str::<Value>(&quote_non_finite(line)).map_err(|e| format!("malformed JSON: {e}"))
        } else {
            Err(format!("malformed JSON: {e}"))
        }
    })
}

/// Adds one event to the batch, or says why it cannot be used.
fn add_event(batch: &mut Batch, mut ev: Map<String, Value>, now: i64) -> Result<(), String> {
    ev.remove("method");
    let task = match ev.get("task") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        Some(_) => return Err("'task' must be a task id string".into()),
        None => return Err("missing required field 'task'".into()),
    };
    let ty = match ev.get("type") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err("missing required field 'type'".into()),
    };
    let timestamp = int_field(&ev, "timestamp", now)?;
    let model_event = ev.get("model_event").and_then(Value::as_bool).unwrap_or(false);
    if model_event && ty == "log" {
        return Err("log events cannot be reported for a model".into());
    }
    let owners = if model_event { &mut batch.models } else { &mut batch.tasks };
    let entry = owners.entry(task).or_default();
    match ty.as_str() {
        "log" => {
            let level = str_field(&ev, "level")?;
            entry.logs.push(LogEntry {
                timestamp,
                level: if level.is_empty() { "info".into() } else { level },
                worker: str_field(&ev, "worker")?,
                msg: str_field(&ev, "msg")?,
                iter: int_field(&ev, "iter", 0)?,
                metric: str_field(&ev, "metric")?,
                variant: str_field(&ev, "variant")?,
            });
        }
        "training_stats_scalar" => {
            let value = scalar_value(ev.get("value"))?;
            let key = (str_field(&ev, "metric")?, str_field(&ev, "variant")?);
            let iter = int_field(&ev, "iter", 0)?;
            let label = str_field(&ev, "x_axis_label")?;
            if !label.is_empty() {
                entry.x_axis_labels.insert(key.clone(), label);
            }
            entry.scalars.entry(key).or_default().push(ScalarPoint { iter, timestamp, value });
        }
        "plot" | "training_debug_image" | "training_stats_vector" => {
            let body = Value::Object(ev.clone()).to_string();
            entry.others.push(OtherEvent {
                event_type: ty,
                timestamp,
                iter: int_field(&ev, "iter", 0)?,
                metric: str_field(&ev, "metric")?,
                variant: str_field(&ev, "variant")?,
                body,
            });
        }
        other => return Err(format!("unknown event type '{other}'")),
    }
    Ok(())
}

/// Parses a json-lines (or JSON array) batch.
pub fn parse_batch(body: &[u8], now: i64) -> Batch {
    let mut batch = Batch::default();
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let items: Vec<(usize, Result<Value, String>)> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Array(items)) => items.into_iter().enumerate().map(|(i, v)| (i + 1, Ok(v))).collect(),
            Ok(_) | Err(_) => vec![(1, Err("malformed JSON array of events".into()))],
        }
    } else {
        text.split('\n')
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, parse_line(l)))
            .collect()
    };
    for (line, item) in items {
        let result = item.and_then(|v| match v {
            Value::Object(ev) => add_event(&mut batch, ev, now),
            _ => Err("an event must be a JSON object".into()),
        });
        match result {
            Ok(()) => batch.accepted += 1,
            Err(e) => batch.errors.push((line, e)),
        }
    }
    batch
}

/// `events.add_batch` (and `events.add`, a batch of one line).
pub async fn add_batch(state: &AppState, actor: &Actor, body: &[u8]) -> AppResult<Value> {
    let added = events::add(state, actor, parse_batch(body, now_ms())).await?;
    Ok(json!({"added": added.added, "errors": added.errors.len(), "errors_info": errors_info(&added.errors)}))
}

/// `events.get_task_log`: console entries, paged by `scroll_id`.
pub async fn get_task_log(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let batch_size = req.opt_i64("batch_size")?.unwrap_or(500);
    if !(1..=10_000).contains(&batch_size) {
        return Err(AppError::invalid("batch_size must be between 1 and 10000"));
    }
    let earlier = req.bool_or("navigate_earlier", true)?;
    let order = req.opt_str("order")?;
    if order.as_deref().is_some_and(|o| o != "asc" && o != "desc") {
        return Err(AppError::invalid("order must be 'asc' or 'desc'"));
    }
    let scroll = match req.get("scroll_id") {
        None => None,
        Some(Value::String(s)) => {
            Some(s.parse::<i64>().map_err(|_| AppError::invalid(format!("invalid scroll_id '{s}'")))?)
        }
        Some(_) => return Err(AppError::invalid("scroll_id must be a string")),
    };
    // `from_timestamp` (ClearML's older paging) pages by time instead.
    let cursor = match (req.opt_i64("from_timestamp")?, earlier) {
        (Some(t), true) => LogCursor::BeforeTime(t),
        (Some(t), false) => LogCursor::AfterTime(t),
        (None, true) => LogCursor::Before(scroll),
        (None, false) => LogCursor::After(scroll),
    };
    let (mut rows, total) = events::log(state, actor, &task, cursor, batch_size, &metric_filter(&req)?).await?;
    let next = rows.last().map(|(id, _)| id.to_string());
    // Rows come newest first when navigating earlier, oldest first
    // otherwise; an `order` says otherwise, as on ClearML's server.
    if order.is_some_and(|o| earlier == (o == "asc")) {
        rows.reverse();
    }
    let out: Vec<Value> = rows.iter().map(|(_, e)| wire::log_event(&task, e)).collect();
    Ok(json!({"returned": out.len(), "events": out, "total": total, "scroll_id": next}))
}

/// `events.clear_task_log {task, allow_locked?, threshold_sec?,
/// include_metrics?, exclude_metrics?}`: deletes console entries (those
/// older than `threshold_sec`, of the metrics included and not excluded).
pub async fn clear_task_log(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let before = match req.opt_i64("threshold_sec")? {
        Some(s) if s < 0 => return Err(AppError::invalid("threshold_sec must not be negative")),
        Some(s) => Some(now_ms() - s.saturating_mul(1000)),
        None => None,
    };
    let clear = LogClearing {
        before,
        include_metrics: req.str_list("include_metrics")?,
        exclude_metrics: req.str_list("exclude_metrics")?,
    };
    let deleted = events::clear_log(state, actor, &task, &clear, req.bool_or("allow_locked", false)?).await?;
    Ok(json!({"deleted": deleted}))
}

/// `events.scalar_metrics_iter_histogram`: every scalar series of a task,
/// `{metric: {variant: {name, x, y}}}`, single values left out. With
/// `samples`, a longer series becomes at most that many points: equal
/// iteration intervals, each at its start with the mean of its values (as
/// ClearML's server does). `key` picks the x axis: `iter` (the default),
/// `timestamp` (epoch ms) or `iso_time`.
pub async fn scalar_metrics_iter_histogram(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let samples = req.opt_i64("samples")?.filter(|n| *n > 0);
    let key = req.opt_str("key")?.unwrap_or_else(|| "iter".into());
    if !matches!(key.as_str(), "iter" | "timestamp" | "iso_time") {
        return Err(AppError::invalid(format!("key must be iter, timestamp or iso_time, not '{key}'")));
    }
    let owner = Owner::of(&task, model_events(&req)?);
    let mut out = Map::new();
    for s in events::scalars(state, actor, owner).await? {
        let (x, y): (Vec<Value>, Vec<Value>) = match samples {
            Some(n) if key == "iter" && s.x.len() > usize::try_from(n).unwrap_or(usize::MAX) => {
                let (xs, ys) = interval_means(&s.x, &s.y, n);
                (xs.into_iter().map(Value::from).collect(), ys.into_iter().map(|v| json!(v)).collect())
            }
            _ => {
                let xs = match key.as_str() {
                    "timestamp" => s.t.iter().map(|t| json!(t)).collect(),
                    "iso_time" => s.t.iter().map(|t| json!(crate::server::clock::iso(*t))).collect(),
                    _ => s.x.iter().map(|x| json!(x)).collect(),
                };
                (xs, s.y.iter().map(|v| json!(v)).collect())
            }
        };
        let metric = out.entry(s.metric.clone()).or_insert_with(|| json!({}));
        metric[&s.variant] = json!({"name": s.variant, "x": x, "y": y});
        if let Some(label) = &s.x_axis_label {
            metric[&s.variant]["x_axis_label"] = json!(label);
        }
    }
    Ok(Value::Object(out))
}

/// Points in `samples` equal iteration intervals: each interval's start and
/// the mean of its finite values.
fn interval_means(x: &[i64], y: &[Option<f64>], samples: i64) -> (Vec<i64>, Vec<Option<f64>>) {
    let (Some(&lo), Some(&hi)) = (x.first(), x.last()) else { return (Vec::new(), Vec::new()) };
    let span = hi.saturating_sub(lo).saturating_add(1);
    let interval = ((span + samples - 1) / samples).max(1);
    let mut buckets: BTreeMap<i64, (f64, usize)> = BTreeMap::new();
    for (xi, yi) in x.iter().zip(y) {
        let start = xi.div_euclid(interval) * interval;
        let b = buckets.entry(start).or_insert((0.0, 0));
        if let Some(v) = yi {
            b.0 += v;
            b.1 += 1;
        }
    }
    buckets.into_iter().map(|(start, (sum, n))| (start, (n > 0).then(|| sum / n as f64))).unzip()
}

/// Whether a read is about a model's events (`model_events: true`).
fn model_events(req: &Req) -> AppResult<bool> {
    req.bool_or("model_events", false)
}

/// The most events one read returns.
const MAX_EVENTS: i64 = 10_000;

/// `events.get_task_plots`: plot events, newest first.
pub async fn get_task_plots(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let owner = Owner::of(&task, model_events(&req)?);
    let plots: Vec<Value> = events::of_type(state, actor, owner, "plot", MAX_EVENTS)
        .await?
        .iter()
        .map(|e| wire::stored_event(&task, e))
        .collect();
    Ok(json!({"returned": plots.len(), "total": plots.len(), "plots": plots, "scroll_id": null}))
}

/// `events.get_task_events`: events of a type (default: plots and debug
/// samples), newest first.
pub async fn get_task_events(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let batch = req.opt_i64("batch_size")?.unwrap_or(500).clamp(1, MAX_EVENTS);
    let types = match req.opt_str("event_type")? {
        Some(t) => vec![t],
        None => vec!["plot".to_string(), "training_debug_image".to_string()],
    };
    let owner = Owner::of(&task, model_events(&req)?);
    let mut out = Vec::new();
    for ty in types {
        if ty == "log" {
            let (rows, _) =
                events::log(state, actor, &task, LogCursor::Before(None), batch, &MetricFilter::default()).await?;
            out.extend(rows.iter().map(|(_, e)| wire::log_event(&task, e)));
        } else {
            out.extend(
                events::of_type(state, actor, owner, &ty, batch).await?.iter().map(|e| wire::stored_event(&task, e)),
            );
        }
    }
    Ok(json!({"returned": out.len(), "total": out.len(), "events": out, "scroll_id": null}))
}

/// The stored events of a task of one type, as the clients read them:
/// debug samples keep only the newest event of each URL per metric and
/// variant (a URL reused at every iteration is one image), as ClearML does.
async fn sample_events(state: &AppState, actor: &Actor, owner: Owner<'_>, event_type: &str) -> AppResult<Vec<Value>> {
    let stored = events::of_type(state, actor, owner, event_type, MAX_EVENTS).await?;
    let mut out: Vec<Value> = stored.iter().map(|e| wire::stored_event(owner.id(), e)).collect();
    if event_type == DEBUG_IMAGE {
        let mut newest: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        for e in &out {
            let key = (text(e, "metric"), text(e, "variant"), text(e, "url"));
            let it = e["iter"].as_i64().unwrap_or(0);
            newest.entry(key).and_modify(|i| *i = (*i).max(it)).or_insert(it);
        }
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|e| {
            let key = (text(e, "metric"), text(e, "variant"), text(e, "url"));
            newest.get(&key) == e["iter"].as_i64().as_ref() && seen.insert(key)
        });
    }
    Ok(out)
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

pub(super) const DEBUG_IMAGE: &str = "training_debug_image";

/// Where a scroll through iterations stands, per task and metric: the
/// lowest and highest iteration of the last page that had any. Kept in the
/// scroll id itself, so any server process continues it.
type Windows = BTreeMap<String, (i64, i64)>;

fn windows_of(req: &Req) -> AppResult<Windows> {
    if req.bool_or("refresh", false)? {
        return Ok(Windows::new());
    }
    Ok(req
        .opt_str("scroll_id")?
        .and_then(|s| s.strip_prefix("win:").and_then(|j| serde_json::from_str(j).ok()))
        .unwrap_or_default())
}

/// `events.debug_images` and `events.plots`: per requested task (and
/// metric), the next `iters` iterations with events, newest first; the
/// scroll id continues earlier (or, with `navigate_earlier: false`,
/// later), `refresh` starts again from the newest.
pub(super) async fn iteration_pages(state: &AppState, actor: &Actor, req: Req, event_type: &str) -> AppResult<Value> {
    let metrics = req.opt_list("metrics")?.ok_or_else(|| AppError::missing("metrics"))?.clone();
    let iters = usize::try_from(req.opt_i64("iters")?.unwrap_or(1)).unwrap_or(1).clamp(1, 1000);
    let earlier = req.bool_or("navigate_earlier", true)?;
    let mut windows = windows_of(&req)?;
    let for_models = model_events(&req)?;
    let mut out = Vec::new();
    for m in &metrics {
        let task = m.get("task").and_then(Value::as_str).ok_or_else(|| AppError::missing("metrics[].task"))?;
        let metric = m.get("metric").and_then(Value::as_str).filter(|s| !s.is_empty());
        let mut by_iter: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        for e in sample_events(state, actor, Owner::of(task, for_models), event_type).await? {
            if metric.is_none_or(|mm| mm == e["metric"]) {
                by_iter.entry(e["iter"].as_i64().unwrap_or(0)).or_default().push(e);
            }
        }
        let key = format!("{task}/{}", metric.unwrap_or_default());
        let picked: Vec<i64> = match windows.get(&key) {
            None => by_iter.keys().rev().take(iters).copied().collect(),
            Some(&(lo, _)) if earlier => by_iter.range(..lo).rev().take(iters).map(|(i, _)| *i).collect(),
            Some(&(_, hi)) => {
                let mut later: Vec<i64> = by_iter.range(hi + 1..).take(iters).map(|(i, _)| *i).collect();
                later.reverse();
                later
            }
        };
        if let (Some(hi), Some(lo)) = (picked.first(), picked.last()) {
            windows.insert(key, (*lo, *hi));
        }
        let iterations: Vec<Value> = picked
            .iter()
            .map(|i| {
                let mut events = by_iter.remove(i).unwrap_or_default();
                events.sort_by_key(|e| (text(e, "metric"), text(e, "variant")));
                json!({"iter": i, "events": events})
            })
            .collect();
        out.push(json!({"task": task, "metric": metric, "iterations": iterations}));
    }
    let scroll = format!("win:{}", serde_json::to_string(&windows).unwrap_or_default());
    Ok(json!({"metrics": out, "scroll_id": scroll}))
}

/// `events.debug_images`: debug samples per metric, grouped by iteration.
pub async fn debug_images(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    iteration_pages(state, actor, req, DEBUG_IMAGE).await
}

/// `events.plots`: plots per metric, grouped by iteration.
pub async fn plots(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    iteration_pages(state, actor, req, "plot").await
}

/// Where a sample viewer stands: on a task's metric (and variant, for
/// debug samples) at an iteration, moving within the metric or across all.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SamplePosition {
    task: String,
    metric: String,
    variant: Option<String>,
    iter: i64,
    all_metrics: bool,
}

/// A sample viewer's stops, in order: (iteration, metric, variant) for
/// debug samples, (iteration, metric) for plots (all of its variants).
fn stops(events: &[Value], per_variant: bool, metric: Option<&str>) -> Vec<(i64, String, Option<String>)> {
    let mut out: Vec<(i64, String, Option<String>)> = events
        .iter()
        .filter(|e| metric.is_none_or(|m| m == e["metric"]))
        .map(|e| (e["iter"].as_i64().unwrap_or(0), text(e, "metric"), per_variant.then(|| text(e, "variant"))))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The answer of a sample request at `stop` (or none).
fn sample_answer(
    events: &[Value],
    pos: Option<&SamplePosition>,
    all: &[(i64, String, Option<String>)],
    plots: bool,
) -> Value {
    let at: Vec<Value> = pos
        .map(|p| {
            events
                .iter()
                .filter(|e| e["iter"].as_i64() == Some(p.iter) && e["metric"] == p.metric.as_str())
                .filter(|e| p.variant.as_deref().is_none_or(|v| v == e["variant"]))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut at = at;
    at.sort_by_key(|e| text(e, "variant"));
    let (min, max) = (all.first().map(|s| s.0), all.last().map(|s| s.0));
    let scroll = pos.map(|p| format!("pos:{}", serde_json::to_string(p).unwrap_or_default()));
    if plots {
        json!({"events": at, "min_iteration": min, "max_iteration": max, "scroll_id": scroll})
    } else {
        json!({"event": at.into_iter().next(), "min_iteration": min, "max_iteration": max, "scroll_id": scroll})
    }
}

/// `events.get_debug_image_sample` / `events.get_plot_sample`: the
/// sample of a metric (and variant) at `iteration`, or at the newest one.
async fn get_sample(state: &AppState, actor: &Actor, req: Req, plots: bool) -> AppResult<Value> {
    let task = req.str("task")?;
    let metric = req.str("metric")?;
    let variant = if plots { None } else { Some(req.str("variant")?) };
    let all_metrics = !req.bool_or("navigate_current_metric", true)?;
    let ty = if plots { "plot" } else { DEBUG_IMAGE };
    let events = sample_events(state, actor, Owner::of(&task, model_events(&req)?), ty).await?;
    let mine: Vec<Value> = events
        .iter()
        .filter(|e| e["metric"] == metric.as_str() && variant.as_deref().is_none_or(|v| v == e["variant"]))
        .cloned()
        .collect();
    let all = stops(&mine, !plots, None);
    let iter = match req.opt_i64("iteration")? {
        Some(i) => all.iter().map(|s| s.0).filter(|x| *x <= i).max(),
        None => all.last().map(|s| s.0),
    };
    let pos = iter.map(|iter| SamplePosition { task, metric, variant, iter, all_metrics });
    Ok(sample_answer(&mine, pos.as_ref(), &all, plots))
}

/// `events.next_debug_image_sample` / `events.next_plot_sample`: the
/// sample before (or, with `navigate_earlier: false`, after) the scroll's
/// position; with `next_iteration`, the first of the previous (next)
/// iteration. At either end: no sample, and the position stays.
async fn next_sample(state: &AppState, actor: &Actor, req: Req, plots: bool) -> AppResult<Value> {
    let task = req.str("task")?;
    let scroll = req.str("scroll_id")?;
    let pos: SamplePosition = scroll
        .strip_prefix("pos:")
        .and_then(|j| serde_json::from_str(j).ok())
        .ok_or_else(|| AppError::invalid(format!("invalid scroll_id '{scroll}'")))?;
    let earlier = req.bool_or("navigate_earlier", true)?;
    let next_iteration = req.bool_or("next_iteration", false)?;
    let ty = if plots { "plot" } else { DEBUG_IMAGE };
    let events = sample_events(state, actor, Owner::of(&task, model_events(&req)?), ty).await?;
    let all = stops(&events, !plots, (!pos.all_metrics).then_some(pos.metric.as_str()));
    let here = (pos.iter, pos.metric.clone(), pos.variant.clone());
    let found = if next_iteration {
        if earlier {
            let prev = all.iter().map(|s| s.0).filter(|i| *i < pos.iter).max();
            prev.and_then(|p| all.iter().find(|s| s.0 == p))
        } else {
            all.iter().find(|s| s.0 > pos.iter)
        }
    } else if earlier {
        all.iter().rev().find(|s| **s < here)
    } else {
        all.iter().find(|s| **s > here)
    };
    let shown = match found {
        Some((iter, metric, variant)) => Some(SamplePosition {
            task: task.clone(),
            metric: metric.clone(),
            variant: variant.clone(),
            iter: *iter,
            all_metrics: pos.all_metrics,
        }),
        None => None,
    };
    let mut answer = sample_answer(&events, shown.as_ref(), &all, plots);
    if shown.is_none() {
        answer["scroll_id"] = json!(scroll);
    }
    Ok(answer)
}

/// `events.get_debug_image_sample`.
pub async fn get_debug_image_sample(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    get_sample(state, actor, req, false).await
}

/// `events.next_debug_image_sample`.
pub async fn next_debug_image_sample(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    next_sample(state, actor, req, false).await
}

/// `events.get_plot_sample`.
pub async fn get_plot_sample(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    get_sample(state, actor, req, true).await
}

/// `events.next_plot_sample`.
pub async fn next_plot_sample(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    next_sample(state, actor, req, true).await
}

/// `events.get_task_metrics {tasks, event_type}`: the metric names each
/// task reported events of that type under. Console lines carry no metric.
pub async fn get_task_metrics(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let event_type = req.opt_str("event_type")?.unwrap_or_else(|| "training_stats_scalar".into());
    let mut out = Vec::new();
    let for_models = model_events(&req)?;
    for task in req.nonempty_str_list("tasks")? {
        let pairs = metric_variants(state, actor, Owner::of(&task, for_models), &event_type).await?;
        let mut metrics: Vec<String> = pairs.into_iter().map(|(m, _)| m).collect();
        metrics.dedup();
        out.push(json!({"task": task, "metrics": metrics}));
    }
    Ok(json!({"metrics": out}))
}

/// Every event type, for a read that names none (ClearML's `*`).
const EVENT_TYPES: [&str; 5] = ["training_stats_scalar", "log", "plot", DEBUG_IMAGE, "training_stats_vector"];

/// The (metric, variant) pairs a task reported events of a type (`*` for
/// any) under, sorted.
async fn metric_variants(
    state: &AppState,
    actor: &Actor,
    owner: Owner<'_>,
    event_type: &str,
) -> AppResult<Vec<(String, String)>> {
    let types: Vec<&str> = if event_type == "*" { EVENT_TYPES.to_vec() } else { vec![event_type] };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for ty in types {
        match ty {
            "training_stats_scalar" => {
                pairs.extend(events::scalars(state, actor, owner).await?.into_iter().map(|s| (s.metric, s.variant)))
            }
            "log" => {
                owner.require(state).await?;
                pairs.extend(state.store.log_metric_variants(owner.id()).await?);
            }
            other => pairs.extend(
                events::of_type(state, actor, owner, other, MAX_EVENTS)
                    .await?
                    .into_iter()
                    .map(|e| (e.event.metric, e.event.variant)),
            ),
        }
    }
    pairs.sort();
    pairs.dedup();
    Ok(pairs)
}

/// `events.get_multi_task_metrics {tasks, event_type?}` (every type when none
/// is named): the metrics (with their variants) any of the tasks reported, by name.
pub async fn get_multi_task_metrics(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let event_type = req.opt_str("event_type")?.unwrap_or_else(|| "*".into());
    let for_models = model_events(&req)?;
    let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for task in req.nonempty_str_list("tasks")? {
        for (m, v) in metric_variants(state, actor, Owner::of(&task, for_models), &event_type).await? {
            let vs = all.entry(m).or_default();
            if !vs.contains(&v) {
                vs.push(v);
            }
        }
    }
    let metrics: Vec<Value> = all
        .into_iter()
        .map(|(metric, mut variants)| {
            variants.sort();
            json!({"metric": metric, "variants": variants})
        })
        .collect();
    Ok(json!({"metrics": metrics}))
}

/// `events.get_task_latest_scalar_values {task}`: each series' last value.
pub async fn get_task_latest_scalar_values(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let t = crate::server::ops::tasks::get(state, actor, &task).await?;
    let mut by_metric: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for m in state.store.metric_summaries(&task).await? {
        by_metric.entry(m.metric.clone()).or_default().push(json!({"name": m.variant, "last_value": m.value}));
    }
    let metrics: Vec<Value> =
        by_metric.into_iter().map(|(name, variants)| json!({"name": name, "variants": variants})).collect();
    Ok(json!({"metrics": metrics, "last_iter": t.last_iteration}))
}

/// `events.scalar_metrics_iter_raw {task, metric: {metric, variants?},
/// batch_size, count_total?, key?, scroll_id?}`: a metric's points as
/// reported, single values included, paged by the scroll id.
pub async fn scalar_metrics_iter_raw(state: &AppState, _actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let spec = req.opt_object("metric")?.ok_or_else(|| AppError::missing("metric"))?;
    let metric = spec.get("metric").and_then(Value::as_str).ok_or_else(|| AppError::missing("metric.metric"))?;
    let variants: Vec<String> = spec
        .get("variants")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    // The scroll id is `raw:<next>:<batch size>`: a later page without a
    // batch size keeps the first page's, as ClearML's scroll does.
    let (start, scrolled_batch) = match req.opt_str("scroll_id")? {
        Some(s) => {
            let mut parts = s.strip_prefix("raw:").unwrap_or_default().split(':').map(str::parse::<usize>);
            match (parts.next(), parts.next()) {
                (Some(Ok(start)), batch) => (start, batch.and_then(Result::ok)),
                _ => return Err(AppError::invalid(format!("invalid scroll_id '{s}'"))),
            }
        }
        None => (0, None),
    };
    let batch = match req.opt_i64("batch_size")? {
        Some(n) => usize::try_from(n).unwrap_or(1),
        None => scrolled_batch.unwrap_or(10_000),
    }
    .clamp(1, 100_000);
    let key = req.opt_str("key")?.unwrap_or_else(|| "iter".into());
    Owner::of(&task, model_events(&req)?).require(state).await?;
    let series: Vec<_> = state
        .store
        .scalar_series(&task)
        .await?
        .into_iter()
        .filter(|s| s.metric == metric && (variants.is_empty() || variants.contains(&s.variant)))
        .collect();
    let total: usize = series.iter().map(|s| s.x.len()).sum();
    let mut out = Map::new();
    let mut skip = start;
    let mut left = batch;
    for s in &series {
        let n = s.x.len();
        if skip >= n {
            skip -= n;
            continue;
        }
        let take = left.min(n - skip);
        let xs: Vec<Value> = match key.as_str() {
            "timestamp" => s.t[skip..skip + take].iter().map(|t| json!(t)).collect(),
            "iso_time" => s.t[skip..skip + take].iter().map(|t| json!(crate::server::clock::iso(*t))).collect(),
            _ => s.x[skip..skip + take].iter().map(|x| json!(x)).collect(),
        };
        let ys: Vec<Value> = s.y[skip..skip + take].iter().map(|y| json!(y)).collect();
        out.insert(s.variant.clone(), json!({key.clone(): xs, "y": ys}));
        left -= take;
        skip = 0;
        if left == 0 {
            break;
        }
    }
    let returned = batch - left;
    let scroll = format!("raw:{}:{batch}", start + returned);
    let mut answer = json!({"variants": out, "returned": returned, "scroll_id": scroll});
    if req.bool_or("count_total", false)? {
        answer["total"] = json!(total);
    }
    Ok(answer)
}

/// The `metrics: [{metric, variants?}]` a read is narrowed to (ClearML's
/// metric-variant filter); everything when the request names none.
fn metric_filter(req: &Req) -> AppResult<MetricFilter> {
    let mut out = BTreeMap::new();
    for m in req.opt_list("metrics")?.map(Vec::as_slice).unwrap_or_default() {
        let metric = m.get("metric").and_then(Value::as_str).ok_or_else(|| AppError::missing("metrics[].metric"))?;
        let variants: Vec<String> = m
            .get("variants")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        out.insert(metric.to_string(), variants);
    }
    Ok(MetricFilter(out))
}

/// `events.multi_task_scalar_metrics_iter_histogram {tasks, metrics?}`:
/// each task's histories, `{metrics: {metric: {variant: {task_id: {name,
/// x, y}}}}}`.
pub async fn multi_task_scalar_metrics_iter_histogram(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let filter = metric_filter(&req)?;
    let for_models = model_events(&req)?;
    let mut out = Map::new();
    for task in req.nonempty_str_list("tasks")? {
        let owner = Owner::of(&task, for_models);
        let name = owner.name(state).await?;
        for s in events::scalars(state, actor, owner).await? {
            if !filter.admits(&s.metric, &s.variant) {
                continue;
            }
            let metric = out.entry(s.metric.clone()).or_insert_with(|| json!({}));
            let variant = metric.as_object_mut().map(|m| m.entry(s.variant.clone()).or_insert_with(|| json!({})));
            if let Some(v) = variant {
                v[&task] = json!({"name": name, "x": s.x, "y": s.y});
            }
        }
    }
    Ok(json!({"metrics": out}))
}

/// `events.get_multi_task_plots {tasks, iters?, metrics?}`: each task's
/// plots of its newest `iters` iterations of each metric,
/// `{metric: {variant: {task_id: {iteration: {name, plots: [...]}}}}}`.
pub async fn get_multi_task_plots(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let iters = usize::try_from(req.opt_i64("iters")?.unwrap_or(1)).unwrap_or(1).max(1);
    let filter = metric_filter(&req)?;
    let for_models = model_events(&req)?;
    let mut out = Map::new();
    let mut returned = 0;
    for task in req.nonempty_str_list("tasks")? {
        let owner = Owner::of(&task, for_models);
        let name = owner.name(state).await?;
        let all: Vec<Value> = sample_events(state, actor, owner, "plot")
            .await?
            .into_iter()
            .filter(|e| filter.admits(&text(e, "metric"), &text(e, "variant")))
            .collect();
        let mut newest: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for e in &all {
            newest.entry(text(e, "metric")).or_default().push(e["iter"].as_i64().unwrap_or(0));
        }
        for its in newest.values_mut() {
            its.sort_unstable_by(|a, b| b.cmp(a));
            its.dedup();
            its.truncate(iters);
        }
        for e in all {
            let (metric, variant) = (text(&e, "metric"), text(&e, "variant"));
            let iter = e["iter"].as_i64().unwrap_or(0);
            if !newest.get(&metric).is_some_and(|its| its.contains(&iter)) {
                continue;
            }
            returned += 1;
            let m = out.entry(metric).or_insert_with(|| json!({}));
            let Some(by_variant) = m.as_object_mut() else { continue };
            let v = by_variant.entry(variant).or_insert_with(|| json!({}));
            let Some(by_task) = v.as_object_mut() else { continue };
            let per_task = by_task.entry(task.clone()).or_insert_with(|| json!({}));
            let Some(by_iter) = per_task.as_object_mut() else { continue };
            let at = by_iter.entry(iter.to_string()).or_insert_with(|| json!({"name": name, "plots": []}));
            if let Some(plots) = at["plots"].as_array_mut() {
                plots.push(e);
            }
        }
    }
    Ok(json!({"plots": out, "returned": returned, "total": returned}))
}

/// `events.get_task_single_value_metrics`: values reported with
/// `report_single_value` (iteration -2^31), narrowed by `metrics`; tasks
/// without any are left out, as on ClearML's server.
pub async fn get_task_single_value_metrics(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let filter = metric_filter(&req)?;
    let for_models = model_events(&req)?;
    let mut out = Vec::new();
    for id in req.nonempty_str_list("tasks")? {
        let (name, values) = events::single_values(state, actor, Owner::of(&id, for_models)).await?;
        let values: Vec<Value> = values
            .into_iter()
            .filter(|v| filter.admits(&v.metric, &v.variant))
            .map(|v| json!({"metric": v.metric, "variant": v.variant, "value": v.value, "timestamp": v.timestamp}))
            .collect();
        if values.is_empty() {
            continue;
        }
        out.push(json!({"task": id, "task_name": name, "values": values}));
    }
    Ok(json!({"tasks": out}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_with_the_sdk_quirks_parse() {
        let body = concat!(
            r#"{"type": "log", "task": "t1", "timestamp": 5, "level": "info", "worker": "vm", "msg": "a\nb", "method": "get"}"#,
            "\n",
            r#"{"type": "training_stats_scalar", "task": "t1", "timestamp": 6, "iter": 0, "metric": "loss", "variant": "train", "value": 1.0, "method": "get"}"#,
            "\n",
            r#"{"type": "plot", "task": "t1", "timestamp": 7, "iter": 0, "metric": "m", "variant": "v", "plot_str": "{}"}"#
        );
        let b = parse_batch(body.as_bytes(), 0);
        assert_eq!(b.accepted, 3);
        assert!(b.errors.is_empty());
        let t = &b.tasks["t1"];
        assert_eq!(t.logs[0].msg, "a\nb");
        assert_eq!(t.scalars[&("loss".into(), "train".into())][0].value, 1.0);
        assert_eq!(t.others[0].event_type, "plot");
        assert!(!t.others[0].body.contains("method"));
    }

    #[test]
    fn a_broken_line_does_not_lose_the_good_ones() {
        let body = concat!(
            r#"{"type": "log", "task": "t1", "msg": "first"}"#,
            "\n",
            r#"{"type": "log", "task": "t1", "msg": "#,
            "\n",
            r#"{"type": "training_stats_scalar", "task": "t1", "metric": "m", "variant": "v"}"#,
            "\n",
            r#"{"type": "log", "msg": "no task"}"#,
            "\n",
            r#"{"type": "log", "task": "t1", "msg": "last"}"#,
        );
        let b = parse_batch(body.as_bytes(), 42);
        assert_eq!(b.accepted, 2);
        let lines: Vec<usize> = b.errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(b.errors[0].1.contains("malformed JSON"));
        assert!(b.errors[1].1.contains("'value'"));
        assert!(b.errors[2].1.contains("'task'"));
        let msgs: Vec<&str> = b.tasks["t1"].logs.iter().map(|l| l.msg.as_str()).collect();
        assert_eq!(msgs, vec!["first", "last"]);
        assert_eq!(b.tasks["t1"].logs[0].timestamp, 42, "missing timestamps default to now");
    }

    #[test]
    fn python_non_finite_floats_are_kept() {
        let body = concat!(
            r#"{"type": "training_stats_scalar", "task": "t", "metric": "NaN loss", "variant": "v", "iter": 0, "value": NaN}"#,
            "\n",
            r#"{"type": "training_stats_scalar", "task": "t", "metric": "m", "variant": "v", "iter": 1, "value": -Infinity}"#,
        );
        let b = parse_batch(body.as_bytes(), 0);
        assert_eq!((b.accepted, b.errors.len()), (2, 0), "{:?}", b.errors);
        assert!(b.tasks["t"].scalars[&("NaN loss".into(), "v".into())][0].value.is_nan());
        assert_eq!(b.tasks["t"].scalars[&("m".into(), "v".into())][0].value, f64::NEG_INFINITY);
    }

    #[test]
    fn histograms_sample_into_interval_means() {
        let x: Vec<i64> = (0..100).collect();
        let y: Vec<Option<f64>> = x.iter().map(|v| Some(*v as f64)).collect();
        let (xs, ys) = interval_means(&x, &y, 10);
        assert_eq!(xs, (0..10).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(ys[0], Some(4.5));
        assert_eq!(ys[9], Some(94.5));
    }

    #[test]
    fn arrays_and_unknown_types() {
        let b = parse_batch(br#"[{"type": "log", "task": "t", "msg": "x"}, {"type": "bogus", "task": "t"}]"#, 0);
        assert_eq!(b.accepted, 1);
        assert_eq!(b.errors, vec![(2, "unknown event type 'bogus'".to_string())]);
        let b = parse_batch(b"", 0);
        assert_eq!((b.accepted, b.errors.len()), (0, 0));
    }
}
