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

async fn reports_render_their_embeds_and_lock_when_published(app: &TestApp) {
    let task = app.task("web report source").await;
    let lines = [
        json!({"type": "training_stats_scalar", "task": task, "metric": "loss", "variant": "train", "value": 0.5, "iter": 1}),
        json!({"type": "training_stats_scalar", "task": task, "metric": "loss", "variant": "val", "value": 0.7, "iter": 1}),
        json!({"type": "training_stats_scalar", "task": task, "metric": "acc", "variant": "top1", "value": 0.9,
            "iter": -2147483648_i64}),
    ]
    .iter()
    .map(|l| l.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    assert_eq!(app.call_raw("events.add_batch", lines, "application/json-lines").await.code, 200);
    let markdown = format!(
        "# Notes\n\n<iframe src=\"/widgets/?type=scalar&objects={task}&metrics=loss&variants=val\"></iframe>\n\n\
         <iframe src=\"/widgets/?type=single&objects={task}\"></iframe>\n\n<script>x()</script>"
    );
    let created = app.ok("reports.create", json!({"name": "web report", "report": markdown})).await;
    let id = created["id"].as_str().expect("report id").to_string();

    let (status, listed) = app.rpc("list_reports", json!({"query": {"search": "web report", "archived": false}})).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["project"], Value::Null, "a top-level report belongs to no project");

    let (status, view) = app.rpc("get_report", json!({"id": id})).await;
    assert_eq!(status, 200, "{view}");
    let blocks = view["blocks"].as_array().expect("blocks");
    assert_eq!(blocks.len(), 3, "{view}");
    assert!(blocks[0]["Html"].as_str().is_some_and(|h| h.contains("<h1>Notes</h1>")), "{view}");
    assert!(!view["blocks"].to_string().contains("script"), "{view}");

    // Each embed answers only what it shows.
    let (status, scalars) = app.rpc("report_widget", json!({"widget": blocks[1]["Widget"]})).await;
    assert_eq!(status, 200, "{scalars}");
    let series = scalars["Scalars"].as_array().expect("series");
    assert_eq!(series.iter().map(|s| s["variant"].as_str().unwrap_or("")).collect::<Vec<_>>(), ["val"], "{scalars}");
    let (status, single) = app.rpc("report_widget", json!({"widget": blocks[2]["Widget"]})).await;
    assert_eq!(status, 200, "{single}");
    assert_eq!(single["Single"][0]["value"]["value"], 0.9, "{single}");
    assert_eq!(single["Single"][0]["task"], "web report source", "{single}");
    // A widget the browser made up is refused, not run.
    let mut many = blocks[1]["Widget"].clone();
    many["objects"] = json!((0..21).map(|n| format!("t{n}")).collect::<Vec<_>>());
    assert_eq!(app.rpc("report_widget", json!({"widget": many})).await.0, 400);

    let save = |text: &str| json!({"id": id, "name": "web report", "comment": "c", "markdown": text});
    let (status, saved) = app.rpc("save_report", save("*new*")).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["markdown"], "*new*");
    let (status, err) = app.rpc("save_report", json!({"id": id, "name": "x", "comment": "", "markdown": ""})).await;
    assert_eq!(status, 400, "a name of one character: {err}");
    // Deleting asks for the archive first; publishing locks the text.
    let (status, _) = app.rpc("run_report_action", json!({"id": id, "action": "Delete"})).await;
    assert_eq!(status, 400);
    assert_eq!(app.rpc("run_report_action", json!({"id": id, "action": "Publish"})).await.0, 200);
    let (status, err) = app.rpc("save_report", save("changed")).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(app.rpc("run_report_action", json!({"id": id, "action": "Archive"})).await.0, 200);
    let (status, archived) =
        app.rpc("list_reports", json!({"query": {"search": "web report", "archived": true}})).await;
    assert_eq!((status, archived[0]["archived"].clone()), (200, json!(true)), "{archived}");
    assert_eq!(app.rpc("run_report_action", json!({"id": id, "action": "Delete"})).await.0, 200);
    // Gone: ClearML's "invalid task id" (400/101), which the page shows as its 404.
    let (status, gone) = app.rpc("get_report", json!({"id": id})).await;
    assert_eq!(status, 400, "{gone}");
    assert!(gone.to_string().contains(&id), "{gone}");
}
on_both!(reports_render_their_embeds_and_lock_when_published);

