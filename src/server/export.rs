//! Downloads: the CSV of an experiments table view (`/export/tasks.csv?<view>`:
//! the same filters, sort and columns as the page, every matching row) and a
//! task's whole console (`/export/console/<task>.txt`).

use crate::error::AppError;
use crate::model::format::{csv_line, fmt_duration, fmt_opt_time, fmt_time};
use crate::model::table::{Column, TableQuery, TableRow};
use crate::model::Actor;
use crate::server::ops;
use crate::server::state::AppState;
use crate::server::store::LogCursor;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::HashMap;

/// Most rows one export holds.
pub const MAX_EXPORT_ROWS: i64 = 100_000;

fn value(c: &Column, r: &TableRow) -> String {
    match c {
        Column::Id => r.id.clone(),
        Column::Name => r.name.clone(),
        Column::Type => r.task_type.as_str().into(),
        Column::Status => match r.progress {
            Some(p) => format!("{} ({p}%)", r.status.state().label()),
            None => r.status.state().label().into(),
        },
        Column::Tags => r.tags.join(";"),
        Column::User => r.user_name.clone(),
        Column::Started => fmt_opt_time(r.started),
        Column::Updated => fmt_time(r.last_update),
        Column::Iteration => r.last_iteration.to_string(),
        Column::Project => r.project_name.clone(),
        Column::Duration => r.duration.map(fmt_duration).unwrap_or_default(),
        other => r.cells.get(&other.key()).cloned().unwrap_or_default(),
    }
}

/// A plain-text error answer.
fn refusal(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, format!("{}\n", e.user_message())).into_response()
}

/// The CSV of a view; the view's query parameters plus `project`.
pub async fn tasks_csv(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = TableQuery::from_params(params.get("project").cloned(), |k| params.get(k).cloned());
    let query = TableQuery { page: 0, ..query };
    let rows = match ops::table::rows(&state, &actor, &query, MAX_EXPORT_ROWS).await {
        Ok((rows, _)) => rows,
        Err(e) if !e.is_internal() => {
            return (StatusCode::BAD_REQUEST, format!("cannot export this view: {}\n", e.user_message()))
                .into_response()
        }
        Err(e) => return refusal(&e),
    };
    let mut out = csv_line(query.columns.iter().map(Column::label));
    for r in &rows {
        out.push_str(&csv_line(query.columns.iter().map(|c| value(c, r))));
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"tasks.csv\""),
        ],
        out,
    )
        .into_response()
}

/// Console entries read per query while exporting.
const CONSOLE_BATCH: i64 = 10_000;

/// `/export/console/<task>.txt`: a task's whole console, oldest first, one
/// `<time> <level> <message>` block per entry.
pub async fn console_txt(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(file): Path<String>,
) -> Response {
    let task = file.strip_suffix(".txt").unwrap_or(&file).to_string();
    let mut out = String::new();
    let mut after = None;
    loop {
        let rows =
            match ops::events::log(&state, &actor, &task, LogCursor::After(after), CONSOLE_BATCH, &Default::default())
                .await
            {
                Ok((rows, _)) => rows,
                Err(AppError::NotFound { .. }) => {
                    return (StatusCode::NOT_FOUND, format!("no task {task}\n")).into_response()
                }
                Err(e) => return refusal(&e),
            };
        for (_, e) in &rows {
            out.push_str(&format!("{} {} {}\n", fmt_time(e.timestamp), e.level, e.msg.trim_end_matches('\n')));
        }
        match rows.last() {
            Some((id, _)) if rows.len() as i64 == CONSOLE_BATCH => after = Some(*id),
            _ => break,
        }
    }
    let disposition = format!("attachment; filename=\"{task}.txt\"");
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], out)
        .into_response()
}
