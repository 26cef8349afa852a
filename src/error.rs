//! One error type for server functions, the UI and the REST layer.

use serde::{Deserialize, Serialize};

/// Everything that can go wrong, with a status per variant.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// 404: the thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// 400: the input is invalid; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// 409: the state of the thing does not allow this (e.g. an illegal
    /// status change, or a write based on an older revision).
    #[error("{0}")]
    Conflict(String),
    /// 401: missing or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 500: something broke inside; details are in the server log only.
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::Unauthorized(_) => 401,
            AppError::Internal => 500,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound("row".into()),
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}

/// Result alias for the whole crate.
pub type AppResult<T> = Result<T, AppError>;
