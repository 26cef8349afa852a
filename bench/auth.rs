//! Sign-in and token-check cost (issue 12), in process on a real database:
//! - dashboard sign-in (`ops::sessions::sign_in`: argon2id verify + session
//!   insert), p50/p99 over 30;
//! - a session lookup (what the web guard does per request), p50/p99;
//! - the per-call token check of the API (`Auth::verify` of the JWT plus
//!   `ops::users::actor_for`), with the key's standing remembered (the
//!   common case) and forgotten (one joined query), p50/p99;
//! - `Auth::check_basic` of a generated key (`auth.login`).
//!
//! `cargo bench --features ssr --bench auth -- [--db postgres://…]`

mod common;

use common::{arg, percentile, r2};
use labbook::server::auth::Auth;
use labbook::server::config::Config;
use labbook::server::ops;
use serde_json::json;
use std::time::Instant;

/// p50 and p99 of `samples` (µs).
fn p50_p99(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (r2(percentile(&samples, 0.5)), r2(percentile(&samples, 0.99)))
}

#[tokio::main]
async fn main() {
    let db = arg("--db");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: db.clone(),
        host: "127.0.0.1".into(),
        web_port: 0,
        api_port: 0,
        files_port: 0,
        site_root: "target/site".into(),
        access_key: None,
        secret_key: None,
        admin_password: Some("bench-admin-password".into()),
        token_secret: None,
        allowed_hosts: Vec::new(),
        tls_cert: None,
        tls_key: None,
        public_host: None,
        worker_timeout: 600,
    };
    let state = labbook::server::start(config, "127.0.0.1:0".parse().expect("address")).await.expect("start");
    let (admin, _) =
        ops::users::ensure_first_admin(state.store.as_ref(), Some("bench-admin-password")).await.expect("admin");
    let kp = Auth::generate_key_pair();
    Auth::put_key_pair(state.store.as_ref(), &kp.access_key, &kp.secret_key, &admin, false).await.expect("key");

    let mut sign_in = Vec::new();
    let mut token = String::new();
    for _ in 0..30 {
        let t = Instant::now();
        token = ops::sessions::sign_in(&state, "admin", "bench-admin-password", None).await.expect("sign in").token;
        sign_in.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut session = Vec::new();
    for _ in 0..2_000 {
        let t = Instant::now();
        assert!(ops::sessions::resolve(&state, &token).await.expect("resolve").is_some());
        session.push(t.elapsed().as_secs_f64() * 1e6);
    }

    let basic = base64_encode(&format!("{}:{}", kp.access_key, kp.secret_key));
    let mut basic_check = Vec::new();
    let mut identity = None;
    for _ in 0..2_000 {
        let t = Instant::now();
        identity = Some(Auth::check_basic(state.store.as_ref(), &basic).await.expect("basic"));
        basic_check.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let identity = identity.expect("identity");
    let jwt = state.auth.issue(&identity, "admin", 3600, None);
    let check = |forget: bool| {
        let state = state.clone();
        let jwt = jwt.clone();
        async move {
            let mut out = Vec::new();
            for _ in 0..5_000 {
                if forget {
                    state.auth.forget(None, Some(&identity_user(&state, &jwt)));
                }
                let t = Instant::now();
                let verified = state.auth.verify(&jwt).expect("verify");
                ops::users::actor_for(&state, &verified.identity, None).await.expect("actor");
                out.push(t.elapsed().as_secs_f64() * 1e6);
            }
            out
        }
    };
    let warm = check(false).await;
    let cold = check(true).await;
    let (si50, si99) = p50_p99(sign_in);
    let (s50, s99) = p50_p99(session);
    let (b50, b99) = p50_p99(basic_check);
    let (w50, w99) = p50_p99(warm);
    let (c50, c99) = p50_p99(cold);
    println!(
        "{}",
        json!({
            "backend": state.store.backend(),
            "sign_in_p50_ms": r2(si50 / 1000.0), "sign_in_p99_ms": r2(si99 / 1000.0),
            "session_lookup_p50_us": s50, "session_lookup_p99_us": s99,
            "basic_check_p50_us": b50, "basic_check_p99_us": b99,
            "token_check_remembered_p50_us": w50, "token_check_remembered_p99_us": w99,
            "token_check_from_db_p50_us": c50, "token_check_from_db_p99_us": c99,
        })
    );
}

/// The user id a token speaks for.
fn identity_user(state: &labbook::server::state::AppState, jwt: &str) -> String {
    state.auth.verify(jwt).expect("verify").identity.user
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
