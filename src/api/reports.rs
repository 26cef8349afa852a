//! Reports for the reports pages: the list, one report, its embedded
//! charts' data, and the changes the pages make.

use crate::error::AppError;
use crate::model::report::{ReportBlock, ReportCard, ReportQuery, ReportView, Widget, WidgetData};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What the report page does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportAction {
    Publish,
    Archive,
    Restore,
    /// Only an archived report is deleted, as in ClearML's web app.
    Delete,
}

/// The reports the reports page lists.
#[server(prefix = "/rpc", endpoint = "list_reports", input = Json)]
pub async fn list_reports(query: ReportQuery) -> Result<Vec<ReportCard>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::reports::list(&st, &actor, &query).await)
}

/// One report: its card, Markdown and rendered blocks.
#[server(prefix = "/rpc", endpoint = "get_report", input = Json)]
pub async fn get_report(id: String) -> Result<ReportView, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::reports::view(&st, &actor, &id).await)
}

/// Markdown as a report shows it (the editor's preview).
#[server(prefix = "/rpc", endpoint = "preview_report", input = Json)]
pub async fn preview_report(markdown: String) -> Result<Vec<ReportBlock>, AppError> {
    super::context()?;
    crate::model::report::check_report(None, Some(&markdown)).map_err(AppError::invalid)?;
    Ok(crate::server::ops::reports::render(&markdown))
}

/// What an embedded chart draws.
#[server(prefix = "/rpc", endpoint = "report_widget", input = Json)]
pub async fn report_widget(widget: Widget) -> Result<WidgetData, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::reports::widget_data(&st, &actor, &widget).await)
}

/// Creates an empty report in `project` (the top level for `None`);
/// answers its id.
#[server(prefix = "/rpc", endpoint = "create_report", input = Json)]
pub async fn create_report(name: String, project: Option<String>, comment: String) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    let new = crate::server::ops::reports::NewReport {
        name,
        comment: Some(comment),
        project: project.filter(|p| !p.is_empty()),
        ..Default::default()
    };
    super::answer(crate::server::ops::reports::create(&st, &actor, &new).await.map(|(id, _)| id))
}

/// Saves a report's name, description and text; answers it as shown.
#[server(prefix = "/rpc", endpoint = "save_report", input = Json)]
pub async fn save_report(id: String, name: String, comment: String, markdown: String) -> Result<ReportView, AppError> {
    let (st, actor) = super::context()?;
    let change = crate::server::ops::reports::ReportPatch {
        name: Some(name),
        comment: Some(comment),
        report: Some(markdown),
        ..Default::default()
    };
    let saved = crate::server::ops::reports::update(&st, &actor, &id, &change).await;
    super::answer(match saved {
        Ok(_) => crate::server::ops::reports::view(&st, &actor, &id).await,
        Err(e) => Err(e),
    })
}

/// Publishes, archives, restores or deletes a report.
#[server(prefix = "/rpc", endpoint = "run_report_action", input = Json)]
pub async fn run_report_action(id: String, action: ReportAction) -> Result<(), AppError> {
    use crate::server::ops::reports;
    let (st, actor) = super::context()?;
    super::answer(match action {
        ReportAction::Publish => reports::publish(&st, &actor, &id).await,
        ReportAction::Archive => reports::set_archived(&st, &actor, &id, true).await,
        ReportAction::Restore => reports::set_archived(&st, &actor, &id, false).await,
        ReportAction::Delete => match reports::get(&st, &actor, &id).await {
            Ok(r) if !r.is_archived() => Err(AppError::invalid("archive a report before deleting it")),
            Ok(_) => reports::delete(&st, &actor, &id, true).await,
            Err(e) => Err(e),
        },
    })
}
