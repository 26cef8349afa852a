//! One error type for every request path: the ClearML API, the server
//! functions behind the web UI, and the UI itself, which receives it whole
//! (through [`FromServerFnError`]) and can tell a stale form from a refused
//! status change or a missing task.
//!
//! Each variant is one kind of failure and knows its HTTP status and its
//! ClearML subcode (`../shared/clearml-api.md` §1.5, and ClearML server's
//! `errors.conf` where that table stops). The message of a variant is the
//! one the ClearML API answers with; internals are logged where they happen
//! and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The kind of thing an id names, for "no such …" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Noun {
    Task,
    Project,
    Model,
    Queue,
    User,
}

impl Noun {
    /// The lower-case name (`task`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Noun::Task => "task",
            Noun::Project => "project",
            Noun::Model => "model",
            Noun::Queue => "queue",
            Noun::User => "user",
        }
    }

    /// ClearML's "invalid … id" subcode. The SDK relies on 201 (a model
    /// already deleted) and 701 (a queue name tried as an id).
    fn subcode(self) -> u32 {
        match self {
            Noun::Task => 101,
            Noun::Project => 401,
            Noun::Model => 201,
            Noun::Queue => 701,
            Noun::User => 301,
        }
    }
}

/// A problem with one field of a form: its key in the form (`name`,
/// `hp.3`, `hp.3.name`, `config.1`) and the message shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Why a caller was not let in (ClearML's 401 subcodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthFailure {
    /// No credentials at all (401/20).
    Missing,
    /// Credentials that cannot be read (401/21).
    Malformed,
    /// An unknown key or a wrong secret (401/22).
    Invalid,
    /// A token that is forged, malformed or expired (401/30).
    BadToken,
    /// 401/31: the token's key was revoked or its user disabled.
    Blocked,
}

impl AuthFailure {
    fn subcode(self) -> u32 {
        match self {
            AuthFailure::Missing => 20,
            AuthFailure::Malformed => 21,
            AuthFailure::Invalid => 22,
            AuthFailure::BadToken => 30,
            AuthFailure::Blocked => 31,
        }
    }
}

/// Everything that can go wrong on a request path, one variant per kind.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// 400/11: a required field is missing.
    #[error("Validation error (missing required field: {field})")]
    MissingField { field: String },
    /// 400/12: a value has the wrong type or is out of range; the message says how.
    #[error("Validation error ({message})")]
    Invalid { message: String },
    /// 400/12: fields of a form are invalid, each with its message.
    #[error("Validation error ({})", .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<FieldError>),
    /// 400/101, 201, 401 or 701: no such task, model, project or queue.
    #[error("invalid {} id", .noun.as_str())]
    NotFound { noun: Noun, id: String },
    /// 400/110: the task's status does not allow this.
    #[error("invalid task status ({message})")]
    InvalidStatus {
        message: String,
        /// The task's status (wire name).
        status: String,
        /// For a refused status change: the task and the status asked for.
        change: Option<(String, String)>,
    },
    /// 400/407: a project path with an empty segment.
    #[error("invalid project name ({message})")]
    InvalidProjectName { name: String, message: String },
    /// 400/402, 405, 406 or 413: a project still holds tasks, models,
    /// datasets or running pipelines (not counting archived ones).
    #[error(
        "project '{name}' is not empty ({count} {holds}): \
         pass force (with delete_contents to delete them, or move_to to move them)"
    )]
    ProjectNotEmpty { name: String, holds: crate::model::project::ProjectHolds, count: usize },
    /// 400/150: a `reports.*` call on a task that is not a report.
    #[error("passed task is not report ({id})")]
    NotAReport { id: String },
    /// 400/408: `projects.update` cannot give a project another parent.
    #[error("Cannot update project location. Use projects.move instead ({message})")]
    ProjectLocation { message: String },
    /// 400/203: the model is published already.
    #[error("model is ready ({id} is published already)")]
    ModelIsReady { id: String },
    /// 400/206: the published task that created the model still exists.
    #[error("task that created this model exists (model {id} is the output of published task {task}: use force)")]
    ModelCreatingTaskExists { id: String, task: String },
    /// 400/123: the task has published outputs (or children) and no force.
    #[error("task cannot be deleted ({id} {reason}, use force)")]
    TaskCannotBeDeleted { id: String, reason: String },
    /// 400/410 or 400/412: a project cannot be merged into itself or into
    /// one of its own sub-projects.
    #[error("project cannot be merged ({message})")]
    ProjectMerge { message: String, into_child: bool },
    /// 400/160: deleting these runs would leave the pipeline without any.
    #[error("at least one pipeline run should be left (project {project})")]
    CannotRemoveAllRuns { project: String },
    /// 400/16: a value out of range for its field.
    #[error("invalid value for fields ({message})")]
    FieldsValue { message: String },
    /// 400/1005: no worker statistics to answer from.
    #[error("worker stats not found (for workers {workers:?})")]
    WorkerStatsNotFound { workers: Vec<String> },
    /// 400/702: tasks still wait in the queue.
    #[error("queue '{name}' is not empty: {waiting} tasks wait in it (use force to delete it)")]
    QueueNotEmpty { name: String, waiting: usize },
    /// 400/703: the task does not wait in that queue.
    #[error("task {task} is not waiting in queue '{queue_name}'")]
    NotQueued { queue: String, queue_name: String, task: String },
    /// 400/707: no queue carries the `default` system tag.
    #[error("no default queue")]
    NoDefaultQueue,
    /// 400/801: a name (or other unique value) is taken.
    #[error("value already exists ({what})")]
    Duplicate { what: String, name: Option<String> },
    /// 400/131: no event of a batch could be stored.
    #[error("events not added (no usable event in the batch ({errors} error(s)))")]
    EventsNotAdded { errors: usize, errors_info: BTreeMap<String, String> },
    /// 409: the task changed since the form it is saved from was read.
    #[error("the task was changed by someone else since it was read (it is now at revision {current})")]
    Stale { current: i64 },
    /// 409: another writer kept changing the task while this change was tried.
    #[error("the task kept changing while this update was applied; retry")]
    Contended,
    /// 401: missing or wrong credentials, or a bad token.
    #[error("{message}")]
    Unauthorized { failure: AuthFailure, message: String },
    /// 403/21: the caller's role may read but not change (a viewer).
    #[error("forbidden (modification not allowed): {message}")]
    NoWritePermission { message: String },
    /// 403/20: the caller's role may not do this at all (not an admin).
    #[error("forbidden (not allowed for role): {message}")]
    RoleNotAllowed { message: String },
    /// 429: too many failed logins for this key; try again later.
    #[error("too many failed logins for this access key; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: i64 },
    /// 404/0: no such ClearML endpoint (the real server's wording).
    #[error("Unable to find endpoint for name {name} and version {version}")]
    NoEndpoint { name: String, version: String },
    /// The request body was refused before it was read (too large, …).
    #[error("{message}")]
    BodyRejected { status: u16, message: String },
    /// The browser could not reach the server, or could not read its answer.
    #[error("{0}")]
    Transport(String),
    /// 500: something broke inside; the details are in the server log only.
    #[error("Internal server error")]
    Internal,
}

