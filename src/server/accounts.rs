//! `labbook user …`: managing accounts from the command line, on the same
//! data directory or database `labbook serve` uses (it may be running).

use crate::model::{Actor, Role};
use crate::server::config::Config;
use crate::server::ops::users::{self, NewUser, UserChange};
use clap::{Args, Subcommand};

/// `labbook user`: the data directory (or database) and what to do.
#[derive(Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub action: UserAction,
}

/// What `labbook user` does.
#[derive(Subcommand)]
pub enum UserAction {
    /// Add a user; without --password one is generated and printed once.
    Add {
        login: String,
        /// The name the dashboard shows (default: the login).
        #[arg(long)]
        name: Option<String>,
        /// viewer, member or admin.
        #[arg(long, default_value = "member")]
        role: Role,
        #[arg(long, env = "LABBOOK_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List the users.
    List,
    /// Set a user's password; without --password one is generated and printed once.
    Passwd {
        login: String,
        #[arg(long, env = "LABBOOK_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable a user: they cannot sign in, and their keys and tokens stop working.
    Disable { login: String },
    /// Enable a disabled user again.
    Enable { login: String },
    /// Set a user's role (viewer, member or admin).
    Role { login: String, role: Role },
}

/// Runs a `labbook user` command; the error is the message to print.
pub async fn run(args: UserArgs) -> Result<(), String> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.config.web_port));
    let admin_password = args.config.admin_password.clone();
    let state = super::start(args.config, addr).await.map_err(|e| e.to_string())?;
    let (_, made) =
        users::ensure_first_admin(state.store.as_ref(), admin_password.as_deref()).await.map_err(|e| e.to_string())?;
    if let Some((u, Some(password))) = made {
        println!("Created the first admin '{}' with the password {password} (shown only this once).", u.login);
    }
    let me = Actor::server();
    let find = |login: String| {
        let state = state.clone();
        let me = me.clone();
        async move { users::by_login(&state, &me, &login).await.map_err(|e| e.to_string()) }
    };
    match args.action {
        UserAction::Add { login, name, role, password } => {
            let new = NewUser { login, display_name: name.unwrap_or_default(), role, password };
            let (u, generated) = users::create(&state, &me, &new).await.map_err(|e| e.user_message())?;
            println!("Added {} ({}, {}).", u.login, u.display_name, u.role.as_str());
            if let Some(p) = generated {
                println!("Password: {p} (shown only this once)");
            }
        }
        UserAction::List => {
            for u in users::list(&state, &me).await.map_err(|e| e.to_string())? {
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{:<24} {:<8} {:<9} {}", u.login, u.role.as_str(), state, u.display_name);
            }
        }
        UserAction::Passwd { login, password } => {
            let u = find(login).await?;
            let generated =
                users::set_password(&state, &me, &u.id, password.as_deref()).await.map_err(|e| e.user_message())?;
            println!("Password of {} changed.", u.login);
            if let Some(p) = generated {
                println!("Password: {p} (shown only this once)");
            }
        }
        UserAction::Disable { login } => {
            change(&state, &me, find(login).await?, UserChange { disabled: Some(true), ..Default::default() }).await?
        }
        UserAction::Enable { login } => {
            change(&state, &me, find(login).await?, UserChange { disabled: Some(false), ..Default::default() }).await?
        }
        UserAction::Role { login, role } => {
            change(&state, &me, find(login).await?, UserChange { role: Some(role), ..Default::default() }).await?
        }
    }
    Ok(())
}

async fn change(
    state: &crate::server::state::AppState,
    me: &Actor,
    user: crate::model::User,
    change: UserChange,
) -> Result<(), String> {
    let u = users::update(state, me, &user.id, &change).await.map_err(|e| e.user_message())?;
    let status = if u.disabled { "disabled" } else { "active" };
    println!("{}: {}, {}.", u.login, u.role.as_str(), status);
    Ok(())
}
