//! Spawning the app and talking to it.

use labbook::server::config::Config;
use serde_json::{json, Value};
use std::path::PathBuf;

const ACCESS_KEY: &str = "TESTACCESSKEY";
const SECRET_KEY: &str = "test-secret-key-that-is-long-enough";
/// The first admin's password in every test app.
pub const ADMIN_PASSWORD: &str = "test-admin-password";
/// The token secret every test app shares, so that two apps on one
/// database accept each other's tokens.
const TOKEN_SECRET: &str = "test-token-secret";

/// Runs `$check(&TestApp)` on SQLite and on PostgreSQL, as two tests.
macro_rules! on_both {
    ($check:ident) => {
        mod $check {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::app::TestApp::sqlite().await;
                super::$check(&app).await;
                app.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::app::TestApp::postgres().await else { return };
                super::$check(&app).await;
                app.finish().await;
            }
        }
    };
}
pub(crate) use on_both;

/// A ClearML reply: HTTP status, `result_subcode`, `result_msg` and `data`.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub subcode: u64,
    pub msg: String,
    pub data: Value,
}

impl Reply {
    /// `(code, subcode)`, for asserting an error.
    pub fn codes(&self) -> (u16, u64) {
        (self.code, self.subcode)
    }
}

/// A running server with its own data directory and database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`: the web app, with the API under `/api`.
    pub base: String,
    http: reqwest::Client,
    token: String,
    /// The admin's dashboard session (the cookie's token).
    pub session: String,
    /// The server's state, for arranging what the API cannot (users, keys).
    pub state: labbook::server::state::AppState,
    /// The PostgreSQL server's admin URL and the database made for this app.
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The app on a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        TestApp::spawn(None, None).await
    }

    /// The app on a fresh database of `TEST_DATABASE_URL`'s server; `None`
    /// (the test is skipped) when it is unset and `LABBOOK_REQUIRE_PG` is too.
    pub async fn postgres() -> Option<TestApp> {
        use sqlx::Connection;
        let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
            assert!(
                std::env::var("LABBOOK_REQUIRE_PG").is_err(),
                "LABBOOK_REQUIRE_PG is set but TEST_DATABASE_URL is not"
            );
            eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run the API tests on PostgreSQL");
            return None;
        };
        let name = format!("labbook_api_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
        let (base, _) = admin.rsplit_once('/').expect("TEST_DATABASE_URL must end in /<database>");
        let url = format!("{base}/{name}");
        Some(TestApp::spawn(Some(url), Some((admin, name))).await)
    }

    /// A second server process on this app's database (its own data
    /// directory and port), as a team scaling out would run.
    pub async fn second_process(&self) -> TestApp {
        TestApp::spawn(Some(self.state.config.database_url()), None).await
    }

    async fn spawn(database_url: Option<String>, pg: Option<(String, String)>) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            database_url,
            host: "127.0.0.1".into(),
            web_port: addr.port(),
            api_port: addr.port(),
            files_port: addr.port(),
            site_root: PathBuf::from("target/site"),
            access_key: Some(ACCESS_KEY.into()),
            secret_key: Some(SECRET_KEY.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            public_host: None,
            token_secret: Some(TOKEN_SECRET.into()),
            allowed_hosts: Vec::new(),
            tls_cert: None,
            tls_key: None,
            worker_timeout: 600,
        };
        let state = labbook::server::start(config, addr).await.expect("start");
        labbook::server::bootstrap_credentials(&state).await.expect("credentials");
        let routers = labbook::server::build_app(&state);
        let app_state = state.clone();
        let web = routers.web.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, web).await });
        let base = format!("http://{addr}");
        // Redirects are looked at, not followed (sign-in answers with one).
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let login = http
            .get(format!("{base}/api/auth.login"))
            .basic_auth(ACCESS_KEY, Some(SECRET_KEY))
            .send()
            .await
            .expect("login");
        assert_eq!(login.status(), 200, "login");
        let body: Value = login.json().await.expect("login reply");
        let token = body["data"]["token"].as_str().expect("a token").to_string();
        let mut app = TestApp { base, http, token, session: String::new(), state: app_state, pg, _dir: dir };
        app.session = app.sign_in("admin", ADMIN_PASSWORD).await.expect("admin signs in");
        app
    }

    /// The HTTP client (no redirects followed).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The `Origin` of this server, as its pages send it.
    pub fn origin(&self) -> &str {
        &self.base
    }

    /// Signs in on the sign-in form as a browser would; answers the
    /// session token, or the status and page of the refusal.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<String, (u16, String)> {
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .header("Origin", &self.base)
            .form(&[("login", login), ("password", password), ("next", "/tasks")])
            .send()
            .await
            .expect("sign in");
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("labbook_session="))
            .map(|c| c.split(';').next().unwrap_or("").to_string());
        match cookie {
            Some(token) if status == 303 && !token.is_empty() => Ok(token),
            _ => Err((status, r.text().await.unwrap_or_default())),
        }
    }

    /// A GET of a web page or download with a session (`None`: anonymous).
    pub async fn page(&self, path: &str, session: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(s) = session {
            req = req.header("Cookie", format!("labbook_session={s}"));
        }
        req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Logs in with a key pair; answers the token, or the failed reply.
    pub async fn login(&self, access_key: &str, secret: &str, query: &str) -> Result<String, Reply> {
        let r = self
            .http
            .get(format!("{}/api/auth.login{query}", self.base))
            .basic_auth(access_key, Some(secret))
            .send()
            .await
            .expect("login");
        let code = r.status().as_u16();
        let v: Value = r.json().await.expect("login reply");
        match v["data"]["token"].as_str() {
            Some(t) if code == 200 => Ok(t.to_string()),
            _ => Err(Reply {
                code,
                subcode: v["meta"]["result_subcode"].as_u64().unwrap_or(0),
                msg: v["meta"]["result_msg"].as_str().unwrap_or("").to_string(),
                data: v["data"].clone(),
            }),
        }
    }

    /// A fresh token of the admin's key pair.
    pub async fn login_admin(&self) -> String {
        self.login(ACCESS_KEY, SECRET_KEY, "").await.expect("admin login")
    }

    /// The same app, calling with another token.
    pub fn with_token(&self, token: &str) -> As<'_> {
        As { app: self, token: token.to_string() }
    }

    /// Drops the PostgreSQL database made for this app.
    pub async fn finish(self) {
        use sqlx::Connection;
        if let Some((admin, name)) = &self.pg {
            let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to TEST_DATABASE_URL");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop database");
        }
    }

    /// Calls a ClearML endpoint as the SDK does (POST, JSON body, token).
    pub async fn call(&self, endpoint: &str, body: Value) -> Reply {
        self.call_raw(endpoint, body.to_string(), "application/json").await
    }

    /// Calls a ClearML endpoint with a body of any content type.
    pub async fn call_raw(&self, endpoint: &str, body: String, content_type: &str) -> Reply {
        self.call_as(&self.token, endpoint, body, content_type).await
    }

    /// Calls a ClearML endpoint with `token`.
    pub async fn call_as(&self, token: &str, endpoint: &str, body: String, content_type: &str) -> Reply {
        self.call_versioned(token, "2.23", endpoint, body, content_type).await
    }

    /// Calls a ClearML endpoint as a client of API `version` would.
    pub async fn call_at(&self, version: &str, endpoint: &str, body: Value) -> Reply {
        self.call_versioned(&self.token, version, endpoint, body.to_string(), "application/json").await
    }

    async fn call_versioned(&self, token: &str, version: &str, endpoint: &str, body: String, ct: &str) -> Reply {
        let content_type = ct;
        let r = self
            .http
            .post(format!("{}/api/v{version}/{endpoint}", self.base))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{endpoint}: {e}"));
        let code = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or_else(|e| panic!("{endpoint}: reply is not JSON: {e}"));
        let meta = &v["meta"];
        assert_eq!(meta["result_code"].as_u64(), Some(u64::from(code)), "{endpoint}: meta and HTTP status agree");
        Reply {
            code,
            subcode: meta["result_subcode"].as_u64().unwrap_or(0),
            msg: meta["result_msg"].as_str().unwrap_or("").to_string(),
            data: v["data"].clone(),
        }
    }

    /// Calls an endpoint that must succeed; answers its `data`.
    pub async fn ok(&self, endpoint: &str, body: Value) -> Value {
        let r = self.call(endpoint, body).await;
        assert_eq!(r.code, 200, "{endpoint}: {} {} {}", r.code, r.subcode, r.msg);
        r.data
    }

    /// Creates a draft task; answers its id.
    pub async fn task(&self, name: &str) -> String {
        let data = self.ok("tasks.create", json!({"name": name, "type": "training"})).await;
        data["id"].as_str().expect("task id").to_string()
    }

    /// A task's status.
    pub async fn status(&self, id: &str) -> String {
        let data = self.ok("tasks.get_by_id", json!({"task": id})).await;
        data["task"]["status"].as_str().expect("status").to_string()
    }

    /// Calls a web UI server function with a JSON body; answers the HTTP
    /// status and the decoded body.
    pub async fn rpc(&self, name: &str, body: Value) -> (u16, Value) {
        self.rpc_as(&self.session, name, body).await
    }

    /// [`TestApp::rpc`] in the session `session`, from this server's pages.
    pub async fn rpc_as(&self, session: &str, name: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/rpc/{name}", self.base))
            .header("Cookie", format!("labbook_session={session}"))
            .header("Origin", &self.base)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("/rpc/{name}: {e}"));
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("/rpc/{name}: {e}: {text}"));
        (status, v)
    }
}

/// A [`TestApp`] called with another token.
pub struct As<'a> {
    app: &'a TestApp,
    token: String,
}

impl As<'_> {
    /// Calls a ClearML endpoint with this token.
    pub async fn call(&self, endpoint: &str, body: Value) -> Reply {
        self.app.call_as(&self.token, endpoint, body.to_string(), "application/json").await
    }

    /// Uploads a file to the fileserver (on the web port); answers the status.
    pub async fn upload(&self, path: &str, bytes: &'static [u8]) -> u16 {
        let boundary = "labbook-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{path}\"; filename=\"{path}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .app
            .http
            .post(format!("{}/files/", self.app.base))
            .bearer_auth(&self.token)
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("upload");
        r.status().as_u16()
    }
}
