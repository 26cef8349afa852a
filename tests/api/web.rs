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
