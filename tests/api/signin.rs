//! The web port asks who is there: every route the server mounts refuses a
//! stranger, a cross-site POST and a viewer's change; sign-in, sign-out,
//! expiry and throttling; API keys made in Settings, revoked at once on
//! every server process.

use crate::app::{on_both, TestApp, ADMIN_PASSWORD};
use labbook::model::Role;
use labbook::server::ops::users::{self, NewUser};
use serde_json::{json, Value};

/// Makes a user with `role` and answers their session.
async fn person(app: &TestApp, login: &str, role: Role) -> String {
    let admin = labbook::model::Actor::server();
    let new = NewUser {
        login: login.into(),
        display_name: format!("{login} display"),
        role,
        password: Some(format!("{login}-password")),
    };
    users::create(&app.state, &admin, &new).await.expect("user");
    app.sign_in(login, &format!("{login}-password")).await.expect("signs in")
}

/// Every path the web router mounts, read from the router itself (its
/// `Debug` output lists the matcher's paths), so a route added later is
/// checked without anyone listing it here.
fn mounted_paths(app: &TestApp) -> Vec<String> {
    let routers = labbook::server::build_app(&app.state);
    let dump = format!("{:?}", routers.web);
    let mut paths: Vec<String> =
        dump.split('"').filter(|s| s.starts_with('/') && !s.contains(' ')).map(str::to_string).collect();
    paths.sort();
    paths.dedup();
    paths
}

/// A concrete URL for a route pattern (`{id}` → `x`, `{*rest}` → `x/y`).
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with("{*") {
                "x/y".to_string()
            } else if seg.starts_with('{') || seg.starts_with(':') {
                "x".to_string()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_route_refuses_strangers_cross_site_posts_and_viewers(app: &TestApp) {
    let paths = mounted_paths(app);
    assert!(paths.len() > 40, "the router's paths are readable: {paths:?}");
    for must in ["/rpc/run_action", "/media/{*path}", "/export/tasks.csv", "/tasks/{id}", "/login", "/api/{*path}"] {
        assert!(paths.iter().any(|p| p == must), "{must} is among {paths:?}");
    }
    let viewer = person(app, "vera", Role::Viewer).await;
    let http = app.http();
    for pattern in &paths {
        let url = format!("{}{}", app.base, concrete(pattern));
        let open = pattern == "/login" || pattern == "/logout";
        let own_auth = pattern.starts_with("/api") || pattern.starts_with("/files");
        // A stranger: redirected to sign in (pages) or 401, never served.
        let r = http.get(&url).send().await.expect("GET");
        let s = r.status().as_u16();
        if pattern == "/login" {
            assert_eq!(s, 200, "{pattern}");
        } else if pattern == "/files/" || pattern == "/files" {
            assert_eq!(s, 200, "the fileserver's health check stays open");
        } else if !open {
            let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert!(
                s == 401 || (s == 303 && location.starts_with("/login")) || (own_auth && (s == 404 || s == 405)),
                "anonymous GET {pattern}: {s} {location}"
            );
        }
        let r = http.post(&url).header("Content-Type", "application/json").body("{}").send().await.expect("POST");
        let s = r.status().as_u16();
        if !open {
            assert!(s == 401 || s == 403 || (own_auth && (s == 404 || s == 405)), "anonymous POST {pattern}: {s}");
        }
        // A signed-in admin's cookie, sent by another site's page.
        let r = http
            .post(&url)
            .header("Cookie", format!("labbook_session={}", app.session))
            .header("Origin", "http://evil.example")
            .header("Content-Type", "text/plain")
            .body("{}")
            .send()
            .await
            .expect("cross-site POST");
        let s = r.status().as_u16();
        assert!(s == 403 || (own_auth && (s == 401 || s == 404 || s == 405)), "cross-site POST {pattern}: {s}");
        // A viewer changes nothing through a server function.
        if let Some(name) = pattern.strip_prefix("/rpc/") {
            let r = http
                .post(&url)
                .header("Cookie", format!("labbook_session={viewer}"))
                .header("Origin", app.origin())
                .header("Content-Type", "application/json")
                .body("{}")
                .send()
                .await
                .expect("viewer POST");
            let s = r.status().as_u16();
            use labbook::server::web_auth::{OWN_ACCOUNT_RPCS, READ_RPCS};
            if READ_RPCS.contains(&name) || OWN_ACCOUNT_RPCS.contains(&name) {
                assert_ne!(s, 403, "a viewer reads, and manages their own account: {name}");
            } else {
                assert_eq!(s, 403, "a viewer may not call {name}: {}", r.text().await.unwrap_or_default());
            }
        }
    }
    // A foreign Host (DNS rebinding) is refused before anything else.
    let r = http
        .get(format!("{}/tasks", app.base))
        .header("Host", "rebind.evil.example")
        .header("Cookie", format!("labbook_session={}", app.session))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 421);
    // A form POST without Origin or Sec-Fetch-Site is refused too.
    let r = http
        .post(format!("{}/rpc/create_project", app.base))
        .header("Cookie", format!("labbook_session={}", app.session))
        .form(&[("name", "sneaky")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 403);
    let r = http
        .post(format!("{}/rpc/create_project", app.base))
        .header("Cookie", format!("labbook_session={}", app.session))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("name", "allowed")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap_or_default());
}
on_both!(every_route_refuses_strangers_cross_site_posts_and_viewers);

