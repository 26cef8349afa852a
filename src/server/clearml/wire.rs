//! Labbook's nouns as ClearML sends them (clearml-api.md §8): every object
//! and list field present, times as ISO-8601, `last_metrics` keyed by the
//! md5 of metric and variant.

use crate::model::task::{MetricSummary, Script};
use crate::model::{LogEntry, Model, Project, Queue, QueueEntry, Task, Worker};
use crate::server::auth::COMPANY;
use crate::server::clock::iso;
use crate::server::store::StoredEvent;
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

/// The hex md5 of a text (ClearML's `last_metrics` keys).
pub fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn opt_iso(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |m| Value::String(iso(m)))
}

/// `last_metrics` as ClearML keys it: md5(metric) → md5(variant) → summary.
fn last_metrics(metrics: &[MetricSummary]) -> Map<String, Value> {
    let mut last_metrics = Map::new();
    for m in metrics {
        let mut summary = json!({
            "metric": m.metric, "variant": m.variant, "value": m.value,
            "min_value": m.min_value, "min_value_iteration": m.min_value_iteration,
            "max_value": m.max_value, "max_value_iteration": m.max_value_iteration,
            "first_value": m.first_value, "first_value_iteration": m.first_value_iteration,
            "mean_value": m.mean_value, "count": m.count,
        });
        if let Some(label) = &m.x_axis_label {
            summary["x_axis_label"] = json!(label);
        }
        let entry = last_metrics.entry(md5_hex(&m.metric)).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(variants) = entry {
            variants.insert(md5_hex(&m.variant), summary);
        }
    }
    last_metrics
}

/// A task's script as ClearML's server answers it: `binary` (default
/// `python`), `repository`, `entry_point` and `requirements` always; the
/// rest only once set.
fn script(s: &Script) -> Value {
    let mut out = json!({
        "binary": if s.binary.is_empty() { "python" } else { s.binary.as_str() },
        "repository": s.repository, "entry_point": s.entry_point,
    });
    for (key, value) in [
        ("tag", &s.tag),
        ("branch", &s.branch),
        ("version_num", &s.version_num),
        ("working_dir", &s.working_dir),
        ("diff", &s.diff),
    ] {
        if !value.is_empty() {
            out[key] = json!(value);
        }
    }
    out["requirements"] = json!(s.requirements);
    out
}

/// The `company` of an entity: ours, or none for a public one (as
/// ClearML's server shows objects shared with every company).
fn company(public: bool) -> &'static str {
    if public {
        ""
    } else {
        COMPANY
    }
}

/// A task (§8.1).
pub fn task(t: &Task, metrics: &[MetricSummary]) -> Value {
    let last_metrics = last_metrics(metrics);
    let mut output = t.output_extra.clone();
    output.insert("destination".into(), json!(t.output_destination));
    let mut execution = t.execution_extra.clone();
    execution.insert("queue".into(), json!(t.execution_queue));
    // ClearML keeps artifacts keyed by (key, mode) and lists them by key.
    let mut artifacts = t.artifacts.clone();
    artifacts.sort_by(|a, b| {
        let key = |v: &Value| v.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
        key(a).cmp(&key(b))
    });
    execution.insert("artifacts".into(), json!(artifacts));
    json!({
        "id": t.id, "name": t.name, "user": t.user, "company": company(t.public),
        "type": t.task_type.as_str(), "status": t.status.as_str(),
        "status_reason": t.status_reason, "status_message": t.status_message,
        "status_changed": iso(t.status_changed),
        "comment": t.comment,
        "created": iso(t.created), "started": opt_iso(t.started), "completed": opt_iso(t.completed),
        "published": opt_iso(t.published),
        "parent": t.parent, "project": t.project,
        "output": output,
        "execution": execution,
        "container": t.container,
        "models": t.models,
        "script": script(&t.script),
        "tags": t.tags, "system_tags": t.system_tags,
        "last_worker": t.last_worker, "last_worker_report": opt_iso(t.last_worker_report),
        "last_update": iso(t.last_update), "last_change": iso(t.last_change),
        "last_changed_by": if t.last_changed_by.is_empty() { &t.user } else { &t.last_changed_by },
        "last_iteration": t.last_iteration,
        "last_metrics": last_metrics,
        "hyperparams": t.hyperparams,
        "configuration": t.configuration,
        "runtime": t.runtime,
        "report": t.report, "report_assets": t.report_assets,
    })
}

/// A project (§8.2), with `path` (its ancestors' ids) from `all`.
pub fn project(p: &Project, all: &[Project]) -> Value {
    let mut path: Vec<String> = Vec::new();
    let mut cur = p.parent.clone();
    while let Some(id) = cur {
        path.insert(0, id.clone());
        cur = all.iter().find(|q| q.id == id).and_then(|q| q.parent.clone());
    }
    json!({
        "id": p.id, "name": p.name, "basename": p.basename, "description": p.description,
        "user": "", "company": company(p.public),
        "created": iso(p.created), "last_update": iso(p.last_update),
        "tags": p.tags, "system_tags": p.system_tags,
        "default_output_destination": p.default_output_destination,
        "parent": p.parent, "path": path,
    })
}

