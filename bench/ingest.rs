//! Ingest and start-up benchmark: starts a real `labbook serve`, measures
//! start to first HTTP 200 and idle RSS, then sends scalar events through
//! `events.add_batch` shaped exactly as the clearml SDK sends them
//! (json-lines, `"method": "get"` on every line) and reads them back.
//!
//! cargo bench --features ssr --bench ingest -- [--db postgres://…] [--series 10]
//!     [--points 100000] [--batch 1000] [--clients 1] [--bin path/to/labbook]
//!
//! Prints one JSON object of figures. Traffic goes to 127.0.0.1 only.

use base64::Engine;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Args {
    db: Option<String>,
    series: usize,
    points: usize,
    batch: usize,
    clients: usize,
    bin: String,
}

fn parse_args() -> Args {
    let mut a = Args {
        db: None,
        series: 10,
        points: 100_000,
        batch: 1_000,
        clients: 1,
        bin: std::env::var("LABBOOK_BIN").unwrap_or_else(|_| "target/release/labbook".into()),
    };
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
            "--bin" => a.bin = v,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A keep-alive HTTP/1.1 connection that sends ClearML-style GETs with bodies.
struct Conn {
    stream: BufReader<TcpStream>,
    port: u16,
}

impl Conn {
    async fn open(port: u16) -> std::io::Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::new(s), port })
    }

    async fn request(&mut self, path: &str, auth: &str, ctype: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: {auth}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            self.port,
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(body).await?;
        let mut status = String::new();
        self.stream.read_line(&mut status).await?;
        let code: u16 = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut buf = vec![0u8; len];
        self.stream.read_exact(&mut buf).await?;
        Ok((code, buf))
    }

    async fn call(&mut self, endpoint: &str, token: &str, body: Value) -> Value {
        let (code, resp) = self
            .request(
                &format!("/v2.23/{endpoint}"),
                &format!("Bearer {token}"),
                "application/json",
                body.to_string().as_bytes(),
            )
            .await
            .expect("request");
        let v: Value = serde_json::from_slice(&resp).expect("JSON answer");
        assert_eq!(code, 200, "{endpoint}: {v}");
        v["data"].clone()
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// One batch of `n` scalar events for `series`, starting at `iter`, as the SDK shapes it.
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

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let dir = tempfile::tempdir().expect("temp dir");
    let (web, api, files) = (free_port(), free_port(), free_port());
    let (ak, sk) = ("BENCHACCESSKEY000001", "bench-secret-key-0123456789");
    let mut cmd = Command::new(&args.bin);
    cmd.args([
        "serve",
        "--web-port",
        &web.to_string(),
        "--api-port",
        &api.to_string(),
        "--files-port",
        &files.to_string(),
    ])
    .env("LABBOOK_DATA_DIR", dir.path())
    .env("LABBOOK_ACCESS_KEY", ak)
    .env("LABBOOK_SECRET_KEY", sk)
    .env("LABBOOK_LOG", "warn")
    .env_remove("DATABASE_URL")
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    if let Some(db) = &args.db {
        cmd.env("DATABASE_URL", db);
    }
    let started = Instant::now();
    let child = cmd.spawn().expect("start labbook");
    let pid = child.id();
    let server = Server { child, _dir: dir };
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{ak}:{sk}")));
    let token = loop {
        if let Ok(mut c) = Conn::open(api).await {
            if let Ok((200, body)) = c.request("/auth.login", &basic, "application/json", b"").await {
                let v: Value = serde_json::from_slice(&body).expect("login JSON");
                break v["data"]["token"].as_str().expect("token").to_string();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let start_to_200_ms = started.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_kb = rss_kb(pid);

    let mut c = Conn::open(api).await.expect("connect");
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
        let (task, token, batch, points) = (task.clone(), token.clone(), args.batch, args.points);
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
    let running_rss_kb = rss_kb(pid);

    // Read-back of the whole history.
    let t = Instant::now();
    let h = c.call("events.scalar_metrics_iter_histogram", &token, json!({"task": task, "key": "iter"})).await;
    let readback_ms = t.elapsed().as_secs_f64() * 1000.0;
    let got: usize =
        h["loss"].as_object().map(|m| m.values().map(|v| v["x"].as_array().map_or(0, Vec::len)).sum()).unwrap_or(0);
    assert_eq!(got, total_points, "every point must read back");

    let out = json!({
        "backend": if args.db.is_some() { "postgres" } else { "sqlite" },
        "series": args.series, "points_per_series": args.points, "batch": args.batch, "clients": args.clients,
        "start_to_first_200_ms": (start_to_200_ms * 10.0).round() / 10.0,
        "idle_rss_mb": idle_rss_kb as f64 / 1024.0,
        "rss_after_ingest_mb": running_rss_kb as f64 / 1024.0,
        "ingest_points_per_s": (total_points as f64 / secs).round(),
        "ingest_seconds": (secs * 100.0).round() / 100.0,
        "add_batch_p50_ms": (percentile(&lat, 0.50) * 100.0).round() / 100.0,
        "add_batch_p99_ms": (percentile(&lat, 0.99) * 100.0).round() / 100.0,
        "readback_all_series_ms": (readback_ms * 10.0).round() / 10.0,
    });
    println!("{out}");
    drop(server);
}
