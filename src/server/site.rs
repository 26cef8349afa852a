//! The built site's static files (WASM, JS, CSS, plotly.js): versioned
//! URLs and how long browsers may keep them.
//!
//! The pages link the app's bundle as `/pkg/<version>/labbook.js` (and
//! `.wasm`, `.css`), where `<version>` is a hash of the bundle's contents
//! ([`version`]). A new build therefore has new URLs, so a browser may keep
//! a file it has for a year without asking again ([`IMMUTABLE`]); plotly.js
//! is vendored under its version number (`/plotly-3.0.1.min.js`) for the
//! same reason. Everything else (the icon, the pages) is revalidated.
//!
//! Compression is done once, at build time (`cargo leptos build --release
//! --precompress` writes `.br` and `.gz` beside each file); the static file
//! handler sends those to a browser that accepts them.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The `Cache-Control` of files whose URL changes when they do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The `Cache-Control` of the other static files: kept, but checked first.
const REVALIDATE: &str = "no-cache";

/// Where the bundle's files are, below the site root.
pub const PKG_DIR: &str = "pkg";

/// The version of the bundle in `site_root`: the first 16 hex digits of a
/// SHA-256 over its files' names and contents, so every server process
/// serving the same build (replicas) names it alike. `"dev"` when there is
/// no bundle (the API alone, in tests).
pub fn version(site_root: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(site_root.join(PKG_DIR)) else { return "dev".to_owned() };
    let mut files: Vec<_> = entries.filter_map(Result::ok).filter(|e| e.path().is_file()).map(|e| e.path()).collect();
    files.sort();
    let mut hash = Sha256::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else { continue };
        hash.update(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    let digest = hash.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The bundle directory pages link to: `pkg/<version>`.
pub fn pkg_url_dir(version: &str) -> String {
    format!("{PKG_DIR}/{version}")
}

/// Whether `path` names a file whose name carries its version: the
/// bundle under `/pkg/<version>/`, or vendored `/plotly-<version>.min.js`.
fn is_versioned(path: &str, version: &str) -> bool {
    path.strip_prefix("/pkg/").and_then(|rest| rest.split_once('/')).is_some_and(|(v, _)| v == version)
        || (path.starts_with("/plotly-") && path.ends_with(".min.js"))
}

/// Middleware of the web router: maps `/pkg/<any version>/<file>` to the
/// file in the site's `pkg` directory (a page rendered by an older build
/// still gets a bundle, only not one cached for good), and gives static
/// files their `Cache-Control`.
pub async fn static_files(version: std::sync::Arc<str>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let versioned = is_versioned(&path, &version);
    if let Some((_, file)) = path.strip_prefix("/pkg/").and_then(|rest| rest.split_once('/')) {
        let mut target = format!("/{PKG_DIR}/{file}");
        if let Some(q) = req.uri().query() {
            target.push('?');
            target.push_str(q);
        }
        if let Ok(uri) = target.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    let is_static = path.starts_with("/pkg/") || versioned || path == "/favicon.svg";
    let mut res = next.run(req).await;
    if is_static && matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT) {
        let value = if versioned { IMMUTABLE } else { REVALIDATE };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        // The encoding chosen depends on what the browser accepts.
        res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_paths() {
        assert!(is_versioned("/pkg/abc/labbook.wasm", "abc"));
        assert!(!is_versioned("/pkg/old/labbook.wasm", "abc"));
        assert!(!is_versioned("/pkg/labbook.wasm", "abc"));
        assert!(is_versioned("/plotly-3.0.1.min.js", "abc"));
        assert!(!is_versioned("/favicon.svg", "abc"));
    }

    #[test]
    fn version_follows_contents() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(version(dir.path()), "dev");
        std::fs::create_dir(dir.path().join(PKG_DIR)).expect("pkg");
        std::fs::write(dir.path().join("pkg/labbook.js"), "a").expect("write");
        let first = version(dir.path());
        assert_eq!(first.len(), 16);
        assert_eq!(version(dir.path()), first);
        std::fs::write(dir.path().join("pkg/labbook.js"), "b").expect("write");
        assert_ne!(version(dir.path()), first);
    }
}
