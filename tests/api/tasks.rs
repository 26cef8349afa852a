//! The task state machine and the edit rules, as the API enforces them.

use crate::app::{on_both, TestApp};
use serde_json::json;

async fn the_state_machine_refuses_what_clearml_refuses(app: &TestApp) {
    let id = app.task("state machine").await;
    assert_eq!(app.status(&id).await, "created");
    // A draft cannot be published or stopped.
    let r = app.call("tasks.publish", json!({"task": id})).await;
    assert_eq!(r.codes(), (400, 110), "{}", r.msg);
    let r = app.call("tasks.stopped", json!({"task": id})).await;
    assert_eq!(r.codes(), (400, 110), "{}", r.msg);
    assert_eq!(app.status(&id).await, "created", "a refused change changes nothing");
    // Draft → running → completed → published.
    app.ok("tasks.started", json!({"task": id})).await;
    assert_eq!(app.status(&id).await, "in_progress");
    app.ok("tasks.completed", json!({"task": id})).await;
    app.ok("tasks.publish", json!({"task": id})).await;
    assert_eq!(app.status(&id).await, "published");
    // A published task is final: no reset or restart without force.
    let r = app.call("tasks.reset", json!({"task": id})).await;
    assert_eq!(r.codes(), (400, 110), "{}", r.msg);
    let r = app.call("tasks.started", json!({"task": id})).await;
    assert_eq!(r.codes(), (400, 110), "{}", r.msg);
    assert_eq!(app.status(&id).await, "published");
}
on_both!(the_state_machine_refuses_what_clearml_refuses);

async fn only_drafts_are_edited_without_force(app: &TestApp) {
    let id = app.task("edit rules").await;
    app.ok("tasks.edit", json!({"task": id, "name": "renamed draft"})).await;
    app.ok("tasks.started", json!({"task": id})).await;
    let r = app.call("tasks.edit", json!({"task": id, "name": "while running"})).await;
    assert_eq!(r.codes(), (400, 110), "{}", r.msg);
    assert!(r.msg.contains("only draft"), "{}", r.msg);
    app.ok("tasks.edit", json!({"task": id, "name": "forced", "force": true})).await;
    let t = app.ok("tasks.get_by_id", json!({"task": id})).await;
    assert_eq!(t["task"]["name"], "forced");
    // Outputs may still change while it runs.
    app.ok(
        "tasks.add_or_update_artifacts",
        json!({"task": id, "artifacts": [{"key": "out", "type": "custom", "mode": "output", "uri": "http://x/y"}]}),
    )
    .await;
    app.ok("tasks.completed", json!({"task": id})).await;
    app.ok("tasks.publish", json!({"task": id})).await;
    let r = app
        .call(
            "tasks.add_or_update_artifacts",
            json!({"task": id, "artifacts": [{"key": "late", "type": "custom", "mode": "output"}]}),
        )
        .await;
    assert_eq!(r.codes(), (400, 110), "a published task is read-only: {}", r.msg);
}
on_both!(only_drafts_are_edited_without_force);

async fn enqueue_and_dequeue_return_a_draft_to_draft(app: &TestApp) {
    let id = app.task("queued one").await;
    let q = app.ok("tasks.enqueue", json!({"task": id})).await;
    assert!(q["queued"].as_u64() == Some(1) || q.get("queued").is_some(), "{q}");
    assert_eq!(app.status(&id).await, "queued");
    app.ok("tasks.dequeue", json!({"task": id})).await;
    assert_eq!(app.status(&id).await, "created");
}
on_both!(enqueue_and_dequeue_return_a_draft_to_draft);

async fn unknown_ids_and_bad_clones_are_precise(app: &TestApp) {
    let r = app.call("tasks.get_by_id", json!({"task": "no-such-task"})).await;
    assert_eq!(r.codes(), (400, 101), "{}", r.msg);
    let r = app.call("tasks.get_by_id", json!({})).await;
    assert_eq!(r.codes(), (400, 11), "a missing field: {}", r.msg);
    let id = app.task("clone source").await;
    let r = app.call("tasks.clone", json!({"task": id, "new_task_parent": "no-such-parent"})).await;
    assert_eq!(r.codes(), (400, 101), "the parent must exist: {}", r.msg);
    let r = app.call("tasks.clone", json!({"task": id, "new_task_name": "ab"})).await;
    assert_eq!(r.codes(), (400, 12), "{}", r.msg);
    assert!(r.msg.contains("at least 3 characters"), "{}", r.msg);
    let clone = app.ok("tasks.clone", json!({"task": id})).await;
    let c = app.ok("tasks.get_by_id", json!({"task": clone["id"]})).await;
    assert_eq!(c["task"]["name"], "Clone Of clone source");
    assert_eq!(c["task"]["parent"], json!(id));
    assert_eq!(c["task"]["status"], "created");
}
on_both!(unknown_ids_and_bad_clones_are_precise);