async fn the_tag_picker_offers_the_tags_in_use_most_used_first(app: &TestApp) {
    let top = app.ok("projects.create", json!({"name": "web tags"})).await["id"].as_str().map(str::to_string);
    let top = top.expect("project id");
    let sub = app.ok("projects.create", json!({"name": "web tags/sub"})).await["id"].as_str().map(str::to_string);
    let sub = sub.expect("project id");
    let other =
        app.ok("projects.create", json!({"name": "web tags elsewhere"})).await["id"].as_str().map(str::to_string);
    let other = other.expect("project id");
    for (name, project, tags) in [
        ("tg a", &top, json!(["best", "zeta"])),
        ("tg b", &top, json!(["zeta"])),
        ("tg c", &sub, json!(["zeta", "sub-only"])),
        ("tg d", &top, json!(["gone"])),
        ("tg e", &other, json!(["not-here"])),
    ] {
        let id =
            app.ok("tasks.create", json!({"name": name, "type": "training", "project": project, "tags": tags})).await;
        if name == "tg d" {
            app.ok("tasks.archive", json!({"tasks": [id["id"]]})).await;
        }
    }
    let (status, tags) = app.rpc("known_tags", json!({"project": top})).await;
    assert_eq!(status, 200, "{tags}");
    // Sub-projects count; archived tasks and other projects do not.
    assert_eq!(tags, json!(["zeta", "best", "sub-only"]), "most used first, then by name");
    let (_, everywhere) = app.rpc("known_tags", json!({"project": null})).await;
    let everywhere: Vec<&str> = everywhere.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(everywhere.contains(&"not-here") && everywhere.contains(&"zeta"), "{everywhere:?}");
    let (status, err) = app.rpc("known_tags", json!({"project": 5})).await;
    assert_eq!(status, 400, "{err}");
}
on_both!(the_tag_picker_offers_the_tags_in_use_most_used_first);

/// The Suspense boundaries a server render gave up on (leptos lists their
/// ids in `__INCOMPLETE_CHUNKS`): their content is missing from the HTML.
fn incomplete_chunks(html: &str) -> &str {
    html.split("__INCOMPLETE_CHUNKS=").nth(1).and_then(|rest| rest.split(';').next()).unwrap_or("[]")
}

async fn every_server_render_carries_its_content(app: &TestApp) {
    let project = app.ok("projects.create", json!({"name": "web renders"})).await["id"].as_str().map(str::to_string);
    let project = project.expect("project id");
    for name in ["render a", "render b"] {
        app.ok("tasks.create", json!({"name": name, "type": "training", "project": project})).await;
    }
    let task = app.task("render source").await;
    let markdown = format!("# Rendered notes\n\n<iframe src=\"/widgets/?type=scalar&objects={task}\"></iframe>");
    let report = app.ok("reports.create", json!({"name": "rendered report", "report": markdown})).await;
    let report = report["id"].as_str().expect("report id").to_string();
    // The project page draws its overview, the report its widget, the
    // queues page its history in the browser only. Read on the server, such
    // a `LocalResource` made leptos give up on the enclosing `Transition`
    // (a project page then lost its table in 54 of 200 release renders).
    for (path, content) in [
        (format!("/projects/{project}"), "render b"),
        (format!("/reports/{report}"), "Rendered notes"),
        ("/queues".to_string(), "History"),
    ] {
        for n in 0..3 {
            let r = app.page(&path, Some(&app.session)).await;
            assert_eq!(r.status().as_u16(), 200, "{path}");
            let html = r.text().await.expect("page");
            assert_eq!(incomplete_chunks(&html), "[]", "render {n} of {path} left a part to the browser");
            assert!(html.contains(content), "render {n} of {path} lacks {content:?}");
        }
    }
}

on_both!(every_server_render_carries_its_content);
