//! Dashboard benchmark: with `--tasks` tasks in 50 projects (each with
//! hyperparameters and last metrics) and one task holding a `--points`-point
//! scalar series, times
//! - the server-rendered first table page (GET `/projects/<id>`, `/tasks`),
//! - the table's server function (`/rpc/list_tasks`: filter, sort, page),
//! - the scalar chart data of the big series at chart resolution
//!   (`/rpc/task_scalars`, 1,000 min/max buckets) and a zoomed window.
//!
//! cargo bench --features ssr --bench dashboard -- [--db postgres://…] [--tasks 100000] [--points 1000000]
//!
//! The server binary is `$LABBOOK_BIN` (default target/release/labbook).

#[path = "common.rs"]
mod common;

use common::{arg, percentile, r2, server_bin, Conn, Server};
use serde_json::{json, Value};
use std::time::Instant;

/// p50 and p99 in ms of `$n` runs of an async block.
macro_rules! timed {
    ($n:expr, $body:expr) => {{
        let mut ms = Vec::with_capacity($n);
        for _ in 0..$n {
            let t = Instant::now();
            $body;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(|a: &f64, b: &f64| a.total_cmp(b));
        (r2(percentile(&ms, 0.5)), r2(percentile(&ms, 0.99)))
    }};
}

/// GETs a page and checks it rendered.
async fn get(conn: &mut Conn, path: &str) {
    let (code, body) = conn.request(path, "", "", b"").await.expect("GET");
    assert_eq!(code, 200, "{path}");
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("data-testid=\"task-row\""), "{path} was not rendered with its table rows");
}

/// Calls a server function; answers the size of its answer.
async fn post(conn: &mut Conn, path: &str, body: &Value) -> usize {
    let (code, out) = conn.send("POST", path, "", "application/json", body.to_string().as_bytes()).await.expect("POST");
    assert_eq!(code, 200, "{path}: {}", String::from_utf8_lossy(&out));
    out.len()
}

/// A table view as the page sends it to `list_tasks`.
fn view(project: Option<&str>, sort: &str, statuses: &[&str], search: &str, page: i64) -> Value {
    json!({"query": {
        "project": project, "sort": sort, "descending": true, "page": page,
        "statuses": statuses, "types": [], "tags": [], "tag_mode": "Any", "user": "", "from": "", "to": "",
        "search": search, "regex": false, "archived": false,
        "columns": ["Id", "Name", "Type", "Status", "Tags", "User", "Started", "Updated", "Iteration",
                    {"Hyperparam": {"section": "Args", "name": "lr"}},
                    {"Metric": {"metric": "loss", "variant": "val", "stat": "Last"}}]
    }})
}

