//! The fileserver (clearml-api.md §10): multipart upload to `/` with the
//! target path as the field name, download by path (with range requests),
//! delete by path. Every request needs the API's Bearer token; no path may
//! leave the storage root.

use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::path::{Component, PathBuf};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The largest upload accepted (models can be large).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024 * 1024;

/// The fileserver as a router, for the files port and `/files` on the web port.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(health).post(upload))
        .route("/{*path}", get(download).delete(remove))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

/// Turns a client path into a relative path under the storage root, or
/// refuses it: empty, `..`, `.`, absolute or drive-prefixed parts are errors.
pub fn safe_relative_path(raw: &str) -> Result<PathBuf, String> {
    let trimmed = raw.trim_start_matches('/');
    if trimmed.is_empty() {
        return Err("empty file path".into());
    }
    if trimmed.contains('\0') || trimmed.contains('\\') {
        return Err(format!("invalid character in file path '{raw}'"));
    }
    let mut out = PathBuf::new();
    for c in std::path::Path::new(trimmed).components() {
        match c {
            Component::Normal(p) => out.push(p),
            _ => return Err(format!("file path '{raw}' must stay inside the storage root (no '..' or '.')")),
        }
    }
    if trimmed.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err(format!("file path '{raw}' must stay inside the storage root (no '..' or '.')"));
    }
    Ok(out)
}

/// Checks the Bearer token (and that its key and user are in good
/// standing) and that its user may do what needs `access`; the error is
/// the status and message to answer with.
async fn check_token(
    state: &AppState,
    headers: &HeaderMap,
    access: crate::model::Access,
) -> Result<(), (StatusCode, String)> {
    let refused = |e: crate::error::AppError| {
        (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED), e.to_string())
    };
    let actor = crate::server::clearml::authenticate(state, headers).await.map_err(refused)?;
    actor.require(access).map_err(refused)
}

/// `GET /`: the health check of the real fileserver.
pub async fn health() -> &'static str {
    "OK"
}

/// `POST /`: one part per file, the field name being the target path.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Who is asking comes first: a stranger learns nothing about the body.
    if let Err((status, msg)) = check_token(&state, &headers, crate::model::Access::Write).await {
        return error(status, msg);
    }
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return error(e.status(), format!("expected a multipart upload: {e}")),
    };
    let mut stored: Vec<String> = Vec::new();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("malformed multipart body: {e}")),
        };
        let Some(name) = field.name().map(str::to_string) else {
            return error(StatusCode::BAD_REQUEST, "a multipart part has no name (the target path)");
        };
        let rel = match safe_relative_path(&name) {
            Ok(p) => p,
            Err(e) => return error(StatusCode::BAD_REQUEST, e),
        };
        let dest = state.files_dir.join(&rel);
        let tmp = dest.with_file_name(format!(
            ".{}.{}.part",
            dest.file_name().and_then(|n| n.to_str()).unwrap_or("upload"),
            crate::server::clock::new_id()
        ));
        let write = async {
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            let mut f = tokio::fs::File::create(&tmp).await?;
            while let Some(chunk) =
                field.chunk().await.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?
            {
                f.write_all(&chunk).await?;
            }
            // Acknowledge only what is on disk.
            f.sync_all().await?;
            tokio::fs::rename(&tmp, &dest).await?;
            Ok::<(), std::io::Error>(())
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            tracing::error!(path = %dest.display(), error = %e, "upload failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, format!("could not store '{name}'"));
        }
        stored.push(rel.to_string_lossy().into_owned());
    }
    if stored.is_empty() {
        return error(StatusCode::BAD_REQUEST, "no file in the upload");
    }
    Json(stored).into_response()
}

async fn download(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    if let Err((status, msg)) = check_token(&state, req.headers(), crate::model::Access::Read).await {
        return error(status, msg);
    }
    serve(&state, &path, query.as_deref(), req).await
}

/// `GET /media/<path>` on the web port: the stored files for the web UI
/// (debug samples, artifact downloads). The dashboard itself needs no login
/// (see the README), so neither do the files it shows; the API's and the
/// fileserver's own ports keep requiring a token.
pub async fn media(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    serve(&state, &path, query.as_deref(), req).await
}

/// Where a stored file's URL (as the SDK recorded it) is served to the
/// browser: `/media/<path>` when it points into this server's file store
/// (its files port or the web port's `/files`), else the URL itself.
pub fn media_url(state: &AppState, url: &str) -> String {
    let cfg = &state.config;
    let prefixes = [format!("{}/", cfg.files_url()), format!("{}/files/", cfg.web_url())];
    let rest = prefixes.iter().find_map(|p| url.strip_prefix(p.as_str())).or_else(|| {
        // The SDK may have used another host name for this server: trust the
        // path when such a file exists here.
        let path = url.split_once("://").map(|(_, r)| r.split_once('/').map_or("", |(_, p)| p))?;
        let path = path.strip_prefix("files/").unwrap_or(path);
        safe_relative_path(path).ok().filter(|p| state.files_dir.join(p).is_file()).map(|_| path)
    });
    match rest {
        Some(rest) => format!("/media/{}", rest.split(['?', '#']).next().unwrap_or(rest)),
        None => url.to_string(),
    }
}

/// Sends the stored file at `path` (`?download` makes it an attachment).
async fn serve(state: &AppState, path: &str, query: Option<&str>, req: Request) -> Response {
    let rel = match safe_relative_path(path) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let full = state.files_dir.join(&rel);
    if !tokio::fs::metadata(&full).await.map(|m| m.is_file()).unwrap_or(false) {
        return error(StatusCode::NOT_FOUND, format!("no file at '{path}'"));
    }
    let mut resp = match ServeFile::new(&full).oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    // Stored files are the team's uploads, not the dashboard's code: never
    // sniffed into another type, and run (html, svg) only in a sandbox
    // with an opaque origin, so a script in one cannot act as the
    // signed-in dashboard.
    let headers = resp.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if query.is_some_and(|q| q.split('&').any(|p| p == "download" || p.starts_with("download="))) {
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("download").replace('"', "");
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    } else {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox allow-scripts"));
    }
    resp
}

async fn remove(State(state): State<AppState>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    if let Err((status, msg)) = check_token(&state, &headers, crate::model::Access::Write).await {
        return error(status, msg);
    }
    let rel = match safe_relative_path(&path) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match tokio::fs::remove_file(state.files_dir.join(&rel)).await {
        Ok(()) => Json(rel.to_string_lossy().into_owned()).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, format!("no file at '{path}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        assert_eq!(
            safe_relative_path("/demo/run.abc/artifacts/a/a.json").unwrap(),
            PathBuf::from("demo/run.abc/artifacts/a/a.json")
        );
        assert_eq!(safe_relative_path("/with space/x.txt").unwrap(), PathBuf::from("with space/x.txt"));
        for bad in ["/../etc/passwd", "/a/../../b", "", "/", "/a/./b", "/a\\..\\b", "/a/\0"] {
            assert!(safe_relative_path(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
