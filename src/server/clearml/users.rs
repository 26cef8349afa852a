//! `users.*`: who is asking, and the team's users (as ClearML's server
//! answers them; accounts are managed with `labbook user`).

use super::request::{project_fields, Req};
use super::wire;
use crate::error::AppResult;
use crate::model::Actor;
use crate::server::ops::users;
use crate::server::state::AppState;
use serde_json::{json, Value};

/// `users.get_current_user`: the caller, with ClearML's extra settings.
pub async fn get_current_user(state: &AppState, actor: &Actor, _req: Req) -> AppResult<Value> {
    let u = users::current(state, actor).await?;
    Ok(json!({"user": wire::user(&u), "getting_started": null, "settings": {"max_download_items": 1000}}))
}

/// `users.get_all`: every user, or those in `id`; `only_fields` projects.
pub async fn get_all(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let ids = req.str_list("id")?;
    let only = req.str_list("only_fields")?;
    let list: Vec<Value> = users::list(state, actor)
        .await?
        .iter()
        .filter(|u| ids.is_empty() || ids.contains(&u.id))
        .map(|u| project_fields(wire::user(u), &only))
        .collect();
    Ok(json!({"users": list}))
}

/// `users.get_by_id`: one user (400/301 for an unknown id).
pub async fn get_by_id(state: &AppState, actor: &Actor, req: Req) -> AppResult<Value> {
    let u = users::get(state, actor, &req.str("user")?).await?;
    Ok(json!({"user": wire::user(&u)}))
}
