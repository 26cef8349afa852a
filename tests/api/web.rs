//! The web UI's server functions: the same rules as the API, errors that
//! arrive whole with their HTTP status, and forms that never overwrite a
//! newer save.

use crate::app::{on_both, TestApp};
use serde_json::{json, Value};

/// The draft form of a task as the edit tab fills it in.
fn form_of(task: &Value, name: &str) -> Value {
    json!({
        "name": name,
        "comment": task["comment"],
        "hyperparams": [],
        "configuration": [],
        "script": task["script"],
        "container": task["container"],
    })
}

async fn a_stale_form_is_refused_and_nothing_is_lost(app: &TestApp) {
    let id = app.task("edited twice").await;
    let (status, detail) = app.rpc("compare_tasks", json!({"ids": [id, id]})).await;
    assert_eq!(status, 400, "two different tasks are needed: {detail}");
    let other = app.task("second task").await;
    let (status, detail) = app.rpc("compare_tasks", json!({"ids": [id, other]})).await;
    assert_eq!(status, 200, "{detail}");
    let task = &detail["tasks"][0]["task"];
    let revision = task["revision"].as_i64().expect("revision");
    let (status, saved) =
        app.rpc("save_draft", json!({"id": id, "revision": revision, "form": form_of(task, "first save")})).await;
    assert_eq!(status, 200, "{saved}");
    assert!(saved.as_i64().expect("new revision") > revision);
    // A second form opened at the same revision must not overwrite it.
    let (status, stale) =
        app.rpc("save_draft", json!({"id": id, "revision": revision, "form": form_of(task, "second save")})).await;
    assert_eq!(status, 409, "{stale}");
    assert!(stale.get("Stale").is_some(), "the browser can tell a stale form: {stale}");
    let t = app.ok("tasks.get_by_id", json!({"task": id})).await;
    assert_eq!(t["task"]["name"], "first save");
    // Invalid fields come back per field, with nothing saved.
    let (status, invalid) =
        app.rpc("save_draft", json!({"id": id, "revision": saved, "form": form_of(task, "x")})).await;
    assert_eq!(status, 400, "{invalid}");
    assert_eq!(invalid["InvalidFields"][0]["field"], "name", "{invalid}");
}
on_both!(a_stale_form_is_refused_and_nothing_is_lost);

async fn web_actions_follow_the_state_machine(app: &TestApp) {
    let id = app.task("acted on").await;
    let target = json!({"Ids": [id]});
    let (status, report) = app.rpc("run_action", json!({"action": "Enqueue", "target": target, "argument": ""})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["applied"], 1, "{report}");
    assert_eq!(app.status(&id).await, "queued");
    let (status, report) = app.rpc("run_action", json!({"action": "Publish", "target": target, "argument": ""})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["applied"], 0, "{report}");
    assert_eq!(report["skipped"].as_array().map(Vec::len), Some(1), "{report}");
    let (status, err) =
        app.rpc("run_action", json!({"action": "Enqueue", "target": {"Ids": []}, "argument": ""})).await;
    assert_eq!(status, 400, "{err}");
    // A missing task is a 400 the UI can show, not a crash.
    let (status, err) = app.rpc("compare_tasks", json!({"ids": [id, "no-such-task"]})).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["NotFound"]["noun"], "Task", "{err}");
}
on_both!(web_actions_follow_the_state_machine);

/// The line named `name` of the chart titled `title` in a chart list.
fn line<'a>(charts: &'a Value, title: &str, name: &str) -> Option<&'a Value> {
    let chart = charts.as_array()?.iter().find(|c| c["title"] == title)?;
    chart["series"].as_array()?.iter().find(|s| s["name"] == name)
}

/// The largest value of a chart line (gaps are null).
fn peak(line: &Value) -> f64 {
    line["y"].as_array().into_iter().flatten().filter_map(Value::as_f64).fold(f64::NEG_INFINITY, f64::max)
}

