//! Models for the models table.

use crate::error::AppError;
use crate::model::model::{ModelAction, ModelQuery, ModelTable};
use crate::model::table::ActionReport;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// A page of models for the models table.
#[server(prefix = "/rpc", endpoint = "list_models", input = Json)]
pub async fn list_models(query: ModelQuery) -> Result<ModelTable, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::models::table(&st, &actor, &query).await)
}

/// Publishes, archives or restores the given models; those it does not
/// apply to are reported as skipped.
#[server(prefix = "/rpc", endpoint = "run_model_action", input = Json)]
pub async fn run_model_action(action: ModelAction, ids: Vec<String>) -> Result<ActionReport, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::models::run_action(&st, &actor, action, &ids).await)
}
