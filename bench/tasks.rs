//! Task benchmark: `tasks.create` + `tasks.started` + `tasks.completed`
//! round trips per second, then `tasks.get_all` (first page of 50, with a
//! tag filter and a name regex) among `--tasks` tasks.
//!
//! cargo bench --features ssr --bench tasks -- [--db postgres://…] [--tasks 100000] [--lifecycles 2000]
//!
//! The server binary is `$LABBOOK_BIN` (default target/release/labbook).

#[path = "common.rs"]
mod common;

use common::{arg, percentile, r2, server_bin, Conn, Server};
use serde_json::json;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let db = arg("--db");
    let total: usize = arg("--tasks").map_or(100_000, |v| v.parse().expect("--tasks N"));
    let lifecycles: usize = arg("--lifecycles").map_or(2_000, |v| v.parse().expect("--lifecycles N"));
    let bin = server_bin();
    let server = Server::start(&bin, db.as_deref()).await;
    let token = server.token.clone();
    let mut c = server.conn().await;

    // Round trips of a whole (short) task life, one client.
    let project = c.call("projects.create", &token, json!({"name": "bench/lifecycle"})).await["id"].clone();
    let t0 = Instant::now();
    for i in 0..lifecycles {
        let id = c.call("tasks.create", &token, json!({"name": format!("life {i}"), "project": project})).await["id"]
            .as_str()
            .expect("id")
            .to_string();
        c.call("tasks.started", &token, json!({"task": id})).await;
        c.call("tasks.completed", &token, json!({"task": id})).await;
    }
    let lifecycle_per_s = lifecycles as f64 / t0.elapsed().as_secs_f64();

    // Fill up to `total` tasks in 50 projects, with two clients; every 10th is tagged.
    let mut projects = Vec::new();
    for p in 0..50 {
        projects.push(c.call("projects.create", &token, json!({"name": format!("bench/p{p:02}")})).await["id"].clone());
    }
    let fill = total.saturating_sub(lifecycles);
    let t1 = Instant::now();
    let mut handles = Vec::new();
    for client in 0..2 {
        let (token, projects, api) = (token.clone(), projects.clone(), server.api);
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(api).await.expect("connect");
            for i in (client..fill).step_by(2) {
                let tags = if i % 10 == 0 { json!(["gold"]) } else { json!(["plain"]) };
                conn.call(
                    "tasks.create",
                    &token,
                    json!({"name": format!("run {i:06} resnet"), "project": projects[i % 50], "tags": tags}),
                )
                .await;
            }
        }));
    }
    for h in handles {
        h.await.expect("client");
    }
    let create_per_s = fill as f64 / t1.elapsed().as_secs_f64();

    // The query: first page of 50, tag filter and name regex, newest first.
    let q = json!({"tags": ["gold"], "name": "run 0\\d+0 res", "page": 0, "page_size": 50,
                   "order_by": ["-last_update"], "system_tags": ["-archived"],
                   "only_fields": ["id", "name", "status", "last_update"]});
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..20 {
        let t = Instant::now();
        n = c.call("tasks.get_all", &token, q.clone()).await["tasks"].as_array().map_or(0, Vec::len);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{}",
        json!({
            "backend": if db.is_some() { "postgres" } else { "sqlite" },
            "tasks": total,
            "create_started_completed_per_s": r2(lifecycle_per_s),
            "tasks_create_per_s_2_clients": r2(create_per_s),
            "get_all_page_rows": n,
            "get_all_tag_and_regex_p50_ms": r2(percentile(&times, 0.5)),
            "get_all_tag_and_regex_p99_ms": r2(percentile(&times, 0.99)),
        })
    );
}
