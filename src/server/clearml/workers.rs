//! `workers.*`: agents register, report their status and unregister
//! (clearml-api.md §6.1).

use super::query::{Query, QueryFields};
use super::request::Req;
use super::wire;
use crate::error::{AppError, AppResult};
use crate::model::Actor;
use crate::server::clock::now_ms;
use crate::server::ops::workers::{self, Aggregation, Intervals, Registration, StatusReport};
use crate::server::state::AppState;
use serde_json::{json, Value};
use std::net::IpAddr;

/// An optional list field: `None` when absent.
fn opt_list(req: &Req, field: &str) -> AppResult<Option<Vec<String>>> {
    if req.has(field) {
        req.str_list(field).map(Some)
    } else {
        Ok(None)
    }
}

/// `workers.register {worker, queues?, tags?}`.
pub async fn register(state: &AppState, actor: &Actor, req: Req, ip: Option<IpAddr>) -> AppResult<Value> {
    let id = req.str("worker")?;
    let reg = Registration {
        ip: ip.map(|a| a.to_string()),
        queues: opt_list(&req, "queues")?,
        tags: opt_list(&req, "tags")?,
        system_tags: opt_list(&req, "system_tags")?,
        timeout_s: req.opt_i64("timeout")?,
    };
    workers::register(state, actor, &id, reg).await?;
    Ok(json!({}))
}

/// `workers.status_report {worker, timestamp, machine_stats, task?, queue?, queues?, tags?}`.
pub async fn status_report(state: &AppState, actor: &Actor, req: Req, ip: Option<IpAddr>) -> AppResult<Value> {
    let id = req.str("worker")?;
    let report = StatusReport {
        ip: ip.map(|a| a.to_string()),
        task: req.opt_str("task")?,
        queue: req.opt_str("queue")?,
        queues: opt_list(&req, "queues")?,
        tags: opt_list(&req, "tags")?,
        machine_stats: req.opt_object("machine_stats")?.cloned(),
        timestamp: req.opt_i64("timestamp")?,
    };
    workers::status_report(state, actor, &id, report).await?;
    Ok(json!({}))
}

/// `workers.get_metric_keys {worker_ids?}`: the statistics reported, by
/// category.
pub async fn get_metric_keys(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let keys = workers::stat_keys(state, actor, &req.str_list("worker_ids")?).await?;
    let categories: Vec<Value> =
        keys.into_iter().map(|(name, metric_keys)| json!({"name": name, "metric_keys": metric_keys})).collect();
    Ok(json!({"categories": categories}))
}

/// A request's `from_date`/`to_date` (seconds) cut by its `interval`.
fn intervals_of(req: &Req) -> AppResult<(Intervals, f64)> {
    let date = |field: &str| -> AppResult<f64> {
        req.get(field).and_then(Value::as_f64).ok_or_else(|| AppError::missing(field))
    };
    let (from, to) = (date("from_date")?, date("to_date")?);
    let interval = req.opt_i64("interval")?.ok_or_else(|| AppError::missing("interval"))?;
    if interval < 1 {
        return Err(AppError::invalid("interval must be at least 1 second"));
    }
    Ok((Intervals::new(from, to, interval)?, to))
}

/// A metric's answers in `workers.get_stats`: (metric, one per aggregation).
type MetricStats = (String, Vec<Value>);

