//! `events.add_batch`: good events are kept, a batch with none is 400/131.

use crate::app::{on_both, TestApp};
use serde_json::json;

async fn a_batch_without_usable_events_is_131(app: &TestApp) {
    let id = app.task("events").await;
    let lines = [
        json!({"type": "log", "task": id, "msg": "kept", "timestamp": 1}).to_string(),
        json!({"type": "log", "task": "no-such-task", "msg": "x"}).to_string(),
    ]
    .join("\n");
    let r = app.call_raw("events.add_batch", lines, "application/json-lines").await;
    assert_eq!(r.code, 200, "{}", r.msg);
    assert_eq!((r.data["added"].as_u64(), r.data["errors"].as_u64()), (Some(1), Some(1)), "{}", r.data);
    let bad = json!({"type": "log", "task": "no-such-task", "msg": "x"}).to_string();
    let r = app.call_raw("events.add_batch", bad, "application/json-lines").await;
    assert_eq!(r.codes(), (400, 131), "{}", r.msg);
    assert!(r.msg.contains("no usable event"), "{}", r.msg);
    let log = app.ok("events.get_task_log", json!({"task": id, "navigate_earlier": false, "order": "asc"})).await;
    let msgs: Vec<&str> = log["events"].as_array().expect("events").iter().filter_map(|e| e["msg"].as_str()).collect();
    assert_eq!(msgs, ["kept"]);
}
on_both!(a_batch_without_usable_events_is_131);

async fn stored_files_cannot_script_the_dashboard(app: &TestApp) {
    let token = app.login_admin().await;
    assert_eq!(app.with_token(&token).upload("samples/page.html", b"<script>alert(1)</script>").await, 200);
    let anonymous = app.page("/media/samples/page.html", None).await;
    assert_eq!(anonymous.status(), 401, "stored files need a session");
    let r = app.page("/media/samples/page.html", Some(&app.session)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let csp = r.headers()["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("sandbox") && !csp.contains("allow-same-origin"), "{csp}");
}
on_both!(stored_files_cannot_script_the_dashboard);