#[tokio::main]
async fn main() {
    let db = arg("--db");
    let total: usize = arg("--tasks").map_or(100_000, |v| v.parse().expect("--tasks N"));
    let points: i64 = arg("--points").map_or(1_000_000, |v| v.parse().expect("--points N"));
    let bin = server_bin();
    let data_dir = arg("--data-dir").map(std::path::PathBuf::from);
    let reuse = data_dir.as_ref().is_some_and(|d| d.join("bench-seeded").exists());
    let server = Server::start_in(&bin, db.as_deref(), data_dir.as_deref()).await;
    let token = server.token.clone();
    let mut c = server.conn().await;
    let (projects, big, seed_s) = if reuse {
        let found = c.call("projects.get_all", &token, json!({"name": "^bench/p00$"})).await;
        let p0 = found["projects"][0]["id"].clone();
        let long = c.call("tasks.get_all", &token, json!({"name": "^long series$", "only_fields": ["id"]})).await;
        (vec![p0], long["tasks"][0]["id"].as_str().expect("long series task").to_string(), 0.0)
    } else {
        let seeded = seed(&server, &mut c, total, points).await;
        if let Some(d) = &data_dir {
            std::fs::write(d.join("bench-seeded"), "").expect("marker");
        }
        seeded
    };

    let session = server.sign_in().await;
    let mut web = Conn::open(server.web).await.expect("web").with_session(&session);
    let p0 = projects[0].as_str().expect("project id").to_string();
    let project_page = format!("/projects/{p0}");
    let ssr_project = timed!(20, get(&mut web, &project_page).await);
    let ssr_all = timed!(20, get(&mut web, "/tasks").await);
    let filtered = view(None, "name", &["created"], "", 3);
    let filter_sort_page = timed!(20, post(&mut web, "/rpc/list_tasks", &filtered).await);
    // A search that finds a few tasks, and one that every task matches.
    let few = view(None, "last_update", &["created"], "run 01234", 0);
    let search_few = timed!(20, post(&mut web, "/rpc/list_tasks", &few).await);
    let every = view(None, "name", &["created"], "run 0", 3);
    let search_every = timed!(20, post(&mut web, "/rpc/list_tasks", &every).await);
    let by_metric = view(None, "m:loss|val|last", &[], "", 0);
    let sort_by_metric = timed!(10, post(&mut web, "/rpc/list_tasks", &by_metric).await);
    let by_hp = view(Some(&p0), "hp:Args|lr", &[], "", 0);
    let sort_by_hyperparam = timed!(10, post(&mut web, "/rpc/list_tasks", &by_hp).await);
    let whole = json!({"task": big, "buckets": 1000, "range": null});
    let mut chart_bytes = 0;
    let chart = timed!(10, chart_bytes = post(&mut web, "/rpc/task_scalars", &whole).await);
    let window = json!({"task": big, "buckets": 1000, "range": [400_000, 410_000]});
    let zoom = timed!(10, post(&mut web, "/rpc/task_scalars", &window).await);
    // First paint and time to interactive in headless Chromium (needs the
    // end2end tools): a table page, a task's Scalars tab and the compare
    // page of ten tasks, on loopback and throttled to 20 Mbit/s, 40 ms.
    let tti = if std::env::args().any(|a| a == "--tti") {
        let base = format!("http://127.0.0.1:{}", server.web);
        let ten =
            c.call("tasks.get_all", &token, json!({"project": [p0], "page_size": 10, "only_fields": ["id"]})).await;
        let ids: Vec<&str> = ten["tasks"].as_array().expect("tasks").iter().filter_map(|t| t["id"].as_str()).collect();
        let urls = [
            format!("{base}/tasks"),
            format!("{base}/tasks/{big}?tab=scalars"),
            format!("{base}/compare?ids={}", ids.join(",")),
        ];
        let run = |extra: &[&str]| {
            let out = std::process::Command::new("node")
                .args(["bench/tti.mjs", "--runs", "10"])
                .args(extra)
                .env("LABBOOK_SESSION", &session)
                .args(&urls)
                .output()
                .expect("run node bench/tti.mjs");
            assert!(out.status.success(), "tti.mjs: {}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_slice::<Value>(&out.stdout).expect("tti JSON")
        };
        json!({"localhost": run(&[]), "throttled_20mbit_40ms": run(&["--throttle", "20:40"])})
    } else {
        Value::Null
    };
    println!(
        "{}",
        json!({
            "tti": tti,
            "backend": if db.is_some() { "postgres" } else { "sqlite" },
            "tasks": total,
            "seed_s": r2(seed_s),
            "ssr_project_page_p50_ms": ssr_project.0, "ssr_project_page_p99_ms": ssr_project.1,
            "ssr_all_tasks_page_p50_ms": ssr_all.0, "ssr_all_tasks_page_p99_ms": ssr_all.1,
            "list_tasks_filter_sort_page_p50_ms": filter_sort_page.0, "list_tasks_filter_sort_page_p99_ms": filter_sort_page.1,
            "list_tasks_search_10_matches_p50_ms": search_few.0,
            "list_tasks_search_all_match_sort_by_name_p50_ms": search_every.0,
            "list_tasks_sort_by_metric_all_p50_ms": sort_by_metric.0,
            "list_tasks_sort_by_hyperparam_project_p50_ms": sort_by_hyperparam.0,
            "scalars_points": points,
            "scalars_chart_p50_ms": chart.0, "scalars_chart_p99_ms": chart.1, "scalars_chart_bytes": chart_bytes,
            "scalars_zoom_10k_p50_ms": zoom.0,
        })
    );
}

/// Seeds `total` tasks in 50 projects and one task with a `points`-point
/// series; answers the project ids, that task's id and the seconds taken.
async fn seed(server: &Server, c: &mut Conn, total: usize, points: i64) -> (Vec<Value>, String, f64) {
    let token = server.token.clone();
    let mut projects = Vec::new();
    for p in 0..50 {
        projects.push(c.call("projects.create", &token, json!({"name": format!("bench/p{p:02}")})).await["id"].clone());
    }
    // Tasks with hyperparameters, completed, with two metrics each (events batched over many tasks).
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for client in 0..2 {
        let (token, projects, api) = (token.clone(), projects.clone(), server.api);
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(api).await.expect("connect");
            let mut lines = Vec::new();
            for i in (client..total).step_by(2) {
                let lr = format!("{}", 0.001 * (1 + i % 97) as f64);
                let id = conn
                    .call(
                        "tasks.create",
                        &token,
                        json!({"name": format!("run {i:06}"), "project": projects[i % 50],
                               "hyperparams": {"Args": {"lr": {"section": "Args", "name": "lr", "value": lr},
                                                        "batch": {"section": "Args", "name": "batch", "value": "64"}}}}),
                    )
                    .await["id"]
                    .as_str()
                    .expect("id")
                    .to_string();
                for (variant, v) in [("train", 1.0 / (1 + i % 113) as f64), ("val", 1.5 / (1 + i % 89) as f64)] {
                    lines.push(json!({"type": "training_stats_scalar", "task": id, "metric": "loss", "variant": variant,
                                      "value": v, "iter": 10, "timestamp": 1}).to_string());
                }
                if lines.len() >= 1_000 {
                    let body = lines.join("\n");
                    let (code, _) =
                        conn.request("/events.add_batch", &format!("Bearer {token}"), "", body.as_bytes()).await.expect("batch");
                    assert_eq!(code, 200);
                    lines.clear();
                }
            }
            if !lines.is_empty() {
                let body = lines.join("\n");
                conn.request("/events.add_batch", &format!("Bearer {token}"), "", body.as_bytes()).await.expect("batch");
            }
        }));
    }
    for h in handles {
        h.await.expect("client");
    }
    let seed_s = t0.elapsed().as_secs_f64();

    // One task with a long series.
    let big = c.call("tasks.create", &token, json!({"name": "long series", "project": projects[0]})).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    for chunk in 0..(points / 1000) {
        let body: Vec<String> = (0..1000)
            .map(|k| {
                let it = chunk * 1000 + k;
                let v = if it % 99_991 == 0 { 100.0 } else { (it as f64 / 1000.0).sin() };
                json!({"type": "training_stats_scalar", "task": big, "metric": "loss", "variant": "train",
                       "value": v, "iter": it, "timestamp": it})
                .to_string()
            })
            .collect();
        c.request("/events.add_batch", &format!("Bearer {token}"), "", body.join("\n").as_bytes())
            .await
            .expect("batch");
    }
    (projects, big, seed_s)
}