/// `workers.get_stats {items: [{key, aggregation}], from_date, to_date,
/// interval, worker_ids?, split_by_resource?}`: each worker's statistics
/// per interval, as ClearML's workers page charts them.
pub async fn get_stats(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let (range, to) = intervals_of(&req)?;
    let range = range.complete_only(to);
    let mut items = Vec::new();
    for item in req.opt_list("items")?.filter(|l| !l.is_empty()).ok_or_else(|| AppError::missing("items"))? {
        let key = item.get("key").and_then(Value::as_str).ok_or_else(|| AppError::missing("items[].key"))?;
        let agg = item.get("aggregation").and_then(Value::as_str).unwrap_or("avg").parse::<Aggregation>()?;
        items.push((key.to_string(), agg));
    }
    let split = req.bool_or("split_by_resource", false)?;
    let charts = workers::stats(state, actor, &items, range, &req.str_list("worker_ids")?, split).await?;
    let dates = range.dates();
    // Workers, their metrics and each metric's aggregations in the order asked.
    let mut out: Vec<(String, Vec<MetricStats>)> = Vec::new();
    for c in charts {
        let agg = match c.aggregation {
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
        };
        let resources: Vec<Value> =
            c.resources.iter().map(|(name, values)| json!({"name": name, "values": values})).collect();
        let stat = json!({"aggregation": agg, "dates": dates, "values": c.values, "resource_series": resources});
        let wi = match out.iter().position(|(w, _)| *w == c.worker) {
            Some(i) => i,
            None => {
                out.push((c.worker.clone(), Vec::new()));
                out.len() - 1
            }
        };
        let metrics = &mut out[wi].1;
        let mi = match metrics.iter().position(|(m, _)| *m == c.metric) {
            Some(i) => i,
            None => {
                metrics.push((c.metric.clone(), Vec::new()));
                metrics.len() - 1
            }
        };
        metrics[mi].1.push(stat);
    }
    let workers: Vec<Value> = out
        .into_iter()
        .map(|(worker, metrics)| {
            let metrics: Vec<Value> =
                metrics.into_iter().map(|(metric, stats)| json!({"metric": metric, "stats": stats})).collect();
            json!({"worker": worker, "metrics": metrics})
        })
        .collect();
    Ok(json!({"workers": workers}))
}

/// `workers.get_activity_report {from_date, to_date, interval}`: how many
/// workers reported (`total`) and ran a task (`active`) per interval; the
/// last interval, still incomplete, is left out.
pub async fn get_activity_report(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let (range, _) = intervals_of(&req)?;
    let (mut total, mut active) = workers::activity(state, actor, range).await?;
    let mut dates = range.dates();
    if dates.pop().is_some() {
        total.pop();
        active.pop();
    }
    Ok(json!({"total": {"dates": dates, "counts": total}, "active": {"dates": dates, "counts": active}}))
}
pub async fn unregister(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    workers::unregister(state, actor, &req.str("worker")?).await?;
    Ok(json!({}))
}

/// `workers.get_all`: the live workers, with their queues and current task
/// named (§8.4).
pub async fn get_all(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let workers = listed(state, actor, &req).await?;
    Ok(json!({"workers": workers}))
}

/// The live workers a `get_all`/`get_count` request selects: `tags`,
/// `system_tags` (ClearML's list filters) and `last_seen` (seconds).
async fn listed(state: &AppState, actor: &Actor, req: &Req) -> AppResult<Vec<Value>> {
    const FIELDS: QueryFields =
        QueryFields { list: &["id", "tags", "system_tags"], range: &[], dates: &[], pattern: &[], equal: &[] };
    let conditions = Query::parse(req, &FIELDS, &["last_seen"])?;
    let now = now_ms();
    let seen_since = req.opt_i64("last_seen")?.map(|s| now - s.saturating_mul(1000));
    let queues = state.store.list_queues().await?;
    Ok(workers::live(state, actor)
        .await?
        .iter()
        .filter(|(w, _)| seen_since.is_none_or(|t| w.last_seen >= t))
        .map(|(w, task)| wire::worker(w, task.as_ref(), &queues, now))
        .filter(|d| conditions.matches(d))
        .collect())
}

/// `workers.get_count {tags?, system_tags?, last_seen?}`.
pub async fn get_count(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    Ok(json!({"count": listed(state, actor, &req).await?.len()}))
}

/// `workers.get_runtime_properties {worker}` (clearml-agent asks for it).
pub async fn get_runtime_properties(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let props = workers::runtime_properties(state, actor, &req.str("worker")?).await?;
    Ok(json!({"runtime_properties": props}))
}

/// `workers.set_runtime_properties {worker, runtime_properties}`.
pub async fn set_runtime_properties(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let items =
        req.opt_list("runtime_properties")?.ok_or_else(|| crate::error::AppError::missing("runtime_properties"))?;
    workers::set_runtime_properties(state, actor, &req.str("worker")?, items).await?;
    Ok(json!({}))
}
