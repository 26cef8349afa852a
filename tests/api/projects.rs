//! Project names: empty segments are 407, a taken name is 801 however it
//! is reached (create, rename, move).

use crate::app::{on_both, TestApp};
use serde_json::json;

async fn project_names_are_checked_like_clearml(app: &TestApp) {
    for bad in ["/", "a//b", "team/ /x"] {
        let r = app.call("projects.create", json!({"name": bad})).await;
        assert_eq!(r.codes(), (400, 407), "{bad:?}: {}", r.msg);
    }
    let r = app.call("projects.create", json!({"name": "team/ab"})).await;
    assert_eq!(r.codes(), (400, 12), "the last segment needs 3 characters: {}", r.msg);
    let team = app.ok("projects.create", json!({"name": "team"})).await;
    assert!(team["id"].is_string());
    app.ok("projects.create", json!({"name": "team/alpha"})).await;
    let r = app.call("projects.create", json!({"name": "team/alpha"})).await;
    assert_eq!(r.codes(), (400, 801), "{}", r.msg);
}
on_both!(project_names_are_checked_like_clearml);

async fn a_taken_name_is_801_on_rename_and_move(app: &TestApp) {
    app.ok("projects.create", json!({"name": "team/alpha"})).await;
    let beta = app.ok("projects.create", json!({"name": "team/beta"})).await;
    let r = app.call("projects.update", json!({"project": beta["id"], "name": "team/alpha"})).await;
    assert_eq!(r.codes(), (400, 801), "rename onto a taken name: {}", r.msg);
    let other = app.ok("projects.create", json!({"name": "other/alpha"})).await;
    let r = app.call("projects.move", json!({"project": other["id"], "new_location": "team"})).await;
    assert_eq!(r.codes(), (400, 801), "move onto a taken name: {}", r.msg);
    let r = app.call("projects.move", json!({"project": other["id"], "new_location": "a//b"})).await;
    assert_eq!(r.codes(), (400, 407), "move under an empty segment: {}", r.msg);
    // Nothing moved.
    let p = app.ok("projects.get_by_id", json!({"project": other["id"]})).await;
    assert_eq!(p["project"]["name"], "other/alpha");
    let r = app.call("projects.get_by_id", json!({"project": "no-such-project"})).await;
    assert_eq!(r.codes(), (400, 401), "{}", r.msg);
}
on_both!(a_taken_name_is_801_on_rename_and_move);