impl AppError {
    /// 400/12 with this message.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid { message: message.into() }
    }

    /// 400/11 for this field.
    pub fn missing(field: impl Into<String>) -> AppError {
        AppError::MissingField { field: field.into() }
    }

    /// No such thing with this id.
    pub fn not_found(noun: Noun, id: impl Into<String>) -> AppError {
        AppError::NotFound { noun, id: id.into() }
    }

    /// 400/110: the status `status` does not allow what `message` says.
    pub fn invalid_status(message: impl Into<String>, status: impl Into<String>) -> AppError {
        AppError::InvalidStatus { message: message.into(), status: status.into(), change: None }
    }

    /// 400/801: a `noun` called `name` exists already.
    pub fn duplicate(noun: Noun, name: impl Into<String>) -> AppError {
        let name = name.into();
        AppError::Duplicate { what: format!("a {} named '{name}' exists", noun.as_str()), name: Some(name) }
    }

    /// 401 with ClearML's message for `failure`, and why in brackets.
    pub fn unauthorized(failure: AuthFailure, why: impl std::fmt::Display) -> AppError {
        AppError::Unauthorized { failure, message: format!("Unauthorized ({why})") }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Stale { .. } | AppError::Contended => 409,
            AppError::Unauthorized { .. } => 401,
            AppError::NoWritePermission { .. } | AppError::RoleNotAllowed { .. } => 403,
            AppError::TooManyAttempts { .. } => 429,
            AppError::NoEndpoint { .. } => 404,
            AppError::BodyRejected { status, .. } => *status,
            AppError::Transport(_) | AppError::Internal => 500,
            _ => 400,
        }
    }

    /// The ClearML `result_subcode`.
    pub fn subcode(&self) -> u32 {
        match self {
            AppError::MissingField { .. } => 11,
            AppError::Invalid { .. } | AppError::InvalidFields(_) => 12,
            AppError::NotFound { noun, .. } => noun.subcode(),
            AppError::InvalidStatus { .. } => 110,
            AppError::InvalidProjectName { .. } => 407,
            AppError::ProjectNotEmpty { holds, .. } => holds.subcode(),
            AppError::ModelIsReady { .. } => 203,
            AppError::ProjectLocation { .. } => 408,
            AppError::NotAReport { .. } => 150,
            AppError::ModelCreatingTaskExists { .. } => 206,
            AppError::TaskCannotBeDeleted { .. } => 123,
            AppError::CannotRemoveAllRuns { .. } => 160,
            AppError::FieldsValue { .. } => 16,
            AppError::WorkerStatsNotFound { .. } => 1005,
            AppError::ProjectMerge { into_child: false, .. } => 410,
            AppError::ProjectMerge { into_child: true, .. } => 412,
            AppError::QueueNotEmpty { .. } => 702,
            AppError::NotQueued { .. } => 703,
            AppError::NoDefaultQueue => 707,
            AppError::Duplicate { .. } => 801,
            AppError::EventsNotAdded { .. } => 131,
            AppError::Unauthorized { failure, .. } => failure.subcode(),
            AppError::RoleNotAllowed { .. } => 20,
            AppError::NoWritePermission { .. } => 21,
            AppError::Stale { .. }
            | AppError::Contended
            | AppError::TooManyAttempts { .. }
            | AppError::NoEndpoint { .. }
            | AppError::BodyRejected { .. }
            | AppError::Transport(_)
            | AppError::Internal => 0,
        }
    }

    /// The ClearML `error_data`: the ids and counts a client may act on.
    pub fn data(&self) -> Value {
        match self {
            AppError::MissingField { field } => json!({"field": field}),
            AppError::InvalidFields(fields) => json!({"fields": fields}),
            AppError::NotFound { id, .. } => json!({"id": id}),
            AppError::InvalidStatus { status, change: Some((id, to)), .. } => {
                json!({"id": id, "status": status, "new_status": to})
            }
            AppError::InvalidStatus { status, change: None, .. } => json!({"status": status}),
            AppError::InvalidProjectName { name, .. } => json!({"name": name}),
            AppError::ProjectNotEmpty { holds, count, .. } => json!({holds.to_string(): count}),
            AppError::NotQueued { queue, task, .. } => json!({"queue": queue, "task": task}),
            AppError::TaskCannotBeDeleted { id, .. } => json!({"task": id}),
            AppError::Duplicate { name: Some(name), .. } => json!({"name": name}),
            AppError::EventsNotAdded { errors, errors_info } => json!({"errors": errors, "errors_info": errors_info}),
            AppError::Stale { current } => json!({"revision": current}),
            AppError::TooManyAttempts { retry_after_secs } => json!({"retry_after": retry_after_secs}),
            _ => json!({}),
        }
    }

    /// The message for a person reading the web UI: the API's message,
    /// without the ClearML wrapping where that only gets in the way.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Invalid { message }
            | AppError::InvalidStatus { message, .. }
            | AppError::InvalidProjectName { message, .. } => message.clone(),
            AppError::InvalidFields(fields) => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "),
            AppError::NotFound { noun, id } => {
                format!("There is no {} with id {id} (it may have been deleted).", noun.as_str())
            }
            AppError::Transport(m) => format!("The server could not be reached, or its answer not read: {m}"),
            other => other.to_string(),
        }
    }

    /// The HTTP status of a web page that shows this error: 404 for
    /// something unknown (the ClearML API answers those with 400 and a
    /// subcode), else [`AppError::status`].
    pub fn page_status(&self) -> u16 {
        match self {
            AppError::NotFound { .. } => 404,
            other => other.status(),
        }
    }

    /// Whether the server itself failed (rather than the request).
    pub fn is_internal(&self) -> bool {
        self.status() >= 500
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> AppError {
        match e {
            // The browser sent arguments the server cannot read.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => AppError::invalid(m),
            // On the server, what cannot be decoded is a call's JSON arguments.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => AppError::invalid(format!("the arguments cannot be read: {m}")),
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// Database errors by kind: a unique violation is a duplicate; anything
    /// else is logged and answered as an internal error.
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error() {
            if db.kind() == sqlx::error::ErrorKind::UniqueViolation {
                let what = db.constraint().or(db.table()).unwrap_or("a unique field");
                return AppError::Duplicate { what: format!("{what} already holds this value"), name: None };
            }
        }
        tracing::error!(error = %e, "database error");
        AppError::Internal
    }
}

/// Result alias for the whole crate.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_clearml_code() {
        let cases = [
            (AppError::missing("task"), 400, 11),
            (AppError::invalid("x"), 400, 12),
            (AppError::not_found(Noun::Task, "t"), 400, 101),
            (AppError::not_found(Noun::Model, "m"), 400, 201),
            (AppError::not_found(Noun::Project, "p"), 400, 401),
            (AppError::not_found(Noun::Queue, "q"), 400, 701),
            (AppError::invalid_status("no", "published"), 400, 110),
            (AppError::InvalidProjectName { name: "/".into(), message: "empty".into() }, 400, 407),
            (AppError::duplicate(Noun::Project, "a"), 400, 801),
            (AppError::EventsNotAdded { errors: 1, errors_info: BTreeMap::new() }, 400, 131),
            (AppError::NoDefaultQueue, 400, 707),
            (AppError::unauthorized(AuthFailure::BadToken, "expired"), 401, 30),
            (AppError::Stale { current: 3 }, 409, 0),
            (AppError::Internal, 500, 0),
        ];
        for (e, status, sub) in cases {
            assert_eq!((e.status(), e.subcode()), (status, sub), "{e:?}");
        }
        assert_eq!(AppError::not_found(Noun::Queue, "default").to_string(), "invalid queue id");
        assert_eq!(AppError::not_found(Noun::Queue, "default").data(), json!({"id": "default"}));
    }

    #[test]
    fn errors_travel_to_the_browser_whole() {
        let e = AppError::Stale { current: 7 };
        let back = AppError::de(e.ser());
        assert_eq!(back, e);
        let e = AppError::InvalidFields(vec![FieldError::new("name", "too short")]);
        assert_eq!(AppError::de(e.ser()), e);
    }
}
