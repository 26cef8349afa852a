//! What every request handler shares.

use crate::server::auth::Auth;
use crate::server::config::Config;
use crate::server::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// The server's shared state: storage, token keys, configuration.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Auth,
    pub config: Arc<Config>,
    /// Where the fileserver keeps uploads.
    pub files_dir: PathBuf,
    pub leptos_options: LeptosOptions,
    /// Failed sign-ins per access key or account, and per address.
    pub login_throttle: Arc<crate::server::throttle::SignInThrottles>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

impl AppState {
    /// How long a worker may stay silent before it counts as gone, in ms.
    pub fn worker_timeout_ms(&self) -> i64 {
        i64::try_from(self.config.worker_timeout).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
    }
}
