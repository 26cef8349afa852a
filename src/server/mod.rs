//! Everything that runs only on the server: configuration, storage, the
//! use cases, the ClearML API, the fileserver, and `labbook serve` itself.
//!
//! [`start`] opens the state and [`build_app`] makes the three routers, so
//! that a test can run the whole server on ports of its choosing; [`serve`]
//! binds them to the configured ports.

pub mod accounts;
pub mod auth;
pub mod clearml;
pub mod clock;
pub mod config;
pub mod export;
pub mod files;
pub mod ops;
pub mod peer;
pub mod site;
pub mod state;
pub mod store;
pub mod throttle;
pub mod web_auth;

use crate::app::{shell, App};
use auth::Auth;
use axum::Router;
use config::Config;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Why `labbook serve` could not start (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Store(crate::error::AppError),
    #[error("invalid listen address {0}: {1}")]
    Address(String, std::net::AddrParseError),
    #[error("cannot listen on {0}: {1} (is another server using this port? choose another with the port flags)")]
    Bind(SocketAddr, std::io::Error),
    #[error("cannot use the TLS certificate {0} and its key: {1}")]
    Tls(String, std::io::Error),
    #[error("server error: {0}")]
    Io(std::io::Error),
}

/// Makes the first admin on a database without users, creates the first
/// key pair (or installs the one given in the configuration) for it, and
/// prints what clients need to connect. Secrets are printed only when
/// they are made, never again.
pub async fn bootstrap_credentials(state: &AppState) -> Result<(), crate::error::AppError> {
    let config = &state.config;
    let store = state.store.as_ref();
    let (admin, made) = ops::users::ensure_first_admin(store, config.admin_password.as_deref()).await?;
    if let Some((user, generated)) = &made {
        match generated {
            Some(password) => println!(
                "Created the first admin. Sign in as '{}' with the password {password} (shown only this once).",
                user.login
            ),
            None => println!("Created the first admin '{}' with the password of LABBOOK_ADMIN_PASSWORD.", user.login),
        }
    }
    let (access, secret_line) = match (&config.access_key, &config.secret_key) {
        (Some(a), Some(s)) => {
            // A configured key keeps its owner if it has one.
            let owner = store.get_credential(a).await?.and_then(|c| c.user).unwrap_or(admin);
            Auth::put_key_pair(store, a, s, &owner, true).await?;
            (a.clone(), "<the value of LABBOOK_SECRET_KEY>".to_string())
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(crate::error::AppError::invalid(
                "LABBOOK_ACCESS_KEY and LABBOOK_SECRET_KEY must be set together",
            ))
        }
        (None, None) if store.count_credentials().await? == 0 => {
            let kp = Auth::generate_key_pair();
            Auth::put_key_pair(store, &kp.access_key, &kp.secret_key, &admin, false).await?;
            println!("Created the first API key pair. The secret is shown only this once; only its hash is stored.");
            (kp.access_key, kp.secret_key)
        }
        (None, None) => {
            println!("Labbook is ready. Use the API key pair printed when this data directory was first started.");
            println!("  export CLEARML_API_HOST={}", config.api_url());
            println!("  export CLEARML_WEB_HOST={}", config.web_url());
            println!("  export CLEARML_FILES_HOST={}", config.files_url());
            return Ok(());
        }
    };
    println!("Point the clearml SDK and clearml-agent at Labbook with:");
    println!("  export CLEARML_API_HOST={}", config.api_url());
    println!("  export CLEARML_WEB_HOST={}", config.web_url());
    println!("  export CLEARML_FILES_HOST={}", config.files_url());
    println!("  export CLEARML_API_ACCESS_KEY={access}");
    println!("  export CLEARML_API_SECRET_KEY={secret_line}");
    Ok(())
}

/// Makes a file or directory of the data directory readable by its owner
/// only (the database holds password and key hashes, the uploads are the
/// team's). A path that does not exist is left alone.
fn restrict_to_owner(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), error = %e, "cannot restrict permissions");
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The three routers `labbook serve` listens with.
pub struct Routers {
    /// The web app, with the API under `/api`, the fileserver under
    /// `/files`, downloads under `/export` and stored files under `/media`.
    pub web: Router,
    /// The ClearML-compatible API.
    pub api: Router,
    /// The fileserver.
    pub files: Router,
}

/// Opens the store named by `config` (migrating it), loads the token key,
/// makes sure the default queue exists and installs the configured key
/// pair: the state every router shares. `web_addr` is where the web app
/// will listen (for the site's links).
pub async fn start(config: Config, web_addr: SocketAddr) -> Result<AppState, ServeError> {
    std::fs::create_dir_all(config.files_dir())
        .map_err(|e| ServeError::DataDir(config.data_dir.display().to_string(), e))?;
    restrict_to_owner(&config.data_dir, 0o700);
    let store = store::connect(&config.database_url()).await.map_err(ServeError::Store)?;
    if let Some(db) = config.database_url().strip_prefix("sqlite:") {
        let db = db.split('?').next().unwrap_or(db);
        for suffix in ["", "-wal", "-shm"] {
            restrict_to_owner(std::path::Path::new(&format!("{db}{suffix}")), 0o600);
        }
    }
    let auth = Auth::load(store.as_ref(), config.token_secret.as_deref(), &config.token_key_file())
        .await
        .map_err(ServeError::Store)?;
    ops::queues::ensure_default(store.as_ref()).await.map_err(ServeError::Store)?;
    let leptos_options = LeptosOptions::builder()
        .output_name("labbook")
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir(site::pkg_url_dir(&site::version(&config.site_root)).as_str())
        .site_addr(web_addr)
        .build();
    let state = AppState {
        store,
        auth,
        files_dir: config.files_dir(),
        config: Arc::new(config),
        leptos_options,
        login_throttle: Arc::default(),
    };
    // Keys revoked and users disabled by other processes on the database.
    tokio::spawn(ops::users::follow_auth_changes(state.clone()));
    Ok(state)
}

