//! `/settings`: the signed-in person's account: their API keys (create one,
//! its secret shown once with a `clearml.conf` snippet and the `CLEARML_*`
//! exports; revoke one), their password, and signing out everywhere.

use crate::api::users::{change_password, create_key, my_keys, revoke_key};
use crate::components::access::me;
use crate::components::error::ErrorBox;
use crate::error::AppError;
use crate::model::format::{fmt_opt_time, fmt_time};
use crate::model::user::{ApiKey, NewApiKey};
use leptos::prelude::*;
use leptos_meta::Title;

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let who = me();
    let version = RwSignal::new(0u64);
    let keys = Resource::new(move || version.get(), |_| my_keys(false));
    let create = Action::new(|_: &()| create_key());
    let revoke = Action::new(|key: &String| revoke_key(key.clone()));
    Effect::new(move |_| {
        if create.value().get().is_some() || revoke.value().get().is_some() {
            version.update(|v| *v += 1);
        }
    });
    let (name, login_role) = match &who {
        Some(m) => (m.name.clone(), format!("{} · {}", m.id, m.role.as_str())),
        None => (String::new(), String::new()),
    };
    view! {
        <Title text="Settings · Labbook"/>
        <h1>"Settings"</h1>
        <p><strong>{name}</strong>" "<span class="muted">{login_role}</span></p>
        <section aria-label="API keys">
            <h2>"API keys"</h2>
            <p class="muted">"For the clearml SDK, clearml-agent and labbook agent. A secret is shown only when the key is made."</p>
            <button type="button" class="primary" on:click=move |_| { create.dispatch(()); }
                disabled=move || create.pending().get()>"Create new key"</button>
            {move || create.value().get().map(|r| match r {
                Ok(k) => view! { <NewKey key=k/> }.into_any(),
                Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
            })}
            <KeyList keys revoke/>
        </section>
        <PasswordForm/>
        <section aria-label="sessions">
            <h2>"Sessions"</h2>
            <form method="post" action="/logout">
                <input type="hidden" name="everywhere" value="1"/>
                <button type="submit">"Sign out everywhere"</button>
                " "<span class="muted">"Ends every session of yours, in every browser."</span>
            </form>
        </section>
    }
}

/// A key just made: the only time its secret is on screen.
#[component]
fn NewKey(key: NewApiKey) -> impl IntoView {
    let conf = key.clearml_conf();
    let exports = key.exports();
    view! {
        <div class="new-key" role="status" data-testid="new-key">
            <p>"Copy the secret now: it will not be shown again."</p>
            <table class="fields"><tbody>
                <tr><th>"Access key"</th><td class="mono" data-testid="access-key">{key.access_key.clone()}</td></tr>
                <tr><th>"Secret key"</th><td class="mono" data-testid="secret-key">{key.secret_key.clone()}</td></tr>
            </tbody></table>
            <h3>"clearml.conf"</h3>
            <pre class="code" data-testid="clearml-conf">{conf}</pre>
            <h3>"Environment"</h3>
            <pre class="code" data-testid="exports">{exports}</pre>
        </div>
    }
}

/// The keys of `keys` as they load, and why a revoke failed.
#[component]
pub fn KeyList(
    keys: Resource<Result<Vec<ApiKey>, AppError>>,
    revoke: Action<String, Result<(), AppError>>,
) -> impl IntoView {
    view! {
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorBox message=e.user_message()/> })}
        <Transition fallback=|| view! { <p>"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) => view! { <KeyTable keys=list revoke/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Keys with their created and last-used times, each revocable.
#[component]
fn KeyTable(keys: Vec<ApiKey>, revoke: Action<String, Result<(), AppError>>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys."</p> }.into_any();
    }
    let rows = keys
        .into_iter()
        .map(|k| {
            let access = k.access_key.clone();
            view! {
                <tr data-key=k.access_key.clone()>
                    <td class="mono">{k.access_key.clone()}</td>
                    <td>{k.user.clone()}</td>
                    <td>{fmt_time(k.created)}</td>
                    <td>{fmt_opt_time(k.last_used)}</td>
                    <td><button type="button" class="danger" on:click=move |_| { revoke.dispatch(access.clone()); }>"Revoke"</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" aria-label="keys">
            <thead><tr><th>"Access key"</th><th>"User"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Changing one's own password (which signs out every session).
#[component]
fn PasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change = Action::new(|(c, n): &(String, String)| change_password(c.clone(), n.clone()));
    view! {
        <section aria-label="password">
            <h2>"Password"</h2>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                change.dispatch((current.get_untracked(), new.get_untracked()));
            }>
                <label class="field">"Current password"
                    <input type="password" name="current" autocomplete="current-password" prop:value=current
                        on:input=move |ev| current.set(event_target_value(&ev))/></label>
                <label class="field">"New password (10 characters or more)"
                    <input type="password" name="new" autocomplete="new-password" prop:value=new
                        on:input=move |ev| new.set(event_target_value(&ev))/></label>
                <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
            </form>
            {move || change.value().get().map(|r| match r {
                Ok(()) => view! { <p role="status">"Password changed. Every session has ended: "<a href="/login" rel="external">"sign in again"</a>"."</p> }.into_any(),
                Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
            })}
        </section>
    }
}
