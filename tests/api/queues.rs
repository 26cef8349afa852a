//! Queue names and deletion.

use crate::app::{on_both, TestApp};
use serde_json::json;

async fn queue_rules_answer_clearml_subcodes(app: &TestApp) {
    let r = app.call("queues.create", json!({"name": "ab"})).await;
    assert_eq!(r.codes(), (400, 12), "{}", r.msg);
    let gpu = app.ok("queues.create", json!({"name": "gpu"})).await;
    let r = app.call("queues.create", json!({"name": "gpu"})).await;
    assert_eq!(r.codes(), (400, 801), "{}", r.msg);
    let id = app.task("waits in gpu").await;
    app.ok("tasks.enqueue", json!({"task": id, "queue": gpu["id"]})).await;
    let r = app.call("queues.delete", json!({"queue": gpu["id"]})).await;
    assert_eq!(r.codes(), (400, 702), "{}", r.msg);
    app.ok("queues.delete", json!({"queue": gpu["id"], "force": true})).await;
    assert_eq!(app.status(&id).await, "created", "a forced delete sends its tasks back to draft");
    let default = app.ok("queues.get_default", json!({})).await;
    let r = app.call("queues.delete", json!({"queue": default["id"]})).await;
    assert_eq!(r.code, 400, "the default queue stays: {}", r.msg);
}
on_both!(queue_rules_answer_clearml_subcodes);