/// The three routers on `state`.
pub fn build_app(state: &AppState) -> Routers {
    let routes = generate_route_list(App);
    let web = Router::new()
        .nest("/api", clearml::router())
        .nest("/files", files::router())
        // The SDK posts to the root of the files host, here `/files/`,
        // which a nested router does not match.
        .route(
            "/files/",
            axum::routing::get(files::health)
                .post(files::upload)
                .layer(axum::extract::DefaultBodyLimit::max(files::MAX_UPLOAD_BYTES)),
        )
        .route("/export/tasks.csv", axum::routing::get(export::tasks_csv))
        .route("/export/console/{file}", axum::routing::get(export::console_txt))
        .route("/media/{*path}", axum::routing::get(files::media))
        .route("/login", axum::routing::get(web_auth::login_form).post(web_auth::login_submit))
        .route("/logout", axum::routing::post(web_auth::logout))
        .leptos_routes(state, routes, {
            let opts = state.leptos_options.clone();
            move || shell(opts.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(rpc_error_status))
        .layer(axum::middleware::from_fn({
            let version: Arc<str> = state.leptos_options.site_pkg_dir.rsplit('/').next().unwrap_or_default().into();
            move |req, next| site::static_files(version.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web_auth::guard))
        .layer(TraceLayer::new_for_http());
    let api = clearml::router().with_state(state.clone()).layer(TraceLayer::new_for_http());
    let files = files::router().with_state(state.clone()).layer(TraceLayer::new_for_http());
    Routers { web, api, files }
}

/// The largest error answer of a server function read back for its status.
const RPC_ERROR_BYTES: usize = 64 * 1024;

/// Gives a server function's error answer the error's own status: leptos
/// answers 500 when it cannot read a call's arguments, although the error
/// it sends ([`AppError::invalid`](crate::error::AppError)) is the
/// caller's (400). Errors the function itself answered already carry
/// their status ([`crate::api`]).
async fn rpc_error_status(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let is_rpc = req.uri().path().starts_with("/rpc/");
    let res = next.run(req).await;
    if !is_rpc || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, RPC_ERROR_BYTES).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(e) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(e.status()) {
            parts.status = status;
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Serves `router` on `listener` until SIGINT or SIGTERM, over HTTPS when
/// `tls` is given. Handlers learn the peer's address ([`peer::PeerAddr`]).
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
) -> Result<(), ServeError> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await.map_err(ServeError::Io),
        Some(tls) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let listener = listener.into_std().map_err(ServeError::Io)?;
            axum_server::from_tcp_rustls(listener, tls).handle(handle).serve(service).await.map_err(ServeError::Io)
        }
    }
}

/// The TLS configuration of `--tls-cert`/`--tls-key`, if given.
async fn tls_config(config: &Config) -> Result<Option<axum_server::tls_rustls::RustlsConfig>, ServeError> {
    let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else { return Ok(None) };
    // One process-wide crypto provider; installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map(Some)
        .map_err(|e| ServeError::Tls(cert.display().to_string(), e))
}

/// Runs `labbook serve`: the web app, the API and the fileserver, until
/// interrupted.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    // Everything the server creates (the database, its journal, uploads) is
    // its owner's alone.
    // SAFETY: umask(2) only sets the process's file mode mask.
    unsafe {
        libc::umask(0o077);
    }
    let addr = |port: u16| -> Result<SocketAddr, ServeError> {
        let s = format!("{}:{}", config.host, port);
        s.parse::<SocketAddr>()
            .or_else(|_| format!("[{}]:{}", config.host, port).parse())
            .map_err(|e| ServeError::Address(s, e))
    };
    let (web_addr, api_addr, files_addr) = (addr(config.web_port)?, addr(config.api_port)?, addr(config.files_port)?);
    let tls = tls_config(&config).await?;
    let state = start(config, web_addr).await?;
    bootstrap_credentials(&state).await.map_err(ServeError::Store)?;
    tracing::info!(backend = state.store.backend(), config = ?state.config, "starting");

    // Workers that stop reporting are removed and their tasks failed.
    tokio::spawn(ops::workers::reap_forever(state.clone()));

    let app = build_app(&state);
    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr).await.map_err(|e| ServeError::Bind(addr, e))
    };
    let (web, api, files) = (bind(web_addr).await?, bind(api_addr).await?, bind(files_addr).await?);
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("Labbook web UI: {scheme}://{web_addr}  API: {scheme}://{api_addr}  files: {scheme}://{files_addr}");
    let result =
        tokio::try_join!(run(web, app.web, tls.clone()), run(api, app.api, tls.clone()), run(files, app.files, tls));
    tracing::info!("stopped");
    result.map(|_| ())
}
