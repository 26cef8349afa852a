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
    /// The secret tokens are signed with (mixed with a random value kept in
    /// the database). Default: the key file `token.key` in the data
    /// directory, made on first start. Server processes that share one
    /// database must share this to accept each other's tokens.
    #[arg(long, env = "LABBOOK_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
    /// More host names the web app answers to (comma-separated), besides
    /// IP addresses, `localhost`, --host and --public-host: any other `Host`
    /// header is refused, against DNS rebinding.
    #[arg(long, env = "LABBOOK_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// A PEM certificate chain: serve every port over HTTPS (with --tls-key).
    #[arg(long, env = "LABBOOK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "LABBOOK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
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

    /// Where the token key lives when `token_secret` is not given.
    pub fn token_key_file(&self) -> PathBuf {
        self.data_dir.join("token.key")
    }

    /// Whether a request's `Host` header (with or without a port) names this
    /// server: an IP address, `localhost`, --host, --public-host or one of
    /// --allowed-hosts. A DNS-rebinding page reaches the server under its
    /// own domain name, which is none of these.
    pub fn host_allowed(&self, host_header: &str) -> bool {
        let host = host_header.trim();
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => {
                host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h)
            }
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || name == self.host.to_ascii_lowercase()
            || self.public_host.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(&name))
            || self.allowed_hosts.iter().any(|h| h.trim().eq_ignore_ascii_case(&name))
    }

    fn public_host(&self) -> &str {
        self.public_host.as_deref().unwrap_or(match self.host.as_str() {
            "0.0.0.0" | "::" => "127.0.0.1",
            h => h,
        })
    }

    fn scheme(&self) -> &'static str {
        if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// `CLEARML_API_HOST` for clients.
    pub fn api_url(&self) -> String {
        format!("{}://{}:{}", self.scheme(), self.public_host(), self.api_port)
    }
    /// `CLEARML_WEB_HOST` for clients.
    pub fn web_url(&self) -> String {
        format!("{}://{}:{}", self.scheme(), self.public_host(), self.web_port)
    }
    /// `CLEARML_FILES_HOST` for clients.
    pub fn files_url(&self) -> String {
        format!("{}://{}:{}", self.scheme(), self.public_host(), self.files_port)
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
            .field("tls_cert", &self.tls_cert)
            .field("token_secret", &self.token_secret.as_ref().map(|_| "***"))
            .field("allowed_hosts", &self.allowed_hosts)
            .field("public_host", &self.public_host)
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

    #[test]
    fn only_known_hosts_are_allowed() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            config: Config,
        }
        let c =
            Cli::parse_from(["x", "--public-host", "lab.example.org", "--allowed-hosts", "lab,lab.internal"]).config;
        for ok in
            ["127.0.0.1:8080", "localhost", "LAB.example.org:443", "lab", "lab.internal.", "[::1]:8080", "10.1.2.3"]
        {
            assert!(c.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example", "127.0.0.1.evil.example", "lab.example.org.evil", ""] {
            assert!(!c.host_allowed(bad), "{bad}");
        }
    }
}
