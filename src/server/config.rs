//! Configuration: flags with environment fallbacks and defaults that need none.

use clap::Args;
use std::fmt;
use std::path::PathBuf;

/// How `labbook serve` runs. Every field has a default.
#[derive(Clone, Args)]
pub struct Config {
    /// Where the SQLite database and uploaded files live.
    #[arg(long, env = "LABBOOK_DATA_DIR", default_value = "./labbook-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; default: `sqlite:<data-dir>/labbook.db`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// The address every listener binds.
    #[arg(long, env = "LABBOOK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// The web app (also serves the API under /api and files under /files).
    #[arg(long, env = "LABBOOK_WEB_PORT", default_value_t = 8080)]
    pub web_port: u16,
    /// The ClearML-compatible API.
    #[arg(long, env = "LABBOOK_API_PORT", default_value_t = 8008)]
    pub api_port: u16,
    /// The fileserver.
    #[arg(long, env = "LABBOOK_FILES_PORT", default_value_t = 8081)]
    pub files_port: u16,
    /// The built site (JS, WASM, CSS) made by `cargo leptos build`.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Sets an API key pair non-interactively (with --secret-key).
    #[arg(long, env = "LABBOOK_ACCESS_KEY")]
    pub access_key: Option<String>,
    /// The secret of --access-key.
    #[arg(long, env = "LABBOOK_SECRET_KEY")]
    pub secret_key: Option<String>,
    /// The first admin's password, on a database without users (otherwise
    /// one is generated and printed once).
    #[arg(long, env = "LABBOOK_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// The host name clients should use in printed URLs (default: --host).
    #[arg(long, env = "LABBOOK_PUBLIC_HOST")]
    pub public_host: Option<String>,
    /// Seconds without a report after which a worker is gone and the task
    /// it was running is marked failed (ClearML's default is 600).
    #[arg(long, env = "LABBOOK_WORKER_TIMEOUT", default_value_t = 600)]
    pub worker_timeout: u64,
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => format!("sqlite:{}", self.data_dir.join("labbook.db").display()),
        }
    }

    /// Where the fileserver keeps uploads.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    fn public_host(&self) -> &str {
        self.public_host.as_deref().unwrap_or(match self.host.as_str() {
            "0.0.0.0" | "::" => "127.0.0.1",
            h => h,
        })
    }

    /// `CLEARML_API_HOST` for clients.
    pub fn api_url(&self) -> String {
        format!("http://{}:{}", self.public_host(), self.api_port)
    }
    /// `CLEARML_WEB_HOST` for clients.
    pub fn web_url(&self) -> String {
        format!("http://{}:{}", self.public_host(), self.web_port)
    }
    /// `CLEARML_FILES_HOST` for clients.
    pub fn files_url(&self) -> String {
        format!("http://{}:{}", self.public_host(), self.files_port)
    }
}

fn redact_url(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url()))
            .field("host", &self.host)
            .field("web_port", &self.web_port)
            .field("api_port", &self.api_port)
            .field("files_port", &self.files_port)
            .field("site_root", &self.site_root)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("admin_password", &self.admin_password.as_ref().map(|_| "***"))
            .field("worker_timeout", &self.worker_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("sqlite:x.db"), "sqlite:x.db");
    }
}
