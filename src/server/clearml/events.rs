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
use crate::model::{Actor, LogEntry, ScalarPoint};
use crate::server::clock::now_ms;
use crate::server::ops::events::{self, errors_info, Batch};
use crate::server::state::AppState;
use crate::server::store::{LogCursor, OtherEvent};
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
    let entry = batch.tasks.entry(task).or_default();
    match ty.as_str() {
        "log" => {
            let level = str_field(&ev, "level")?;
            entry.logs.push(LogEntry {
                timestamp,
                level: if level.is_empty() { "info".into() } else { level },
                worker: str_field(&ev, "worker")?,
                msg: str_field(&ev, "msg")?,
            });
        }
        "training_stats_scalar" => {
            let value = scalar_value(ev.get("value"))?;
            let key = (str_field(&ev, "metric")?, str_field(&ev, "variant")?);
            let iter = int_field(&ev, "iter", 0)?;
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
    let order = req.opt_str("order")?.unwrap_or_else(|| "desc".into());
    if order != "asc" && order != "desc" {
        return Err(AppError::invalid("order must be 'asc' or 'desc'"));
    }
    let scroll = match req.get("scroll_id") {
        None => None,
        Some(Value::String(s)) => {
            Some(s.parse::<i64>().map_err(|_| AppError::invalid(format!("invalid scroll_id '{s}'")))?)
        }
        Some(_) => return Err(AppError::invalid("scroll_id must be a string")),
    };
    let cursor = if earlier { LogCursor::Before(scroll) } else { LogCursor::After(scroll) };
    let (mut rows, total) = events::log(state, actor, &task, cursor, batch_size).await?;
    let next = rows.last().map(|(id, _)| id.to_string());
    // Rows come newest first when navigating earlier, oldest first otherwise.
    if earlier != (order == "desc") {
        rows.reverse();
    }
    let out: Vec<Value> = rows.iter().map(|(_, e)| wire::log_event(&task, e)).collect();
    Ok(json!({"returned": out.len(), "events": out, "total": total, "scroll_id": next}))
}

/// `events.scalar_metrics_iter_histogram`: every scalar series of a task,
/// `{metric: {variant: {name, x, y}}}`.
pub async fn scalar_metrics_iter_histogram(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let mut out = Map::new();
    for s in events::scalars(state, actor, &task).await? {
        let metric = out.entry(s.metric.clone()).or_insert_with(|| json!({}));
        metric[&s.variant] = json!({"name": s.variant, "x": s.x, "y": s.y});
    }
    Ok(Value::Object(out))
}

/// The most events one read returns.
const MAX_EVENTS: i64 = 10_000;

/// `events.get_task_plots`: plot events, newest first.
pub async fn get_task_plots(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let task = req.str("task")?;
    let plots: Vec<Value> = events::of_type(state, actor, &task, "plot", MAX_EVENTS)
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
    let mut out = Vec::new();
    for ty in types {
        if ty == "log" {
            let (rows, _) = events::log(state, actor, &task, LogCursor::Before(None), batch).await?;
            out.extend(rows.iter().map(|(_, e)| wire::log_event(&task, e)));
        } else {
            out.extend(
                events::of_type(state, actor, &task, &ty, batch).await?.iter().map(|e| wire::stored_event(&task, e)),
            );
        }
    }
    Ok(json!({"returned": out.len(), "total": out.len(), "events": out, "scroll_id": null}))
}

/// `events.debug_images`: debug samples per metric, grouped by iteration,
/// newest first.
pub async fn debug_images(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let metrics = req.opt_list("metrics")?.ok_or_else(|| AppError::missing("metrics"))?;
    let mut out = Vec::new();
    for m in metrics {
        let task = m.get("task").and_then(Value::as_str).ok_or_else(|| AppError::missing("metrics[].task"))?;
        let metric = m.get("metric").and_then(Value::as_str);
        let stored = events::of_type(state, actor, task, "training_debug_image", MAX_EVENTS).await?;
        let mut by_iter: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        for e in stored.iter().filter(|e| metric.is_none_or(|mm| mm == e.event.metric)) {
            by_iter.entry(e.event.iter).or_default().push(wire::stored_event(task, e));
        }
        let iterations: Vec<Value> =
            by_iter.into_iter().rev().map(|(iter, events)| json!({"iter": iter, "events": events})).collect();
        out.push(json!({"task": task, "metric": metric, "iterations": iterations}));
    }
    Ok(json!({"metrics": out, "scroll_id": null}))
}

/// `events.get_task_single_value_metrics`: values reported with
/// `report_single_value` (iteration -2^31).
pub async fn get_task_single_value_metrics(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let mut out = Vec::new();
    for id in req.nonempty_str_list("tasks")? {
        let (t, values) = events::single_values(state, actor, &id).await?;
        let values: Vec<Value> = values
            .into_iter()
            .map(|m| json!({"metric": m.metric, "variant": m.variant, "value": m.value, "timestamp": t.last_update}))
            .collect();
        out.push(json!({"task": id, "task_name": t.name, "values": values}));
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
    fn arrays_and_unknown_types() {
        let b = parse_batch(br#"[{"type": "log", "task": "t", "msg": "x"}, {"type": "bogus", "task": "t"}]"#, 0);
        assert_eq!(b.accepted, 1);
        assert_eq!(b.errors, vec![(2, "unknown event type 'bogus'".to_string())]);
        let b = parse_batch(b"", 0);
        assert_eq!((b.accepted, b.errors.len()), (0, 0));
    }
}
