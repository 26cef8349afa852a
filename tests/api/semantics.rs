//! ClearML's exact semantics, as its own server tests check them
//! (`../shared/peer-tests/`), guarded here because CI cannot fetch those
//! tests: the query language of `get_all`/`get_all_ex`, paging, project
//! deletion rules, queue and model side effects, event pages.

use crate::app::{on_both, TestApp};
use serde_json::{json, Value};

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().into_iter().flatten().map(|t| t["id"].as_str().unwrap_or_default().to_string()).collect()
}

async fn get_all_ex_speaks_clearmls_query_language(app: &TestApp) {
    let p =
        app.ok("projects.create", json!({"name": "sem query"})).await["id"].as_str().unwrap_or_default().to_string();
    let mut tasks = Vec::new();
    for (i, (tags, lr)) in [(vec![], "2"), (vec!["a"], "11"), (vec!["a", "b"], "1")].into_iter().enumerate() {
        let id = app
            .ok(
                "tasks.create",
                json!({"name": format!("query {i}"), "project": p, "tags": tags,
            "hyperparams": {"s": {"lr": {"section": "s", "name": "lr", "value": lr}}}}),
            )
            .await["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        tasks.push(id);
    }
    app.ok("tasks.edit", json!({"task": tasks[2], "parent": tasks[0]})).await;
    let q = |extra: Value| {
        let mut body = json!({"project": [p]});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        body
    };
    let got = app.ok("tasks.get_all_ex", q(json!({"parent": [tasks[0]]}))).await;
    assert_eq!(ids(&got, "tasks"), vec![tasks[2].clone()], "parent filter");
    let got = app
        .ok("tasks.get_all_ex", q(json!({"filters": {"tags": {"all": {"include": ["a"], "exclude": ["b"]}}}})))
        .await;
    assert_eq!(ids(&got, "tasks"), vec![tasks[1].clone()]);
    let got = app.ok("tasks.get_all_ex", q(json!({"filters": {"tags": {"any": {"include": [null]}}}}))).await;
    assert_eq!(ids(&got, "tasks"), vec![tasks[0].clone()], "null means no tags");
    // Hyperparameters order numerically; `_ex` answers the project as an object.
    let got = app
        .ok("tasks.get_all_ex", q(json!({"order_by": ["hyperparams.s.lr.value"], "only_fields": ["project.name"]})))
        .await;
    assert_eq!(ids(&got, "tasks"), vec![tasks[2].clone(), tasks[0].clone(), tasks[1].clone()]);
    assert_eq!(got["tasks"][0]["project"], json!({"id": p, "name": "sem query"}));
    // Empty values last, both ways.
    for order in ["parent", "-parent"] {
        let got = app.ok("tasks.get_all", q(json!({"order_by": [order]}))).await;
        assert_eq!(ids(&got, "tasks")[0], tasks[2], "{order}");
    }
    // Ranges and dates.
    let got = app.ok("tasks.get_all", q(json!({"created": ["2000-01-01", null], "last_update": ">=2000-01-01"}))).await;
    assert_eq!(ids(&got, "tasks").len(), 3);
    // Unknown fields and bad filters are refused by name, not ignored.
    let r = app.call("tasks.get_all", json!({"parnet": tasks[0]})).await;
    assert_eq!(r.codes(), (400, 12));
    assert!(r.msg.contains("parnet"), "{}", r.msg);
    let r = app.call("tasks.get_all_ex", json!({"filters": {"tags": {"test": ["1"]}}})).await;
    assert_eq!(r.codes(), (400, 12), "{}", r.msg);
    // `runtime.version` of a task without a runtime answers `runtime: {}`.
    let got = app.ok("tasks.get_all", json!({"id": [tasks[0]], "only_fields": ["id", "runtime.version"]})).await;
    assert_eq!(got["tasks"][0]["runtime"], json!({}));
}
on_both!(get_all_ex_speaks_clearmls_query_language);

async fn scrolling_continues_where_it_stopped(app: &TestApp) {
    let p =
        app.ok("projects.create", json!({"name": "sem scroll"})).await["id"].as_str().unwrap_or_default().to_string();
    for i in 0..5 {
        app.ok("tasks.create", json!({"name": format!("scroll {i}"), "project": p, "comment": format!("{i}")})).await;
    }
    let body = |scroll: Value| json!({"project": [p], "order_by": ["comment"], "size": 2, "scroll_id": scroll});
    let first = app.ok("tasks.get_all_ex", body(Value::Null)).await;
    let second = app.ok("tasks.get_all_ex", body(first["scroll_id"].clone())).await;
    let third = app.ok("tasks.get_all_ex", body(second["scroll_id"].clone())).await;
    let fourth = app.ok("tasks.get_all_ex", body(third["scroll_id"].clone())).await;
    let sizes: Vec<usize> = [&first, &second, &third, &fourth].iter().map(|v| ids(v, "tasks").len()).collect();
    assert_eq!(sizes, vec![2, 2, 1, 0]);
    let mut refreshed = body(third["scroll_id"].clone());
    refreshed["refresh_scroll"] = json!(true);
    assert_eq!(ids(&app.ok("tasks.get_all_ex", refreshed).await, "tasks").len(), 5);
}
on_both!(scrolling_continues_where_it_stopped);

async fn projects_refuse_deletion_for_live_contents_only(app: &TestApp) {
    let p =
        app.ok("projects.create", json!({"name": "sem delete"})).await["id"].as_str().unwrap_or_default().to_string();
    let t = app.ok("tasks.create", json!({"name": "live", "project": p})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let v = app.ok("projects.validate_delete", json!({"project": p})).await;
    assert_eq!((v["tasks"].as_i64(), v["non_archived_tasks"].as_i64()), (Some(1), Some(1)));
    assert_eq!(app.call("projects.delete", json!({"project": p})).await.codes(), (400, 402));
    app.ok("tasks.archive", json!({"tasks": [t]})).await;
    let v = app.ok("projects.validate_delete", json!({"project": p})).await;
    assert_eq!(v["non_archived_tasks"], 0);
    app.ok("projects.delete", json!({"project": p})).await;
    // A rename keeps the parent: another parent is 400/408.
    let q =
        app.ok("projects.create", json!({"name": "sem a/bee", "system_tags": ["hidden"], "description": "d"})).await;
    let q = q["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(app.call("projects.update", json!({"project": q, "name": "sem c/bee"})).await.codes(), (400, 408));
    let got = app.ok("projects.get_by_id", json!({"project": q})).await;
    assert_eq!(got["project"]["system_tags"], json!(["hidden"]));
    assert_eq!(got["project"]["description"], "d");
    let listed = app.ok("projects.get_all", json!({"name": "^sem a/bee$"})).await;
    assert!(ids(&listed, "projects").is_empty(), "hidden projects are not listed");
}
on_both!(projects_refuse_deletion_for_live_contents_only);

async fn queue_removal_and_batches_follow_clearml(app: &TestApp) {
    let q = app.ok("queues.create", json!({"name": "sem queue", "display_name": "Shown", "metadata": [{"key": "k", "type": "str", "value": "v"}]})).await;
    let q = q["id"].as_str().unwrap_or_default().to_string();
    let t = app.task("sem queued").await;
    app.ok("tasks.enqueue", json!({"task": t, "queue": q})).await;
    app.ok("queues.remove_task", json!({"task": t, "queue": q})).await;
    assert_eq!(app.status(&t).await, "queued", "without update_task_status the status stays");
    app.ok("queues.add_task", json!({"task": t, "queue": q})).await;
    assert_eq!(app.ok("queues.peek_task", json!({"queue": q})).await["task"], t.as_str());
    let cleared = app.ok("queues.clear_queue", json!({"queue": q})).await;
    assert_eq!(cleared["removed_tasks"], json!([t]));
    assert_eq!(app.status(&t).await, "created");
    let got = app.ok("queues.get_all_ex", json!({"id": [q]})).await;
    assert_eq!(got["queues"][0]["display_name"], "Shown");
    assert_eq!(got["queues"][0]["metadata"]["k"]["value"], "v");
    let metrics = app.ok("queues.get_queue_metrics", json!({"queue_ids": [q]})).await;
    assert!(metrics["queues"][0]["dates"][0].as_i64().unwrap_or_default() > 1_000_000_000_000, "dates are in ms");
    // A batch reports each id.
    let r = app.ok("tasks.enqueue_many", json!({"ids": [t, "missing"], "queue": q})).await;
    assert_eq!(ids(&r, "succeeded"), vec![t.clone()]);
    assert_eq!(ids(&r, "failed"), vec!["missing".to_string()]);
}
on_both!(queue_removal_and_batches_follow_clearml);

async fn queues_keep_a_history_of_their_length(app: &TestApp) {
    let q = app.ok("queues.create", json!({"name": "sem history"})).await;
    let q = q["id"].as_str().unwrap_or_default().to_string();
    let (a, b) = (app.task("sem waits a").await, app.task("sem waits b").await);
    let start =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    app.ok("tasks.enqueue", json!({"task": a, "queue": q})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.ok("tasks.enqueue", json!({"task": b, "queue": q})).await;
    app.ok("queues.get_next_task", json!({"queue": q})).await;
    app.ok("queues.remove_task", json!({"task": b, "queue": q, "update_task_status": true})).await;
    let ask = |queues: Value, interval: i64| json!({"queue_ids": queues, "from_date": start - 600.0, "to_date": start + 600.0, "interval": interval});
    let got = app.ok("queues.get_queue_metrics", ask(json!([q, "missing"]), 3600)).await;
    let queues = got["queues"].as_array().cloned().unwrap_or_default();
    assert_eq!(queues.len(), 1, "an unknown queue is left out: {got}");
    let m = &queues[0];
    assert_eq!(m["queue"], q.as_str());
    let dates: Vec<i64> = m["dates"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    assert!((1..=2).contains(&dates.len()), "intervals without samples are left out: {m}");
    assert!(dates.iter().all(|d| d % 3_600_000 == 0), "dates are interval starts in ms: {m}");
    let longest = m["queue_lengths"].as_array().into_iter().flatten().filter_map(Value::as_i64).max();
    assert_eq!(longest, Some(2), "the interval shows its longest wait, when both tasks waited: {m}");
    let wait = m["avg_waiting_times"].as_array().into_iter().flatten().filter_map(Value::as_f64).fold(0.0, f64::max);
    assert!(wait >= 0.5, "mean wait in seconds: {m}");
    // One-second intervals: the two enqueues, 1.1 s apart, fall in different ones.
    let fine = app.ok("queues.get_queue_metrics", ask(json!([q]), 1)).await;
    assert!(fine["queues"][0]["dates"].as_array().map_or(0, Vec::len) >= 2, "{fine}");
    let total = app.ok("queues.get_queue_metrics", ask(json!([]), 3600)).await;
    assert_eq!(total["queues"][0]["queue"], "total", "{total}");
    let bad = json!({"queue_ids": [q], "from_date": start, "to_date": start, "interval": 5});
    assert_eq!(app.call("queues.get_queue_metrics", bad).await.codes(), (400, 16));
    let bad = json!({"queue_ids": [q], "from_date": "yesterday", "to_date": start, "interval": 5});
    assert_eq!(app.call("queues.get_queue_metrics", bad).await.codes().0, 400);
}
on_both!(queues_keep_a_history_of_their_length);

async fn models_are_published_and_deleted_with_their_tasks(app: &TestApp) {
    let t = app.task("sem model owner").await;
    app.ok("tasks.started", json!({"task": t})).await;
    let m = app.ok("models.update_for_task", json!({"task": t, "uri": "file:///m", "iteration": 7})).await;
    let m = m["id"].as_str().unwrap_or_default().to_string();
    // A running creator is not published along unless forced (400/110).
    assert_eq!(app.call("models.set_ready", json!({"model": m})).await.codes(), (400, 110));
    app.ok("tasks.stopped", json!({"task": t})).await;
    let r = app.ok("models.set_ready", json!({"model": m})).await;
    assert_eq!(r["published_task"]["id"], t.as_str());
    assert_eq!(app.status(&t).await, "published");
    assert_eq!(app.call("models.set_ready", json!({"model": m})).await.codes(), (400, 203));
    // The published creator keeps it unless forced (400/206).
    assert_eq!(app.call("models.delete", json!({"model": m})).await.codes(), (400, 206));
    app.ok("models.delete", json!({"model": m, "force": true})).await;
    let task = app.ok("tasks.get_by_id", json!({"task": t})).await;
    assert_eq!(task["task"]["models"]["output"][0]["model"], format!("__DELETED__{m}"));
    assert_eq!(task["task"]["last_iteration"], 7);
}
on_both!(models_are_published_and_deleted_with_their_tasks);

async fn event_pages_end_and_sample(app: &TestApp) {
    let t = app.task("sem events").await;
    let mut lines = String::new();
    for i in 0..10 {
        lines.push_str(&format!(
            "{{\"type\": \"training_debug_image\", \"task\": \"{t}\", \"iter\": {i}, \"metric\": \"m\", \"variant\": \"v\", \"url\": \"u{}\"}}\n",
            i % 4
        ));
        lines.push_str(&format!(
            "{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": {i}, \"metric\": \"s\", \"variant\": \"v\", \"value\": {i}}}\n"
        ));
        lines.push_str(&format!(
            "{{\"type\": \"log\", \"task\": \"{t}\", \"iter\": {i}, \"timestamp\": {}, \"msg\": \"l{i}\"}}\n",
            1000 + i
        ));
    }
    lines.push_str(&format!(
        "{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": -2147483648, \"metric\": \"one\", \"variant\": \"v\", \"value\": 1}}\n"
    ));
    let r = app.call_raw("events.add_batch", lines, "application/json-lines").await;
    assert_eq!(r.codes(), (200, 0), "{}", r.msg);
    // Debug samples: deduped by URL (iterations 6..9), pages of 3, then none.
    let mut scroll = Value::Null;
    let mut pages = Vec::new();
    for _ in 0..4 {
        let res = app
            .ok(
                "events.debug_images",
                json!({"metrics": [{"task": t, "metric": "m"}], "iters": 3, "scroll_id": scroll}),
            )
            .await;
        let its: Vec<i64> = res["metrics"][0]["iterations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["iter"].as_i64())
            .collect();
        pages.push(its);
        scroll = res["scroll_id"].clone();
    }
    assert_eq!(pages, vec![vec![9, 8, 7], vec![6], vec![], vec![]]);
    let s = app.ok("events.get_debug_image_sample", json!({"task": t, "metric": "m", "variant": "v"})).await;
    assert_eq!(
        (s["event"]["iter"].as_i64(), s["min_iteration"].as_i64(), s["max_iteration"].as_i64()),
        (Some(9), Some(6), Some(9))
    );
    let prev = app.ok("events.next_debug_image_sample", json!({"task": t, "scroll_id": s["scroll_id"]})).await;
    assert_eq!(prev["event"]["iter"], 8);
    // Histograms: single values left out, `samples` as interval means.
    let h = app.ok("events.scalar_metrics_iter_histogram", json!({"task": t, "samples": 5})).await;
    assert!(h.get("one").is_none());
    assert_eq!(h["s"]["v"]["x"], json!([0, 2, 4, 6, 8]));
    assert_eq!(h["s"]["v"]["y"], json!([0.5, 2.5, 4.5, 6.5, 8.5]));
    let raw = app
        .ok("events.scalar_metrics_iter_raw", json!({"task": t, "metric": {"metric": "one"}, "count_total": true}))
        .await;
    assert_eq!(raw["variants"]["v"]["iter"], json!([-2_147_483_648_i64]));
    // Console lines keep their iteration and page by time.
    let log = app.ok("events.get_task_log", json!({"task": t, "batch_size": 3, "from_timestamp": 1005})).await;
    let its: Vec<i64> = log["events"].as_array().into_iter().flatten().filter_map(|e| e["iter"].as_i64()).collect();
    assert_eq!(its, vec![4, 3, 2]);
}
on_both!(event_pages_end_and_sample);

async fn tags_and_parents_of_projects(app: &TestApp) {
    let p = app.ok("projects.create", json!({"name": "sem tags", "tags": ["own"]})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let parent = app.ok("tasks.create", json!({"name": "sem parent", "project": p, "tags": ["x"]})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.ok(
        "tasks.create",
        json!({"name": "sem child", "project": p, "tags": ["y"], "parent": parent, "system_tags": ["s"]}),
    )
    .await;
    let tags = app.ok("projects.get_task_tags", json!({"projects": [p], "include_system": true})).await;
    assert_eq!((tags["tags"].clone(), tags["system_tags"].clone()), (json!(["x", "y"]), json!(["s"])));
    let tags =
        app.ok("projects.get_task_tags", json!({"projects": [p], "filter": {"system_tags": ["__$not", "s"]}})).await;
    assert_eq!(tags["tags"], json!(["x"]));
    assert_eq!(app.ok("projects.get_project_tags", json!({"projects": [p]})).await["tags"], json!(["own"]));
    let parents = app.ok("projects.get_task_parents", json!({"projects": [p]})).await;
    assert_eq!(
        parents["parents"],
        json!([{"id": parent, "name": "sem parent", "project": {"id": p, "name": "sem tags"}}])
    );
    let stats = app.ok("projects.get_all_ex", json!({"id": [p], "include_stats": true})).await;
    assert_eq!(stats["projects"][0]["stats"]["active"]["total_tasks"], 2);
}
on_both!(tags_and_parents_of_projects);

async fn workers_reports_and_legacy_fields(app: &TestApp) {
    // Workers: their own timeout, system tags and filters.
    app.ok("workers.register", json!({"worker": "sem:w1", "tags": ["gpu"], "system_tags": ["s"], "timeout": 600}))
        .await;
    app.ok("workers.register", json!({"worker": "sem:w2", "tags": ["cpu"]})).await;
    let got = app.ok("workers.get_all", json!({"tags": ["gpu"], "system_tags": ["s"]})).await;
    assert_eq!(ids(&got, "workers"), vec!["sem:w1".to_string()]);
    assert_eq!(app.ok("workers.get_count", json!({"tags": ["-gpu"]})).await["count"], 1);
    assert_eq!(app.call("workers.register", json!({"worker": "sem:w3", "timeout": 0})).await.codes(), (400, 12));
    // Pre-2.9 parameters become `legacy` hyperparameters; configuration by name.
    let t = app
        .ok("tasks.create", json!({"name": "sem legacy", "execution": {"parameters": {"lr": 0.1, "TF_DEFINE/x": "y"}}}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let task = app.ok("tasks.get_by_id", json!({"task": t})).await["task"].clone();
    assert_eq!(
        task["hyperparams"]["Args"]["lr"],
        json!({"section": "Args", "name": "lr", "value": "0.1", "type": "legacy"})
    );
    assert_eq!(task["hyperparams"]["TF_DEFINE"]["x"]["value"], "y");
    assert!(task["execution"].get("parameters").is_none());
    app.ok(
        "tasks.edit_configuration",
        json!({"task": t, "configuration": [{"name": "b", "value": ""}, {"name": "a", "value": "1"}]}),
    )
    .await;
    let names = app.ok("tasks.get_configuration_names", json!({"tasks": [t]})).await;
    assert_eq!(names["configurations"][0]["names"], json!(["a"]));
    let all = app.ok("tasks.get_all_ex", json!({"id": [t], "projection": ["*", "execution.*"]})).await;
    assert_eq!(all["tasks"][0]["name"], "sem legacy");
    // Archiving takes a waiting task out of its queue, with a reason.
    app.ok("tasks.enqueue", json!({"task": t})).await;
    app.ok("tasks.archive", json!({"tasks": [t], "status_reason": "tidy"})).await;
    let task = app.ok("tasks.get_by_id", json!({"task": t})).await["task"].clone();
    assert_eq!((task["status"].as_str(), task["status_reason"].as_str()), (Some("created"), Some("tidy")));
    assert!(task["system_tags"].as_array().is_some_and(|s| s.contains(&json!("archived"))));
    assert_eq!(app.call("tasks.archive", json!({"tasks": ["missing"]})).await.codes(), (400, 101));
    // Reports live hidden in `.reports`; a published one keeps its text.
    let r = app.ok("reports.create", json!({"name": "sem report", "tags": ["r"]})).await;
    let report = r["id"].as_str().unwrap_or_default().to_string();
    app.ok("reports.update", json!({"task": report, "report": "# hello"})).await;
    app.ok("reports.publish", json!({"task": report})).await;
    assert_eq!(app.call("reports.update", json!({"task": report, "report": "changed"})).await.codes(), (400, 110));
    app.ok("reports.update", json!({"task": report, "name": "renamed report"})).await;
    let found = app.ok("reports.get_all_ex", json!({"_any_": {"pattern": "hello", "fields": ["report"]}})).await;
    assert_eq!(ids(&found, "tasks"), vec![report.clone()]);
    assert_eq!(app.ok("reports.get_tags", json!({})).await["tags"], json!(["r"]));
    let folder = app.ok("projects.get_by_id", json!({"project": r["project_id"]})).await;
    assert_eq!(folder["project"]["name"], ".reports");
    assert_eq!(app.call("reports.update", json!({"task": t, "name": "not a report"})).await.codes(), (400, 150));
}
on_both!(workers_reports_and_legacy_fields);

/// The `id` an answer names.
fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

async fn models_report_events_of_their_own(app: &TestApp) {
    let m = id(&app.ok("models.create", json!({"name": "sem model events", "uri": "file:///w", "ready": false})).await);
    let line = |iter: i64, value: f64| {
        format!(
            "{{\"type\": \"training_stats_scalar\", \"task\": \"{m}\", \"model_event\": true, \"iter\": {iter}, \
             \"metric\": \"loss\", \"variant\": \"v\", \"value\": {value}, \"x_axis_label\": \"epochs\"}}"
        )
    };
    // A model has no console: a batch of only that is refused (400/131).
    let log = format!("{{\"type\": \"log\", \"task\": \"{m}\", \"model_event\": true, \"msg\": \"x\"}}");
    assert_eq!(app.call_raw("events.add_batch", log, "application/json-lines").await.codes(), (400, 131));
    let batch = [line(0, 2.0), line(1, 1.0)].join("\n");
    let r = app.call_raw("events.add_batch", batch, "application/json-lines").await;
    assert_eq!(r.data["added"], 2, "{}", r.msg);
    let h = app.ok("events.scalar_metrics_iter_histogram", json!({"task": m, "model_events": true})).await;
    assert_eq!(h["loss"]["v"]["x"], json!([0, 1]));
    assert_eq!(h["loss"]["v"]["x_axis_label"], "epochs");
    // Read as a task's, the id is unknown (400/101).
    assert_eq!(app.call("events.scalar_metrics_iter_histogram", json!({"task": m})).await.codes(), (400, 101));
    let got = app.ok("models.get_all_ex", json!({"id": [m], "only_fields": ["last_metrics", "last_iteration"]})).await;
    let doc = &got["models"][0];
    assert_eq!(doc["last_iteration"], 1);
    let summary = doc["last_metrics"].as_object().and_then(|ms| ms.values().next()).cloned().unwrap_or_default();
    let summary = summary.as_object().and_then(|vs| vs.values().next()).cloned().unwrap_or_default();
    assert_eq!((summary["value"].as_f64(), summary["min_value"].as_f64()), (Some(1.0), Some(1.0)));
    assert_eq!(summary["x_axis_label"], "epochs");
    // Its events go with it.
    app.ok("models.delete", json!({"model": m})).await;
    let r = app.call("events.scalar_metrics_iter_histogram", json!({"task": m, "model_events": true})).await;
    assert_eq!(r.codes(), (400, 201));
}
on_both!(models_report_events_of_their_own);

async fn deleting_and_resetting_tasks_follows_clearml(app: &TestApp) {
    // models.create is ready unless told otherwise.
    let ready = id(&app.ok("models.create", json!({"name": "sem ready", "uri": "file:///ready"})).await);
    assert_eq!(app.ok("models.get_by_id", json!({"model": ready})).await["model"]["ready"], true);
    // A task that ran is deleted only archived, or forced (400/123).
    let done = app.task("sem delete done").await;
    app.ok("tasks.started", json!({"task": done})).await;
    app.ok("tasks.completed", json!({"task": done})).await;
    assert_eq!(app.call("tasks.delete", json!({"task": done})).await.codes(), (400, 123));
    app.ok("tasks.archive", json!({"tasks": [done]})).await;
    app.ok("tasks.delete", json!({"task": done})).await;
    // Published children and published models need force; then both name
    // the deleted task, and the child still validates.
    let parent = app.task("sem delete parent").await;
    let child = id(&app.ok("tasks.create", json!({"name": "sem child", "type": "testing", "parent": parent})).await);
    app.ok("tasks.started", json!({"task": child})).await;
    app.ok("tasks.stopped", json!({"task": child})).await;
    app.ok("tasks.publish", json!({"task": child})).await;
    app.ok("models.edit", json!({"model": ready, "task": parent})).await;
    assert_eq!(app.call("tasks.delete", json!({"task": parent})).await.codes(), (400, 123));
    let r = app.ok("tasks.delete", json!({"task": parent, "force": true})).await;
    assert_eq!((r["updated_children"].as_i64(), r["updated_models"].as_i64()), (Some(1), Some(1)));
    let c = app.ok("tasks.get_by_id", json!({"task": child})).await["task"].clone();
    assert_eq!(c["parent"], format!("__DELETED__{parent}"));
    app.ok("tasks.validate", c).await;
    let r = app.call("tasks.validate", json!({"name": "sem orphan", "type": "testing", "parent": "nope"})).await;
    assert_eq!(r.codes(), (400, 101), "{}", r.msg);
    // A reset deletes draft outputs, but not one another task takes as input.
    let runner = app.task("sem reset").await;
    app.ok("tasks.started", json!({"task": runner})).await;
    let out = id(&app.ok("models.update_for_task", json!({"task": runner, "uri": "file:///out"})).await);
    let user =
        id(&app.ok("tasks.create", json!({"name": "sem user", "type": "testing", "execution": {"model": out}})).await);
    let u = app.ok("tasks.get_by_id", json!({"task": user})).await;
    assert_eq!(u["task"]["models"]["input"][0]["model"], out.as_str(), "execution.model is the input model");
    let r = app.ok("tasks.reset", json!({"task": runner, "return_file_urls": true})).await;
    assert_eq!(r["urls"]["model_urls"], json!([]));
    app.ok("models.get_by_id", json!({"model": out})).await;
    // Clones: overridden input artifacts, and references checked on request.
    let arts =
        json!([{"key": "x", "type": "str", "uri": "x", "mode": "input"}, {"key": "o", "type": "str", "uri": "o"}]);
    let clone = app.ok("tasks.clone", json!({"task": user, "execution_overrides": {"artifacts": arts}})).await;
    let c = app.ok("tasks.get_by_id", json!({"task": id(&clone)})).await;
    assert_eq!(c["task"]["execution"]["artifacts"].as_array().map(Vec::len), Some(1));
    app.ok("models.delete", json!({"model": out, "force": true})).await;
    app.ok("tasks.clone", json!({"task": user})).await;
    assert_eq!(app.call("tasks.clone", json!({"task": user, "validate_references": true})).await.codes(), (400, 201));
}
on_both!(deleting_and_resetting_tasks_follows_clearml);

async fn logs_metrics_and_single_values(app: &TestApp) {
    let t = app.task("sem logs").await;
    let mut lines = Vec::new();
    for i in 0..3 {
        lines.push(format!("{{\"type\": \"log\", \"task\": \"{t}\", \"msg\": \"plain {i}\"}}"));
    }
    for i in 0..2 {
        lines.push(format!(
            "{{\"type\": \"log\", \"task\": \"{t}\", \"msg\": \"m {i}\", \"metric\": \"mm\", \"variant\": \"vv\"}}"
        ));
    }
    lines.push(format!("{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": 5, \"metric\": \"s\", \"variant\": \"v\", \"value\": 5}}"));
    app.call_raw("events.add_batch", lines.join("\n"), "application/json-lines").await;
    assert_eq!(app.ok("events.get_task_log", json!({"task": t})).await["total"], 5);
    assert_eq!(app.ok("events.get_task_log", json!({"task": t, "metrics": [{"metric": "mm"}]})).await["total"], 2);
    let m = app.ok("events.get_task_metrics", json!({"tasks": [t], "event_type": "log"})).await;
    assert_eq!(m["metrics"][0]["metrics"], json!(["mm"]));
    let all = app.ok("events.get_multi_task_metrics", json!({"tasks": [t]})).await;
    let names: Vec<&str> =
        all["metrics"].as_array().into_iter().flatten().filter_map(|m| m["metric"].as_str()).collect();
    assert_eq!(names, ["mm", "s"], "every event type by default");
    assert_eq!(app.ok("events.clear_task_log", json!({"task": t, "exclude_metrics": ["mm"]})).await["deleted"], 3);
    assert_eq!(app.ok("events.get_task_log", json!({"task": t})).await["total"], 2);
    // A single value reported after iterations: in the summary, and the
    // newest report is the last value, as on ClearML's server.
    let single = format!("{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": -2147483648, \"metric\": \"s\", \"variant\": \"v\", \"value\": 1000}}");
    app.call_raw("events.add_batch", single, "application/json-lines").await;
    let sv = app.ok("events.get_task_single_value_metrics", json!({"tasks": [t]})).await;
    assert_eq!(sv["tasks"][0]["values"][0]["value"], 1000.0);
    let none =
        app.ok("events.get_task_single_value_metrics", json!({"tasks": [t], "metrics": [{"metric": "other"}]})).await;
    assert_eq!(none["tasks"], json!([]));
    let task = app.ok("tasks.get_by_id", json!({"task": t})).await;
    let lm = task["task"]["last_metrics"].as_object().and_then(|m| m.values().next()).cloned().unwrap_or_default();
    assert_eq!(lm.as_object().and_then(|v| v.values().next()).map(|s| s["value"].clone()), Some(json!(1000.0)));
    // Multi-task histograms answer under `metrics`, narrowed by the filter.
    let h = app
        .ok("events.multi_task_scalar_metrics_iter_histogram", json!({"tasks": [t], "metrics": [{"metric": "s"}]}))
        .await;
    assert_eq!(h["metrics"]["s"]["v"][t.as_str()]["x"], json!([5]));
}
on_both!(logs_metrics_and_single_values);

async fn old_clients_and_escaped_paths(app: &TestApp) {
    // Before 2.3, system tags travel in `tags`.
    let t = id(&app
        .call_at("2.2", "tasks.create", json!({"name": "sem old", "type": "testing", "tags": ["development", "x"]}))
        .await
        .data);
    let now = app.ok("tasks.get_by_id", json!({"task": t})).await;
    assert_eq!(
        (now["task"]["tags"].clone(), now["task"]["system_tags"].clone()),
        (json!(["x"]), json!(["development"]))
    );
    let old = app.call_at("2.2", "tasks.get_by_id", json!({"task": t})).await;
    assert_eq!(old.data["task"]["tags"], json!(["x", "development"]));
    // Before 2.9, legacy parameters are answered the old way.
    app.ok("tasks.edit", json!({"task": t, "execution": {"parameters": {"lr": "0.1", "TF_DEFINE/d": "2"}}})).await;
    let old = app.call_at("2.8", "tasks.get_all_ex", json!({"id": [t]})).await;
    assert_eq!(old.data["tasks"][0]["execution"]["parameters"], json!({"lr": "0.1", "TF_DEFINE/d": "2"}));
    // Escaped names (`%2E` is a dot) in projections.
    app.ok(
        "tasks.edit",
        json!({"task": t, "hyperparams": {"a.b": {"c": {"section": "a.b", "name": "c", "value": "1"}}}}),
    )
    .await;
    let got = app.ok("tasks.get_all_ex", json!({"id": [t], "only_fields": ["hyperparams.a%2Eb"]})).await;
    assert_eq!(got["tasks"][0]["hyperparams"]["a.b"]["c"]["value"], "1");
}
on_both!(old_clients_and_escaped_paths);

async fn pipelines_projects_and_counts(app: &TestApp) {
    let p = id(&app.ok("projects.create", json!({"name": "sem pipes"})).await);
    let controller = id(&app
        .ok("tasks.create", json!({"name": "ctl", "type": "controller", "project": p, "system_tags": ["pipeline"]}))
        .await);
    let queue = id(&app.ok("queues.create", json!({"name": "sem pipes q"})).await);
    let start =
        json!({"task": controller, "queue": queue, "args": [{"name": "n", "value": 3}], "verify_watched_queue": true});
    let first = app.ok("pipelines.start_pipeline", start.clone()).await;
    assert_eq!((first["enqueued"].clone(), first["queue_watched"].clone()), (json!(true), json!(false)));
    let second = app.ok("pipelines.start_pipeline", start).await;
    let run = app.ok("tasks.get_by_id", json!({"task": second["pipeline"]})).await["task"].clone();
    assert_eq!((run["name"].as_str(), run["status"].as_str()), (Some("sem pipes #1"), Some("queued")));
    assert_eq!(run["hyperparams"]["Args"]["n"]["value"], "3");
    let runs = vec![controller.clone(), id(&json!({"id": first["pipeline"]})), id(&json!({"id": second["pipeline"]}))];
    assert_eq!(app.call("pipelines.delete_runs", json!({"project": p, "ids": runs})).await.codes(), (400, 160));
    let r = app.ok("pipelines.delete_runs", json!({"project": p, "ids": runs[1..]})).await;
    assert_eq!(r["succeeded"].as_array().map(Vec::len), Some(2));
    // A controller's steps are archived with it when asked.
    let step = id(&app
        .ok("tasks.create", json!({"name": "step", "type": "training", "project": p, "parent": controller}))
        .await);
    app.ok("tasks.archive", json!({"tasks": [controller], "include_pipeline_steps": true})).await;
    let s = app.ok("tasks.get_by_id", json!({"task": step})).await;
    assert!(s["task"]["system_tags"].as_array().is_some_and(|t| t.contains(&json!("archived"))));
    // Counts in get_all's language; merging moves the sub-projects.
    let c =
        app.ok("organization.get_entities_count", json!({"projects": {"id": [p]}, "tasks": {"project": [p]}})).await;
    assert_eq!((c["projects"].as_i64(), c["tasks"].as_i64()), (Some(1), Some(2)));
    let src = id(&app.ok("projects.create", json!({"name": "sem merge/src"})).await);
    app.ok("projects.create", json!({"name": "sem merge/src/sub"})).await;
    assert_eq!(
        app.call("projects.merge", json!({"project": src, "destination_project": src})).await.codes(),
        (400, 410)
    );
    let r = app.ok("projects.merge", json!({"project": src, "destination_project": p})).await;
    assert_eq!(r["moved_projects"], 1);
    let got = app.ok("projects.get_all", json!({"name": "^sem pipes/sub$"})).await;
    assert_eq!(got["projects"].as_array().map(Vec::len), Some(1));
}
on_both!(pipelines_projects_and_counts);

async fn queues_list_the_workers_that_serve_them(app: &TestApp) {
    let q = id(&app.ok("queues.create", json!({"name": "sem served", "display_name": "Served"})).await);
    app.ok("workers.register", json!({"worker": "sem-host:0", "queues": [q]})).await;
    let t = app.task("sem served task").await;
    app.ok("tasks.enqueue", json!({"task": t, "queue": q})).await;
    let got = app.ok("queues.get_all_ex", json!({"id": [q]})).await;
    let w = &got["queues"][0]["workers"][0];
    assert_eq!(w["name"], "sem-host:0");
    assert!(w["key"].as_str().is_some_and(|k| k.starts_with("worker_") && k.ends_with("_sem-host:0")), "{w}");
    assert!(w["ip"].is_string(), "the address it registered from: {w}");
    let all = app.ok("workers.get_all", json!({})).await;
    let me =
        all["workers"].as_array().into_iter().flatten().find(|x| x["id"] == "sem-host:0").cloned().unwrap_or_default();
    assert_eq!((me["key"].clone(), me["queues"][0]["display_name"].clone()), (w["key"].clone(), json!("Served")));
    let ex = app
        .ok(
            "tasks.get_by_id_ex",
            json!({"id": [t], "only_fields": ["execution.queue.name", "execution.queue.display_name"]}),
        )
        .await;
    assert_eq!(ex["tasks"][0]["execution"]["queue"], json!({"id": q, "name": "sem served", "display_name": "Served"}));
}
on_both!(queues_list_the_workers_that_serve_them);

async fn public_objects_are_read_only(app: &TestApp) {
    let t = app.task("sem public task").await;
    let m = id(&app.ok("models.create", json!({"name": "sem public model"})).await);
    let p = id(&app.ok("projects.create", json!({"name": "sem public project"})).await);
    // Only a private object becomes public, only a public one private.
    assert_eq!(app.call("tasks.make_private", json!({"ids": [t]})).await.codes(), (400, 101));
    assert_eq!(app.ok("tasks.make_public", json!({"ids": [t]})).await["updated"], 1);
    assert_eq!(app.ok("models.make_public", json!({"ids": [m]})).await["updated"], 1);
    assert_eq!(app.ok("projects.make_public", json!({"ids": [p]})).await["updated"], 1);
    assert_eq!(app.call("projects.make_public", json!({"ids": [p]})).await.codes(), (400, 401));
    // Read as ever, changed by nobody (403/21; a model is not found, 400/201).
    assert_eq!(app.ok("tasks.get_by_id", json!({"task": t})).await["task"]["company"], "");
    assert_eq!(app.call("tasks.started", json!({"task": t})).await.codes(), (403, 21));
    assert_eq!(app.call("tasks.delete", json!({"task": t})).await.codes(), (403, 21));
    assert_eq!(app.call("models.update", json!({"model": m, "name": "renamed"})).await.codes(), (400, 201));
    assert_eq!(
        app.call("projects.update", json!({"project": p, "name": "sem public renamed"})).await.codes(),
        (403, 21)
    );
    app.ok("tasks.make_private", json!({"ids": [t]})).await;
    app.ok("models.make_private", json!({"ids": [m]})).await;
    app.ok("projects.make_private", json!({"ids": [p]})).await;
    app.ok("tasks.started", json!({"task": t})).await;
    app.ok("models.update", json!({"model": m, "name": "renamed"})).await;
    app.ok("projects.update", json!({"project": p, "name": "sem public renamed"})).await;
}
on_both!(public_objects_are_read_only);

async fn workers_keep_a_history_of_their_machines(app: &TestApp) {
    let t = app.task("sem stats task").await;
    app.ok("tasks.started", json!({"task": t})).await;
    // An interval boundary (40 s) an hour ago, in seconds: well inside the
    // 30 days statistics are kept.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let start = (now - 3600) / 40 * 40;
    for (i, cpu) in [[10.0, 20.0], [30.0, 40.0]].iter().enumerate() {
        let at = (start + 60 * i as i64) * 1000;
        let stats = json!({"cpu_usage": cpu, "memory_used": 50, "gpu_usage": [60, 0]});
        app.ok(
            "workers.status_report",
            json!({"worker": "sem-stats:0", "timestamp": at, "machine_stats": stats, "task": t}),
        )
        .await;
    }
    app.ok(
        "workers.status_report",
        json!({"worker": "sem-stats:1", "timestamp": start * 1000, "machine_stats": {"cpu_usage": [5]}}),
    )
    .await;
    let keys = app.ok("workers.get_metric_keys", json!({"worker_ids": ["sem-stats:0"]})).await;
    let cats: Vec<(String, Value)> = keys["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["name"].as_str().unwrap_or_default().to_string(), c["metric_keys"].clone()))
        .collect();
    assert_eq!(
        cats,
        [
            ("cpu".into(), json!(["cpu_usage"])),
            ("gpu".into(), json!(["gpu_usage"])),
            ("memory".into(), json!(["memory_used"]))
        ]
    );
    assert_eq!(app.call("workers.get_metric_keys", json!({"worker_ids": ["nobody"]})).await.codes(), (400, 1005));
    let items = json!([{"key": "cpu_usage", "aggregation": "avg"}, {"key": "cpu_usage", "aggregation": "max"}]);
    let body = json!({"items": items, "from_date": start, "to_date": start + 400, "interval": 1, "worker_ids": ["sem-stats:0"]});
    let got = app.ok("workers.get_stats", body).await;
    let w = &got["workers"][0];
    assert_eq!((w["worker"].as_str(), got["workers"].as_array().map(Vec::len)), (Some("sem-stats:0"), Some(1)));
    let stats = &w["metrics"][0]["stats"];
    assert_eq!(stats[0]["aggregation"], "avg");
    // 40 s intervals (the narrowest); reports at 0 s and 60 s, none after.
    assert_eq!(stats[0]["dates"][0], start * 1000);
    assert_eq!(
        stats[0]["values"].as_array().map(|v| v[..3].to_vec()),
        Some(vec![json!(15.0), json!(35.0), json!(0.0)])
    );
    assert_eq!(stats[1]["values"][1], 40.0);
    let bad = json!({"items": items, "from_date": start, "to_date": start, "interval": 1});
    assert_eq!(app.call("workers.get_stats", bad).await.codes(), (400, 16));
    let act = app
        .ok("workers.get_activity_report", json!({"from_date": start, "to_date": start + 400, "interval": 40}))
        .await;
    assert_eq!(act["total"]["counts"][0], 2);
    assert_eq!(act["active"]["counts"][0], 1, "only one ran a task");
    assert_eq!(act["total"]["dates"].as_array().map(Vec::len), Some(10), "the incomplete last interval is left out");
}
on_both!(workers_keep_a_history_of_their_machines);

async fn reports_read_their_tasks_data_in_one_call(app: &TestApp) {
    let t = app.task("sem embedded").await;
    let mut lines = Vec::new();
    for (m, v) in [("A", "x"), ("B", "y")] {
        lines.push(format!("{{\"type\": \"plot\", \"task\": \"{t}\", \"iter\": 1, \"metric\": \"{m}\", \"variant\": \"{v}\", \"plot_str\": \"{{}}\"}}"));
        lines.push(format!("{{\"type\": \"training_debug_image\", \"task\": \"{t}\", \"iter\": 1, \"metric\": \"{m}\", \"variant\": \"{v}\", \"url\": \"{m}{v}\"}}"));
        lines.push(format!("{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": 1, \"metric\": \"{m}\", \"variant\": \"{v}\", \"value\": 1}}"));
        lines.push(format!("{{\"type\": \"training_stats_scalar\", \"task\": \"{t}\", \"iter\": -2147483648, \"metric\": \"{m}\", \"variant\": \"{v}\", \"value\": 2}}"));
    }
    app.call_raw("events.add_batch", lines.join("\n"), "application/json-lines").await;
    let bare = app.ok("reports.get_task_data", json!({"id": [t], "only_fields": ["name"]})).await;
    assert_eq!(ids(&bare, "tasks"), vec![t.clone()]);
    assert!(bare.get("plots").is_none(), "sections only when asked for");
    let full = app
        .ok(
            "reports.get_task_data",
            json!({"id": [t], "only_fields": ["name"], "debug_images": {"metrics": []}, "plots": {"metrics": [{"metric": "B"}]},
                   "scalar_metrics_iter_histogram": {}, "single_value_metrics": {}}),
        )
        .await;
    assert_eq!(full["debug_images"][0]["iterations"][0]["events"].as_array().map(Vec::len), Some(2));
    assert_eq!(full["plots"]["B"]["y"][t.as_str()]["1"]["name"], "sem embedded");
    assert!(full["plots"].get("A").is_none(), "plots narrowed to B");
    assert_eq!(full["scalar_metrics_iter_histogram"]["A"]["x"][t.as_str()]["x"], json!([1]));
    assert_eq!(full["single_value_metrics"][0]["values"].as_array().map(Vec::len), Some(2));
}
on_both!(reports_read_their_tasks_data_in_one_call);
