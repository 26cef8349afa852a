//! The `labbook` command.

use clap::{Parser, Subcommand};
use labbook::server::config::Config;

/// Labbook: a self-hosted, ClearML-compatible experiment manager.
#[derive(Parser)]
#[command(name = "labbook", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app, the ClearML-compatible API and the fileserver.
    Serve(Config),
    /// Take tasks off queues and run them (a worker, like clearml-agent in venv mode).
    Agent(labbook::agent::AgentConfig),
    /// Manage the accounts that sign in and own API keys.
    User(labbook::server::accounts::UserArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LABBOOK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(config) => labbook::server::serve(config).await.map_err(|e| e.to_string()),
        Command::Agent(config) => labbook::agent::run(config).await,
        Command::User(args) => labbook::server::accounts::run(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("labbook: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