/// A queue entry.
pub fn queue_entry(e: &QueueEntry) -> Value {
    json!({"task": e.task, "added": iso(e.added)})
}

/// A queue with its entries (§8.4): `tags` always present.
pub fn queue(q: &Queue, entries: &[QueueEntry]) -> Value {
    let entries: Vec<Value> = entries.iter().map(queue_entry).collect();
    json!({
        "id": q.id, "name": q.name, "display_name": q.display_name, "user": "", "company": COMPANY,
        "created": iso(q.created), "last_update": iso(q.last_update),
        "tags": q.tags, "system_tags": q.system_tags, "metadata": q.metadata, "entries": entries,
    })
}

/// A model (§8.3), with the last metrics of its model events.
pub fn model(m: &Model, metrics: &[MetricSummary]) -> Value {
    json!({
        "last_iteration": m.last_iteration, "last_metrics": last_metrics(metrics),
        "id": m.id, "name": m.name, "uri": m.uri, "framework": m.framework, "design": m.design,
        "labels": m.labels, "ready": m.ready, "public": m.public, "comment": m.comment,
        "tags": m.tags, "system_tags": m.system_tags, "project": m.project, "task": m.task,
        "parent": m.parent, "user": m.user, "company": company(m.public),
        "created": iso(m.created), "last_update": iso(m.last_update), "metadata": m.metadata,
    })
}

/// A worker's key, as ClearML's server makes it: `worker_<company>_<user>_<id>`.
pub fn worker_key(w: &Worker) -> String {
    format!("worker_{COMPANY}_{}_{}", w.user, w.id)
}

/// A live worker (§8.4), with its queues named from `queues` and the task
/// it runs.
pub fn worker(w: &Worker, task: Option<&Task>, queues: &[Queue], now: i64) -> Value {
    let task = task.map(|t| {
        let running = t.started.map_or(0, |s| (now - s) / 1000);
        json!({"id": t.id, "name": t.name, "running_time": running, "last_iteration": t.last_iteration})
    });
    let named: Vec<Value> = w
        .queues
        .iter()
        .map(|q| {
            let queue = queues.iter().find(|x| &x.id == q);
            json!({"id": q, "name": queue.map(|x| &x.name), "display_name": queue.and_then(|x| x.display_name.as_ref())})
        })
        .collect();
    json!({
        "id": w.id, "key": worker_key(w), "ip": w.ip, "user": {"id": w.user, "name": ""},
        "company": {"id": COMPANY, "name": ""},
        "register_time": iso(w.registered), "last_activity_time": iso(w.last_seen),
        "last_report_time": iso(w.last_seen),
        "task": task, "queue": w.queue, "queues": named, "tags": w.tags, "system_tags": w.system_tags,
        "machine_stats": w.machine_stats,
    })
}

/// A console entry of `task`.
pub fn log_event(task: &str, e: &LogEntry) -> Value {
    json!({
        "timestamp": e.timestamp, "type": "log", "task": task, "level": e.level, "worker": e.worker, "msg": e.msg,
        "iter": e.iter,
    })
}

/// A stored plot or debug sample, as the clients read it back.
pub fn stored_event(task: &str, e: &StoredEvent) -> Value {
    let mut v: Value = serde_json::from_str(&e.event.body).unwrap_or_else(|_| json!({}));
    v["task"] = json!(task);
    v["type"] = json!(e.event.event_type);
    v["timestamp"] = json!(e.event.timestamp);
    v["iter"] = json!(e.event.iter);
    v["metric"] = json!(e.event.metric);
    v["variant"] = json!(e.event.variant);
    v
}

/// A user as `users.*` answer it (ClearML's fields; the role in ClearML's
/// names: admin, user, guest).
pub fn user(u: &crate::model::User) -> Value {
    let (given, family) = u.display_name.split_once(' ').unwrap_or((&u.display_name, ""));
    json!({
        "id": u.id, "name": u.display_name, "given_name": given, "family_name": family,
        "login": u.login, "avatar": null, "email": null,
        "company": {"id": crate::server::auth::COMPANY, "name": "Labbook"},
        "role": u.role.clearml_name(), "disabled": u.disabled,
        "created": iso(u.created),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_tasks_have_every_object_field() {
        let t = Task { id: "t".into(), name: "n".into(), ..Task::default() };
        let w = task(&t, &[]);
        for k in ["output", "execution", "script", "models", "runtime", "hyperparams", "configuration", "container"] {
            assert!(w[k].is_object(), "{k} must be an object");
        }
        assert!(w["tags"].is_array() && w["system_tags"].is_array());
        assert_eq!(w["last_iteration"], 0);
        assert_eq!(w["status"], "created");
    }
}