async fn sign_in_sign_out_expiry_and_throttling(app: &TestApp) {
    // One message for an unknown user and a wrong password.
    let (s1, page1) = app.sign_in("nobody", "whatever-password").await.expect_err("unknown");
    let (s2, page2) = app.sign_in("admin", "wrong-password").await.expect_err("wrong");
    assert_eq!((s1, s2), (401, 401));
    assert!(page1.contains("unknown user or wrong password") && page2.contains("unknown user or wrong password"));
    // A page without a session goes to the sign-in page, and back after it.
    let r = app.page("/queues?x=1", None).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/queues%3Fx%3D1");
    let r = app.page("/queues", Some(&app.session)).await;
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("page");
    assert!(html.contains("data-role=\"admin\"") && html.contains("Administrator"), "the page knows who is signed in");
    // The cookie is HttpOnly and SameSite=Lax.
    let r = app
        .http()
        .post(format!("{}/login", app.base))
        .header("Origin", app.origin())
        .form(&[("login", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    let cookie = r.headers()["set-cookie"].to_str().expect("cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    let second = cookie.trim_start_matches("labbook_session=").split(';').next().expect("token").to_string();
    // Signing out ends this session only.
    let r = app
        .http()
        .post(format!("{}/logout", app.base))
        .header("Origin", app.origin())
        .header("Cookie", format!("labbook_session={second}"))
        .send()
        .await
        .expect("sign out");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.page("/queues", Some(&second)).await.status().as_u16(), 303, "ended");
    assert_eq!(app.page("/queues", Some(&app.session)).await.status().as_u16(), 200, "the other goes on");
    // "Sign out everywhere" ends every session of the user.
    let third = app.sign_in("admin", ADMIN_PASSWORD).await.expect("again");
    let r = app
        .http()
        .post(format!("{}/logout", app.base))
        .header("Origin", app.origin())
        .header("Cookie", format!("labbook_session={third}"))
        .form(&[("everywhere", "1")])
        .send()
        .await
        .expect("sign out everywhere");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.page("/queues", Some(&app.session)).await.status().as_u16(), 303, "every session ended");
    // An expired session is refused.
    let now = labbook::server::clock::now_ms();
    let admin = app.state.store.find_user("admin").await.expect("find").expect("admin").0;
    let stale = labbook::server::store::Session {
        token_hash: "0".repeat(64),
        user: admin.id.clone(),
        created: now - 10_000,
        expires: now - 1,
    };
    app.state.store.insert_session(&stale).await.expect("insert");
    assert!(app.state.store.session_user(&"0".repeat(64), now).await.expect("lookup").is_none());
    // A disabled user's sessions end at once.
    let session = person(app, "dora", Role::Member).await;
    assert_eq!(app.page("/tasks", Some(&session)).await.status().as_u16(), 200);
    let dora = app.state.store.find_user("dora").await.expect("find").expect("dora").0;
    let change = users::UserChange { disabled: Some(true), ..Default::default() };
    users::update(&app.state, &labbook::model::Actor::server(), &dora.id, &change).await.expect("disable");
    assert_eq!(app.page("/tasks", Some(&session)).await.status().as_u16(), 303);
    assert_eq!(app.sign_in("dora", "dora-password").await.map_err(|e| e.0), Err(401), "disabled: refused alike");
    // Ten failures lock the account, right password or not.
    for _ in 0..labbook::server::throttle::MAX_FAILURES {
        let _ = app.sign_in("admin", "wrong-password").await;
    }
    assert_eq!(app.sign_in("admin", ADMIN_PASSWORD).await.map_err(|e| e.0), Err(429));
}
on_both!(sign_in_sign_out_expiry_and_throttling);

async fn keys_made_in_settings_work_and_revoke_at_once(app: &TestApp) {
    let member = person(app, "mona", Role::Member).await;
    let (status, key) = app.rpc_as(&member, "create_key", json!({})).await;
    assert_eq!(status, 200, "{key}");
    let (access, secret) = (key["access_key"].as_str().expect("key"), key["secret_key"].as_str().expect("secret"));
    assert!(key["api_url"].as_str().is_some_and(|u| u.starts_with("http://")));
    let token = app.login(access, secret, "").await.expect("the new key logs in");
    let me = app.with_token(&token).call("users.get_current_user", json!({})).await;
    assert_eq!(me.data["user"]["name"], "mona display", "{:?}", me.data);
    // The task it makes is the person's, shown under their display name.
    let made = app.with_token(&token).call("tasks.create", json!({"name": "mona's run", "type": "training"})).await;
    assert_eq!(made.code, 200, "{}", made.msg);
    let query = labbook::model::table::TableQuery { search: "mona's".into(), ..Default::default() };
    let (status, table) = app.rpc("list_tasks", json!({ "query": query })).await;
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["rows"][0]["user_name"], "mona display", "{table}");
    // Who changed it is recorded: the admin enqueues it from the dashboard.
    let id = made.data["id"].as_str().expect("id").to_string();
    let (status, report) =
        app.rpc("run_action", json!({"action": "Enqueue", "target": {"Ids": [id]}, "argument": ""})).await;
    assert_eq!((status, report["applied"].as_u64()), (200, Some(1)), "{report}");
    let admin = app.state.store.find_user("admin").await.expect("find").expect("admin").0;
    let mona = app.state.store.find_user("mona").await.expect("find").expect("mona").0;
    let task = app.ok("tasks.get_by_id", json!({"task": id})).await;
    assert_eq!(task["task"]["user"], mona.id.as_str());
    assert_eq!(task["task"]["last_changed_by"], admin.id.as_str());
    // Listed with its last use; the secret is never listed.
    let (status, keys) = app.rpc_as(&member, "my_keys", json!({"everyone": false})).await;
    assert_eq!(status, 200, "{keys}");
    let listed: &Vec<Value> = keys.as_array().expect("keys");
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["last_used"].as_i64().is_some(), "{keys}");
    assert!(!keys.to_string().contains(secret));
    // Someone else's key cannot be revoked by a member.
    let (status, _) = app.rpc_as(&member, "my_keys", json!({"everyone": true})).await;
    assert_eq!(status, 403);
    // Revoked: its token stops at once.
    let (status, r) = app.rpc_as(&member, "revoke_key", json!({"access_key": access})).await;
    assert_eq!(status, 200, "{r}");
    let refused = app.with_token(&token).call("tasks.get_all", json!({})).await;
    assert_eq!(refused.codes(), (401, 31), "{}", refused.msg);
    assert!(app.login(access, secret, "").await.is_err());
}
on_both!(keys_made_in_settings_work_and_revoke_at_once);

