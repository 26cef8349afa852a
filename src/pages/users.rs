//! `/users` (admins): every account, with its role, a switch to disable it
//! and a password reset (the new password shown once); a form to add one;
//! and every API key on the server, each revocable.

use crate::api::users::{add_user, list_users, my_keys, reset_password, revoke_key, update_user};
use crate::components::error::ErrorBox;
use crate::error::AppError;
use crate::model::format::fmt_time;
use crate::model::user::ALL_ROLES;
use crate::model::{Access, Role, User};
use crate::pages::settings::KeyList;
use leptos::prelude::*;
use leptos_meta::Title;

/// A change the page asks for; answers what to tell the admin.
#[derive(Debug, Clone, PartialEq)]
enum UserOp {
    Add { login: String, display_name: String, role: Role },
    Role { id: String, role: Role },
    Disabled { id: String, disabled: bool },
    Reset { id: String, login: String },
}

impl UserOp {
    async fn perform(self) -> Result<String, AppError> {
        match self {
            UserOp::Add { login, display_name, role } => add_user(login, display_name, role)
                .await
                .map(|(u, p)| format!("Made {}. Their password (shown only now): {p}", u.login)),
            UserOp::Role { id, role } => update_user(id, None, Some(role), None)
                .await
                .map(|u| format!("{} is now a {}.", u.login, role.as_str())),
            UserOp::Disabled { id, disabled } => update_user(id, None, None, Some(disabled)).await.map(|u| {
                if disabled {
                    format!("{} is disabled: their sessions, keys and tokens stop working.", u.login)
                } else {
                    format!("{} is enabled again.", u.login)
                }
            }),
            UserOp::Reset { id, login } => {
                reset_password(id).await.map(|p| format!("New password for {login} (shown only now): {p}"))
            }
        }
    }
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let body = if crate::components::access::may(Access::Admin) {
        view! { <UserAdmin/> }.into_any()
    } else {
        view! { <ErrorBox message="Only an admin can manage users.".to_string()/> }.into_any()
    };
    view! {
        <Title text="Users · Labbook"/>
        <h1>"Users"</h1>
        {body}
    }
}

#[component]
fn UserAdmin() -> impl IntoView {
    let version = RwSignal::new(0u64);
    let users = Resource::new(move || version.get(), |_| list_users());
    let keys = Resource::new(move || version.get(), |_| my_keys(true));
    let act = Action::new(|op: &UserOp| op.clone().perform());
    let revoke = Action::new(|key: &String| revoke_key(key.clone()));
    Effect::new(move |_| {
        if act.value().get().is_some() || revoke.value().get().is_some() {
            version.update(|v| *v += 1);
        }
    });
    let login = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    view! {
        <form class="inline-form" aria-label="new user" on:submit=move |ev| {
            ev.prevent_default();
            act.dispatch(UserOp::Add { login: login.get_untracked(), display_name: display.get_untracked(), role: role.get_untracked() });
        }>
            <label class="field">"Login"<input name="login" prop:value=login on:input=move |ev| login.set(event_target_value(&ev))/></label>
            <label class="field">"Display name"<input name="display_name" prop:value=display on:input=move |ev| display.set(event_target_value(&ev))/></label>
            <label class="field">"Role"
                <select name="role" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(Role::Viewer))>
                    {ALL_ROLES.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Member>{r.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="primary" disabled=move || act.pending().get()>"Add user"</button>
        </form>
        {move || act.value().get().map(|r| match r {
            Ok(msg) => view! { <p role="status" data-testid="user-message">{msg}</p> }.into_any(),
            Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! { <UserTable users=list act/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Every API key"</h2>
        <KeyList keys revoke/>
    }
}

#[component]
fn UserTable(users: Vec<User>, act: Action<UserOp, Result<String, AppError>>) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|u| {
            let (id1, id2, id3) = (u.id.clone(), u.id.clone(), u.id.clone());
            let login = u.login.clone();
            let disabled = u.disabled;
            let current = u.role;
            view! {
                <tr data-login=u.login.clone()>
                    <td class="mono">{u.login.clone()}</td>
                    <td>{u.display_name.clone()}</td>
                    <td>
                        <select aria-label=format!("Role of {}", u.login) on:change=move |ev| {
                            if let Ok(role) = event_target_value(&ev).parse() {
                                act.dispatch(UserOp::Role { id: id1.clone(), role });
                            }
                        }>
                            {ALL_ROLES.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </td>
                    <td>{if disabled { "disabled" } else { "active" }}</td>
                    <td>{fmt_time(u.created)}</td>
                    <td>
                        <button type="button" on:click=move |_| { act.dispatch(UserOp::Disabled { id: id2.clone(), disabled: !disabled }); }>
                            {if disabled { "Enable" } else { "Disable" }}
                        </button>
                        " "
                        <button type="button" on:click=move |_| { act.dispatch(UserOp::Reset { id: id3.clone(), login: login.clone() }); }>
                            "Reset password"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" aria-label="users">
            <thead><tr><th>"Login"</th><th>"Name"</th><th>"Role"</th><th>"State"</th><th>"Created"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