async fn the_history_charts_show_queues_and_workers(app: &TestApp) {
    let q = app.ok("queues.create", json!({"name": "web history queue"})).await["id"].as_str().map(str::to_string);
    let q = q.expect("queue id");
    for n in 0..2 {
        let t = app.task(&format!("web history {n}")).await;
        app.ok("tasks.enqueue", json!({"task": t, "queue": q})).await;
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let stats = json!({"cpu_usage": [40, 60], "memory_used": 2048});
    app.ok("workers.status_report", json!({"worker": "web-history:0", "timestamp": now, "machine_stats": stats})).await;

    let (status, charts) = app.rpc("queue_charts", json!({"range": "Hours3"})).await;
    assert_eq!(status, 200, "{charts}");
    let length = line(&charts, "Queue length", "web history queue").expect("a line for the queue");
    assert_eq!(peak(length), 2.0, "{length}");
    assert!(line(&charts, "Mean wait", "web history queue").is_some());

    let (status, charts) = app.rpc("worker_charts", json!({"range": "Day"})).await;
    assert_eq!(status, 200, "{charts}");
    assert!(peak(line(&charts, "Workers", "reporting").expect("workers line")) >= 1.0, "{charts}");
    assert_eq!(peak(line(&charts, "CPU usage", "web-history:0").expect("cpu line")), 50.0);
    assert_eq!(peak(line(&charts, "Memory used", "web-history:0").expect("memory line")), 2.0);
    // No GPU reported: no GPU chart.
    assert!(charts.as_array().is_some_and(|cs| cs.iter().all(|c| c["title"] != "GPU usage")));

    let (status, err) = app.rpc("queue_charts", json!({"range": "Fortnight"})).await;
    assert_eq!(status, 400, "{err}");
}
on_both!(the_history_charts_show_queues_and_workers);

async fn a_project_overview_counts_states_and_snapshots_a_metric(app: &TestApp) {
    let top = app.ok("projects.create", json!({"name": "web overview"})).await["id"].as_str().map(str::to_string);
    let top = top.expect("project id");
    let sub = app.ok("projects.create", json!({"name": "web overview/sub"})).await["id"].as_str().map(str::to_string);
    let sub = sub.expect("project id");
    let mut ids = Vec::new();
    for (name, project, loss) in [("ov a", &top, 0.5), ("ov b", &top, 0.25), ("ov c", &sub, 0.75)] {
        let id = app.ok("tasks.create", json!({"name": name, "type": "training", "project": project})).await;
        let id = id["id"].as_str().expect("task id").to_string();
        let line = json!({"type": "training_stats_scalar", "task": id, "metric": "loss", "variant": "total",
            "value": loss, "iter": 1})
        .to_string();
        assert_eq!(app.call_raw("events.add_batch", line, "application/json-lines").await.code, 200);
        ids.push(id);
    }
    app.ok("tasks.started", json!({"task": ids[0]})).await;
    app.ok("tasks.completed", json!({"task": ids[0]})).await;

    let (status, o) = app.rpc("project_overview", json!({"id": top, "subprojects": false, "metric": null})).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["counts"], json!([["created", 1], ["completed", 1]]), "{o}");
    assert_eq!(o["metric"], json!(["loss", "total"]));
    let values: Vec<f64> = o["snapshot"].as_array().into_iter().flatten().filter_map(|p| p["value"].as_f64()).collect();
    assert_eq!(values, [0.25, 0.5], "oldest update first: {o}");
    assert_eq!(o["last_task"][0], ids[0].as_str(), "completed last: {o}");

    let (_, with_sub) = app.rpc("project_overview", json!({"id": top, "subprojects": true, "metric": null})).await;
    assert_eq!(with_sub["counts"], json!([["created", 2], ["completed", 1]]), "{with_sub}");
    // A metric no task reported falls back to the first one.
    let (_, other) =
        app.rpc("project_overview", json!({"id": top, "subprojects": true, "metric": ["nope", "x"]})).await;
    assert_eq!(other["metric"], json!(["loss", "total"]));
    assert_eq!(other["snapshot"].as_array().map(Vec::len), Some(3));

    // As every server function answers a missing object: 400, with the error whole.
    let (status, err) = app.rpc("project_overview", json!({"id": "no-such-project", "subprojects": false})).await;
    assert_eq!(status, 400, "{err}");
    assert!(err.to_string().contains("no-such-project"), "{err}");
}
on_both!(a_project_overview_counts_states_and_snapshots_a_metric);
