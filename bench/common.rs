//! What the benchmark programs share: a keep-alive HTTP/1.1 client that
//! speaks to the ClearML API the way the SDK does (GET with a JSON body), and
//! a `labbook serve` started on free loopback ports with a fresh data dir.

#![allow(dead_code)]

use base64::Engine;
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A keep-alive HTTP/1.1 connection that sends ClearML-style GETs with bodies.
pub struct Conn {
    stream: BufReader<TcpStream>,
    port: u16,
    /// The dashboard session sent as a cookie (with this server's Origin).
    session: Option<String>,
}

impl Conn {
    pub async fn open(port: u16) -> std::io::Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::new(s), port, session: None })
    }

    /// This connection, sending a signed-in browser's cookie and Origin.
    pub fn with_session(mut self, session: &str) -> Conn {
        self.session = Some(session.to_string());
        self
    }

    pub async fn request(
        &mut self,
        path: &str,
        auth: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        self.send("GET", path, auth, ctype, body).await
    }

    /// One HTTP/1.1 request with any method; answers status and body.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let browser = match &self.session {
            Some(s) => format!("Cookie: labbook_session={s}\r\nOrigin: http://127.0.0.1:{}\r\n", self.port),
            None => String::new(),
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: {auth}\r\n{browser}Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
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
        let mut chunked = false;
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
                if k.eq_ignore_ascii_case("transfer-encoding") && v.trim().eq_ignore_ascii_case("chunked") {
                    chunked = true;
                }
            }
        }
        if !chunked {
            let mut buf = vec![0u8; len];
            self.stream.read_exact(&mut buf).await?;
            return Ok((code, buf));
        }
        // Chunked (streamed server-rendered pages): size line, data, CRLF; a 0 size ends it.
        let mut buf = Vec::new();
        loop {
            let mut size = String::new();
            self.stream.read_line(&mut size).await?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            self.stream.read_exact(&mut chunk).await?;
            if n == 0 {
                return Ok((code, buf));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub async fn call(&mut self, endpoint: &str, token: &str, body: Value) -> Value {
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

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// The admin's password in every bench server.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// A running `labbook serve`; killed on drop.
pub struct Server {
    child: Child,
    _dir: Option<tempfile::TempDir>,
    /// The API port.
    pub api: u16,
    /// The web app's port.
    pub web: u16,
    /// A token for the API.
    pub token: String,
    /// Milliseconds from spawning the process to the first HTTP 200.
    pub start_to_200_ms: f64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `bin serve` on SQLite (or `db`) and logs in.
    pub async fn start(bin: &str, db: Option<&str>) -> Server {
        Self::start_in(bin, db, None).await
    }

    /// Like [`Server::start`], keeping its data in `data_dir` when given
    /// (so a seeded database can be reused), else in a temporary directory.
    pub async fn start_in(bin: &str, db: Option<&str>, data_dir: Option<&std::path::Path>) -> Server {
        let temp = match data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().expect("temp dir")),
        };
        let dir_path = data_dir
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| temp.as_ref().expect("temp").path().to_path_buf());
        let (web, api, files) = (free_port(), free_port(), free_port());
        let (ak, sk) = ("BENCHACCESSKEY000001", "bench-secret-key-0123456789");
        let mut cmd = Command::new(bin);
        cmd.args([
            "serve",
            "--web-port",
            &web.to_string(),
            "--api-port",
            &api.to_string(),
            "--files-port",
            &files.to_string(),
        ])
        .env("LABBOOK_DATA_DIR", &dir_path)
        .env("LABBOOK_ACCESS_KEY", ak)
        .env("LABBOOK_SECRET_KEY", sk)
        .env("LABBOOK_LOG", "warn")
        .env("LABBOOK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        if let Some(db) = db {
            cmd.env("DATABASE_URL", db);
        }
        let started = Instant::now();
        let child = cmd.spawn().expect("start labbook");
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
        Server { child, _dir: temp, api, web, token, start_to_200_ms }
    }

    /// Signs in to the dashboard as the admin (the sign-in form); answers
    /// the session.
    pub async fn sign_in(&self) -> String {
        let mut c = Conn::open(self.web).await.expect("connect");
        let body = format!("login=admin&password={ADMIN_PASSWORD}");
        let head = format!(
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\nOrigin: http://127.0.0.1:{0}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {1}\r\n\r\n{body}",
            self.web,
            body.len()
        );
        let s = c.stream.get_mut();
        s.write_all(head.as_bytes()).await.expect("send");
        let mut session = None;
        loop {
            let mut line = String::new();
            c.stream.read_line(&mut line).await.expect("read");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("set-cookie: labbook_session=") {
                session = v.split(';').next().map(str::to_string);
            }
        }
        session.expect("signed in")
    }

    /// A new connection to the API.
    pub async fn conn(&self) -> Conn {
        Conn::open(self.api).await.expect("connect")
    }
}

/// The value after `--name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter().position(|a| a == name).and_then(|i| argv.get(i + 1)).cloned()
}

/// The server binary to benchmark: `$LABBOOK_BIN`, or the release build.
pub fn server_bin() -> String {
    std::env::var("LABBOOK_BIN").unwrap_or_else(|_| "target/release/labbook".into())
}

/// Rounds to two decimals for printing.
pub fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