/// Two server processes on one PostgreSQL database: a key revoked on one
/// stops working on the other at once (the other remembered it in good
/// standing a moment before).
#[tokio::test]
async fn revocation_reaches_a_second_process() {
    let Some(a) = TestApp::postgres().await else { return };
    let b = a.second_process().await;
    let member = person(&a, "otto", Role::Member).await;
    let (_, key) = a.rpc_as(&member, "create_key", json!({})).await;
    let (access, secret) = (key["access_key"].as_str().expect("key"), key["secret_key"].as_str().expect("secret"));
    let token = b.login(access, secret, "").await.expect("logs in on B");
    assert_eq!(b.with_token(&token).call("tasks.get_all", json!({})).await.code, 200, "B knows the key");
    let (status, _) = a.rpc_as(&member, "revoke_key", json!({"access_key": access})).await;
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    let mut refused = b.with_token(&token).call("tasks.get_all", json!({})).await;
    let mut accepted_after = 0;
    // NOTIFY travels through the database: allow it a few milliseconds.
    while refused.code == 200 && started.elapsed() < std::time::Duration::from_millis(200) {
        accepted_after += 1;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        refused = b.with_token(&token).call("tasks.get_all", json!({})).await;
    }
    eprintln!(
        "revocation reached the second process in {:?} ({accepted_after} calls accepted after it)",
        started.elapsed()
    );
    assert_eq!(refused.codes(), (401, 31), "B refuses the revoked key's token");
    // Both processes accept each other's tokens (one LABBOOK_TOKEN_SECRET).
    let admin_token = a.login_admin().await;
    assert_eq!(b.with_token(&admin_token).call("tasks.get_all", json!({})).await.code, 200);
    drop(b);
    a.finish().await;
}
