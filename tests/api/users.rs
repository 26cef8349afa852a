//! Accounts on the API: who is asking, what a viewer may do, and tokens
//! that stop working when their key or user does.

use crate::app::{on_both, TestApp};
use base64::Engine;
use labbook::model::{Actor, Role};
use labbook::server::auth::{Auth, MAX_TOKEN_SECS};
use labbook::server::ops::users::{self, NewUser, UserChange};
use serde_json::{json, Value};

/// The claims of a token (the SDK reads them the same way, unverified).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Makes a user with a key pair; answers its id and a token.
async fn user_with_key(app: &TestApp, login: &str, role: Role) -> (String, String, String) {
    let new = NewUser { login: login.into(), display_name: format!("{login} person"), role, password: None };
    let (user, _) = users::create(&app.state, &Actor::server(), &new).await.expect("create user");
    let key = format!("KEY{}", login.to_ascii_uppercase());
    let secret = format!("secret-of-{login}-that-is-long");
    Auth::put_key_pair(app.state.store.as_ref(), &key, &secret, &user.id, false).await.expect("key pair");
    let token = app.login(&key, &secret, "").await.expect("login");
    (user.id, key, token)
}

async fn the_caller_is_a_real_user(app: &TestApp) {
    let me = app.ok("users.get_current_user", json!({})).await;
    assert_eq!(me["user"]["name"], "Administrator");
    assert_eq!(me["user"]["role"], "admin");
    let id = me["user"]["id"].as_str().expect("id").to_string();
    let t = app.task("owned").await;
    let task = app.ok("tasks.get_by_id", json!({"task": t})).await;
    assert_eq!(task["task"]["user"], json!(id), "a task records who made it");
    let all = app.ok("users.get_all", json!({})).await;
    assert_eq!(all["users"].as_array().map(Vec::len), Some(1));
    let r = app.call("users.get_by_id", json!({"user": "nobody"})).await;
    assert_eq!(r.codes(), (400, 301), "{}", r.msg);
}
on_both!(the_caller_is_a_real_user);

async fn a_viewer_reads_but_changes_nothing(app: &TestApp) {
    let t = app.task("seen by a viewer").await;
    let (_, _, token) = user_with_key(app, "vera", Role::Viewer).await;
    let viewer = app.with_token(&token);
    let me = viewer.call("users.get_current_user", json!({})).await;
    assert_eq!(me.data["user"]["role"], "guest", "ClearML's name for a read-only user");
    assert_eq!(viewer.call("tasks.get_all", json!({})).await.code, 200);
    for (endpoint, body) in [
        ("tasks.create", json!({"name": "not allowed", "type": "training"})),
        ("tasks.enqueue", json!({"task": t})),
        ("tasks.delete", json!({"task": t})),
        ("projects.create", json!({"name": "viewer project"})),
        ("queues.get_next_task", json!({"queue": "x"})),
    ] {
        let r = viewer.call(endpoint, body).await;
        assert_eq!(r.codes(), (403, 21), "{endpoint}: {}", r.msg);
    }
    assert_eq!(viewer.upload("viewer/x.txt", b"no").await, 403, "nor can a viewer upload");
    assert_eq!(app.status(&t).await, "created");
    let (_, _, member_token) = user_with_key(app, "mike", Role::Member).await;
    let member = app.with_token(&member_token);
    assert_eq!(member.call("tasks.create", json!({"name": "a member's", "type": "training"})).await.code, 200);
}
on_both!(a_viewer_reads_but_changes_nothing);

async fn revoked_keys_and_disabled_users_stop_at_once(app: &TestApp) {
    let (id, key, token) = user_with_key(app, "dora", Role::Member).await;
    let dora = app.with_token(&token);
    assert_eq!(dora.call("tasks.get_all", json!({})).await.code, 200);
    users::update(&app.state, &Actor::server(), &id, &UserChange { disabled: Some(true), ..Default::default() })
        .await
        .expect("disable");
    let r = dora.call("tasks.get_all", json!({})).await;
    assert_eq!(r.codes(), (401, 31), "{}", r.msg);
    let r = app.login(&key, "secret-of-dora-that-is-long", "").await.expect_err("disabled");
    assert_eq!(r.codes(), (401, 22), "the same answer as a wrong secret: {}", r.msg);
    let r = app.login(&key, "wrong-secret-value", "").await.expect_err("wrong secret");
    assert_eq!(
        (r.codes(), r.msg.as_str()),
        ((401, 22), "Unauthorized (invalid credentials: unknown access key or wrong secret key)")
    );
    let r = app.login("NOSUCHKEY", "wrong-secret-value", "").await.expect_err("unknown key");
    assert_eq!(
        (r.codes(), r.msg.as_str()),
        ((401, 22), "Unauthorized (invalid credentials: unknown access key or wrong secret key)"),
        "unknown keys look like wrong secrets"
    );

    let (_, key, token) = user_with_key(app, "rita", Role::Member).await;
    users::revoke_key(&app.state, &Actor::server(), &key).await.expect("revoke");
    let r = app.with_token(&token).call("tasks.get_all", json!({})).await;
    assert_eq!(r.codes(), (401, 31), "a revoked key's tokens stop working: {}", r.msg);
}
on_both!(revoked_keys_and_disabled_users_stop_at_once);

async fn token_lifetimes_are_bounded(app: &TestApp) {
    let (_, key, _) = user_with_key(app, "tim", Role::Member).await;
    let secret = "secret-of-tim-that-is-long";
    let now = labbook::server::clock::now_ms() / 1000;
    let long = app.login(&key, secret, "?expiration_sec=100000000000").await.expect("login");
    let exp = claims(&long)["exp"].as_i64().expect("exp");
    assert!(exp <= now + MAX_TOKEN_SECS + 5, "expiration_sec is capped: {exp} vs {now}");
    let short = app.login(&key, secret, "?expiration_sec=120").await.expect("login");
    let short_exp = claims(&short)["exp"].as_i64().expect("exp");
    // Renewing with the short token cannot outlive it.
    let r = reqwest::Client::new()
        .get(format!("{}/api/auth.login?expiration_sec=2592000", app.base))
        .bearer_auth(&short)
        .send()
        .await
        .expect("renew");
    let body: Value = r.json().await.expect("reply");
    let renewed = body["data"]["token"].as_str().expect("a token");
    assert!(claims(renewed)["exp"].as_i64().expect("exp") <= short_exp, "a renewal ends no later");
}
on_both!(token_lifetimes_are_bounded);

async fn guessing_a_secret_is_throttled(app: &TestApp) {
    let (_, key, _) = user_with_key(app, "gus", Role::Member).await;
    for i in 0..labbook::server::throttle::MAX_FAILURES {
        let r = app.login(&key, &format!("guess-number-{i}"), "").await.expect_err("a wrong secret");
        assert_eq!(r.codes(), (401, 22));
    }
    let r = app.login(&key, "secret-of-gus-that-is-long", "").await.expect_err("locked");
    assert_eq!(r.code, 429, "even the right secret waits out the window: {}", r.msg);
    assert!(r.msg.contains("try again"), "{}", r.msg);
    let (_, other, _) = user_with_key(app, "olga", Role::Member).await;
    assert!(app.login(&other, "secret-of-olga-that-is-long", "").await.is_ok(), "other keys are not locked");
}
on_both!(guessing_a_secret_is_throttled);
