//! The agent's ClearML API client: it logs in with the access key and
//! secret, sends every call with the worker header, unwraps the response
//! envelope and logs in again when the token expires.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The server could not be reached or answered something that is not JSON.
    #[error("cannot reach {host}: {msg}")]
    Transport { host: String, msg: String },
    /// The server answered with an error.
    #[error("{endpoint} failed: {code}/{subcode} {msg}")]
    Api { endpoint: String, code: u16, subcode: u32, msg: String },
}

impl CallError {
    /// Worth trying again: the server was unreachable or failed inside.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Transport { .. } => true,
            CallError::Api { code, .. } => *code >= 500,
        }
    }
}

/// What every clone of an [`Api`] shares: the connection pool, the
/// server, the credentials and the session token.
struct Session {
    http: reqwest::Client,
    host: String,
    access_key: String,
    secret_key: String,
    token: RwLock<Option<String>>,
}

/// A client acting as one worker. Clones share the connection pool and token.
#[derive(Clone)]
pub struct Api {
    shared: Arc<Session>,
    worker: String,
}

impl Api {
    /// A client of the API at `host` (e.g. `http://127.0.0.1:8008`).
    pub fn new(host: &str, access_key: &str, secret_key: &str) -> Result<Api, CallError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| CallError::Transport { host: host.to_string(), msg: e.to_string() })?;
        Ok(Api {
            shared: Arc::new(Session {
                http,
                host: host.trim_end_matches('/').to_string(),
                access_key: access_key.to_string(),
                secret_key: secret_key.to_string(),
                token: RwLock::new(None),
            }),
            worker: String::new(),
        })
    }

    /// The same client, sending `X-ClearML-Worker: <worker>`.
    pub fn as_worker(&self, worker: &str) -> Api {
        Api { shared: self.shared.clone(), worker: worker.to_string() }
    }

    /// The worker id this client sends.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    fn transport(&self, e: impl std::fmt::Display) -> CallError {
        CallError::Transport { host: self.shared.host.clone(), msg: e.to_string() }
    }

    async fn login(&self) -> Result<String, CallError> {
        let s = &self.shared;
        let reply = s
            .http
            .post(format!("{}/auth.login", s.host))
            .basic_auth(&s.access_key, Some(&s.secret_key))
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let data = self.unwrap("auth.login", reply).await?;
        let token = data.get("token").and_then(Value::as_str).ok_or_else(|| self.transport("no token in the reply"))?;
        *s.token.write().await = Some(token.to_string());
        Ok(token.to_string())
    }

    async fn token(&self) -> Result<String, CallError> {
        if let Some(t) = self.shared.token.read().await.clone() {
            return Ok(t);
        }
        self.login().await
    }

    async fn unwrap(&self, endpoint: &str, reply: reqwest::Response) -> Result<Value, CallError> {
        let status = reply.status().as_u16();
        let body: Value = reply.json().await.map_err(|e| self.transport(e))?;
        if status == 200 {
            return Ok(body.get("data").cloned().unwrap_or(Value::Null));
        }
        let meta = body.get("meta").cloned().unwrap_or_default();
        Err(CallError::Api {
            endpoint: endpoint.to_string(),
            code: status,
            subcode: meta
                .get("result_subcode")
                .and_then(Value::as_u64)
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0),
            msg: meta.get("result_msg").and_then(Value::as_str).unwrap_or("").to_string(),
        })
    }

    async fn send(&self, endpoint: &str, content_type: &str, body: String) -> Result<Value, CallError> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let mut req = self
                .shared
                .http
                .post(format!("{}/{endpoint}", self.shared.host))
                .bearer_auth(token)
                .header("Content-Type", content_type)
                .body(body.clone());
            if !self.worker.is_empty() {
                req = req.header("X-ClearML-Worker", &self.worker);
            }
            let reply = req.send().await.map_err(|e| self.transport(e))?;
            if reply.status().as_u16() == 401 && attempt == 0 {
                *self.shared.token.write().await = None;
                continue;
            }
            return self.unwrap(endpoint, reply).await;
        }
        Err(self.transport("the server refused the fresh token"))
    }

    /// Calls an endpoint with a JSON body and answers the reply's `data`.
    pub async fn call(&self, endpoint: &str, body: Value) -> Result<Value, CallError> {
        self.send(endpoint, "application/json", body.to_string()).await
    }

    /// Like [`Api::call`], trying again for about half a minute while the
    /// server is unreachable or failing: for the calls whose loss would
    /// leave a task in the wrong state.
    pub async fn call_retrying(&self, endpoint: &str, body: Value) -> Result<Value, CallError> {
        let mut wait = Duration::from_millis(250);
        let mut last = None;
        for _ in 0..8 {
            match self.call(endpoint, body.clone()).await {
                Err(e) if e.is_transient() => {
                    tracing::warn!(%endpoint, error = %e, "retrying");
                    last = Some(e);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| self.transport("gave up")))
    }

    /// Sends console lines of a task (`events.add_batch`, json-lines).
    pub async fn add_log(&self, task: &str, lines: &[(i64, String)]) -> Result<(), CallError> {
        let body: Vec<String> = lines
            .iter()
            .map(|(ts, msg)| {
                json!({"type": "log", "task": task, "level": "info", "worker": self.worker, "msg": msg, "timestamp": ts})
                    .to_string()
            })
            .collect();
        self.send("events.add_batch", "application/json-lines", body.join("\n")).await.map(|_| ())
    }
}
