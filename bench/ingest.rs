//! Ingest and start-up benchmark: starts a real `labbook serve`, measures
//! start to first HTTP 200 and idle RSS, then sends scalar events through
//! `events.add_batch` shaped exactly as the clearml SDK sends them
//! (json-lines, `"method": "get"` on every line) and reads them back.
//!
//! cargo bench --features ssr --bench ingest -- [--db postgres://…] [--series 10]
//!     [--points 100000] [--batch 1000] [--clients 1]
//!
//! The server binary is `$LABBOOK_BIN` (default target/release/labbook).
//! Prints one JSON object of figures. Traffic goes to 127.0.0.1 only.

#[path = "common.rs"]
mod common;

use common::{percentile, r2, rss_kb, Conn, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Args {
    db: Option<String>,
    series: usize,
    points: usize,
    batch: usize,
    clients: usize,
}

fn parse_args() -> Args {
    let mut a = Args { db: None, series: 10, points: 100_000, batch: 1_000, clients: 1 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--db" => a.db = Some(v),
            "--series" => a.series = v.parse().expect("--series N"),
            "--points" => a.points = v.parse().expect("--points N"),
            "--batch" => a.batch = v.parse().expect("--batch N"),
            "--clients" => a.clients = v.parse().expect("--clients N"),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// One batch of `n` scalar events for `series`, starting at `iter0`, as the SDK shapes it.
fn batch_body(task: &str, series: usize, iter0: usize, n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n * 220);
    for k in 0..n {
        let iter = iter0 + k;
        if k > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            r#"{{"timestamp": {}, "type": "training_stats_scalar", "task": "{task}", "iter": {iter}, "metric": "loss", "variant": "series{series}", "value": {}, "allow_locked": false, "model_event": false, "method": "get"}}"#,
            1_795_239_072_000u64 + iter as u64,
            1.0 / (iter as f64 + 1.0)
        ));
    }
    out.into_bytes()
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let bin = common::server_bin();
    let server = Server::start(&bin, args.db.as_deref()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_kb = rss_kb(server.pid());

    let token = server.token.clone();
    let mut c = server.conn().await;
    let project = c.call("projects.create", &token, json!({"name": "bench/ingest"})).await["id"].clone();
    let task = c.call("tasks.create", &token, json!({"name": "ingest bench", "project": project})).await["id"]
        .as_str()
        .expect("task id")
        .to_string();

    // Work: every (series, batch start) pair, split round-robin across clients.
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    for s in 0..args.series {
        for b in (0..args.points).step_by(args.batch) {
            jobs.push((s, b));
        }
    }
    let total_points = args.series * args.points;
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for client in 0..args.clients {
        let my: Vec<(usize, usize)> = jobs.iter().copied().skip(client).step_by(args.clients).collect();
        let (task, token, batch, points, api) = (task.clone(), token.clone(), args.batch, args.points, server.api);
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(api).await.expect("connect");
            let auth = format!("Bearer {token}");
            let mut lat = Vec::with_capacity(my.len());
            for (s, b) in my {
                let body = batch_body(&task, s, b, batch.min(points - b));
                let t = Instant::now();
                let (code, resp) = conn
                    .request("/v2.23/events.add_batch", &auth, "application/json-lines", &body)
                    .await
                    .expect("add_batch");
                assert_eq!(code, 200, "{}", String::from_utf8_lossy(&resp));
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat: Vec<f64> = Vec::new();
    for h in handles {
        lat.extend(h.await.expect("client"));
    }
    let secs = t0.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let running_rss_kb = rss_kb(server.pid());

    // Read-back of the whole history, five times; the median is reported.
    let mut reads = Vec::new();
    let mut got = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let h = c.call("events.scalar_metrics_iter_histogram", &token, json!({"task": task, "key": "iter"})).await;
        reads.push(t.elapsed().as_secs_f64() * 1000.0);
        got = h["loss"]
            .as_object()
            .map(|m| m.values().map(|v: &Value| v["x"].as_array().map_or(0, Vec::len)).sum())
            .unwrap_or(0);
    }
    reads.sort_by(|a, b| a.total_cmp(b));
    assert_eq!(got, total_points, "every point must read back");

    let out = json!({
        "backend": if args.db.is_some() { "postgres" } else { "sqlite" },
        "series": args.series, "points_per_series": args.points, "batch": args.batch, "clients": args.clients,
        "start_to_first_200_ms": r2(server.start_to_200_ms),
        "idle_rss_mb": r2(idle_rss_kb as f64 / 1024.0),
        "rss_after_ingest_mb": r2(running_rss_kb as f64 / 1024.0),
        "ingest_points_per_s": (total_points as f64 / secs).round(),
        "ingest_seconds": r2(secs),
        "add_batch_p50_ms": r2(percentile(&lat, 0.50)),
        "add_batch_p99_ms": r2(percentile(&lat, 0.99)),
        "readback_all_points_p50_ms": r2(percentile(&reads, 0.5)),
    });
    println!("{out}");
}
