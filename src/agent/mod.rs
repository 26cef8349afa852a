//! `labbook agent`: a queue worker that runs enqueued tasks the way
//! clearml-agent does in venv mode (clearml-api.md §6): it takes a task off
//! a queue, checks out its code, prepares a cached virtual environment,
//! runs the entry point with the variables that make the SDK use that task
//! (§6.3), streams the output to the task's console, reports itself as a
//! worker, stops the process when the task is aborted (§6.4) and marks the
//! task completed or failed.

pub mod client;
pub mod console;
pub mod machine;
pub mod process;
pub mod runner;
pub mod venv;
pub mod workspace;

use clap::Args;
use client::Api;
use console::Console;
use runner::{Outcome, Run};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use venv::Environments;
use workspace::TaskCode;

/// How `labbook agent` runs.
#[derive(Clone, Debug, Args)]
pub struct AgentConfig {
    /// A queue to take tasks from (by name); repeat it for several, the
    /// first has priority.
    #[arg(long = "queue", default_values_t = [crate::model::DEFAULT_QUEUE.to_string()])]
    pub queues: Vec<String>,
    /// How many tasks to run at once; each is a worker of its own.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// The ClearML-compatible API of the server.
    #[arg(long, env = "CLEARML_API_HOST", default_value = "http://127.0.0.1:8008")]
    pub api_host: String,
    /// The web app, passed on to tasks.
    #[arg(long, env = "CLEARML_WEB_HOST")]
    pub web_host: Option<String>,
    /// The fileserver, passed on to tasks.
    #[arg(long, env = "CLEARML_FILES_HOST")]
    pub files_host: Option<String>,
    /// The API access key.
    #[arg(long, env = "CLEARML_API_ACCESS_KEY")]
    pub access_key: String,
    /// The API secret key.
    #[arg(long, env = "CLEARML_API_SECRET_KEY", hide_env_values = true)]
    pub secret_key: String,
    /// The worker name; workers are `<name>:0`, `<name>:1`, … (default: the host name).
    #[arg(long, env = "LABBOOK_AGENT_NAME")]
    pub name: Option<String>,
    /// Where checkouts and cached environments live (default: ~/.labbook-agent).
    #[arg(long, env = "LABBOOK_AGENT_DIR")]
    pub work_dir: Option<PathBuf>,
    /// The Python interpreter environments are made from.
    #[arg(long, env = "LABBOOK_AGENT_PYTHON", default_value = "python3")]
    pub python: String,
    /// Run tasks with --python itself instead of an environment built from
    /// their requirements (like CLEARML_AGENT_SKIP_PIP_VENV_INSTALL).
    #[arg(long, env = "LABBOOK_AGENT_REUSE_PYTHON")]
    pub reuse_python: bool,
    /// Seconds between polls of empty queues, and of a running task's status.
    #[arg(long, default_value_t = 1.0)]
    pub poll_interval: f64,
    /// Seconds between status reports of a worker.
    #[arg(long, default_value_t = 10.0)]
    pub report_interval: f64,
    /// Seconds an aborted task's processes get between SIGTERM and SIGKILL.
    #[arg(long, default_value_t = 3.0)]
    pub stop_grace: f64,
}

fn seconds(what: &str, v: f64) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v < 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!("--{what} must be a number of seconds above 0, got {v}"))
    }
}

/// The checked settings every worker of the agent shares.
struct AgentSettings {
    config: AgentConfig,
    queues: Vec<(String, String)>,
    work_dir: PathBuf,
    envs: Environments,
    poll: Duration,
    report: Duration,
    grace: Duration,
}

/// Runs the agent until SIGINT or SIGTERM; the tasks it is running then are
/// stopped and marked failed, and its workers unregister.
pub async fn run(config: AgentConfig) -> Result<(), String> {
    if config.workers == 0 {
        return Err("--workers must be at least 1".into());
    }
    let (poll, report, grace) = (
        seconds("poll-interval", config.poll_interval)?,
        seconds("report-interval", config.report_interval)?,
        seconds("stop-grace", config.stop_grace)?,
    );
    let work_dir = match &config.work_dir {
        Some(d) => d.clone(),
        None => PathBuf::from(std::env::var("HOME").map_err(|_| "set HOME or --work-dir")?).join(".labbook-agent"),
    };
    let api = Api::new(&config.api_host, &config.access_key, &config.secret_key).map_err(|e| e.to_string())?;
    let mut queues = Vec::new();
    for name in &config.queues {
        queues.push((resolve_queue(&api, name).await?, name.clone()));
    }
    let envs =
        Environments { root: work_dir.join("venvs"), python: config.python.clone(), reuse_python: config.reuse_python };
    let name = config.name.clone().unwrap_or_else(host_name);
    let shared = Arc::new(AgentSettings { config, queues, work_dir, envs, poll, report, grace });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        crate::server::shutdown_signal().await;
        tracing::info!("shutting down: stopping running tasks");
        let _ = stop_tx.send(true);
    });
    let workers: Vec<_> = (0..shared.config.workers)
        .map(|i| {
            let worker = QueueWorker {
                id: format!("{name}:{i}"),
                api: api.as_worker(&format!("{name}:{i}")),
                shared: shared.clone(),
            };
            tokio::spawn(worker.run(stop_rx.clone()))
        })
        .collect();
    let names: Vec<&str> = shared.queues.iter().map(|(_, n)| n.as_str()).collect();
    tracing::info!(workers = shared.config.workers, queues = ?names, server = %shared.config.api_host, "labbook agent started");
    for w in workers {
        if let Err(e) = w.await {
            tracing::error!(error = %e, "a worker ended abnormally");
        }
    }
    Ok(())
}

/// The id of the queue called `name` (or with that id).
async fn resolve_queue(api: &Api, name: &str) -> Result<String, String> {
    let pattern = format!("^{}$", regex::escape(name));
    let reply = api
        .call("queues.get_all", json!({"name": pattern, "only_fields": ["id", "name"]}))
        .await
        .map_err(|e| format!("cannot list queues: {e}"))?;
    if let Some(id) = reply.pointer("/queues/0/id").and_then(Value::as_str) {
        return Ok(id.to_string());
    }
    match api.call("queues.get_by_id", json!({"queue": name})).await {
        Ok(q) => Ok(q.pointer("/queue/id").and_then(Value::as_str).unwrap_or(name).to_string()),
        Err(_) => Err(format!("there is no queue named {name:?}")),
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "labbook-agent".into())
}

/// One worker: takes one task at a time.
struct QueueWorker {
    id: String,
    api: Api,
    shared: Arc<AgentSettings>,
}

/// The task a worker runs and the queue it came from.
type Current = Option<(String, String)>;

impl QueueWorker {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let queue_ids: Vec<&str> = self.shared.queues.iter().map(|(id, _)| id.as_str()).collect();
        if let Err(e) =
            self.api.call_retrying("workers.register", json!({"worker": self.id, "queues": queue_ids})).await
        {
            tracing::error!(worker = %self.id, error = %e, "cannot register");
            return;
        }
        let (current_tx, current_rx) = watch::channel::<Current>(None);
        let heartbeat = tokio::spawn(heartbeat(self.api.clone(), self.shared.clone(), current_rx, stop.clone()));
        while !*stop.borrow() {
            match self.next_task().await {
                Some((task, queue)) => {
                    let _ = current_tx.send(Some((task.clone(), queue.clone())));
                    self.run_task(&task, &mut stop).await;
                    let _ = current_tx.send(None);
                }
                None => {
                    tokio::select! {
                        _ = tokio::time::sleep(self.shared.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
        heartbeat.abort();
        let _ = self.api.call("workers.unregister", json!({"worker": self.id, "queues": []})).await;
        tracing::info!(worker = %self.id, "unregistered");
    }

    /// The first waiting task of the first queue that has one.
    async fn next_task(&self) -> Option<(String, String)> {
        for (queue, name) in &self.shared.queues {
            match self.api.call("queues.get_next_task", json!({"queue": queue})).await {
                Ok(reply) => {
                    if let Some(task) = reply.pointer("/entry/task").and_then(Value::as_str) {
                        return Some((task.to_string(), queue.clone()));
                    }
                }
                Err(e) => tracing::warn!(worker = %self.id, queue = %name, error = %e, "polling the queue failed"),
            }
        }
        None
    }

    /// Runs one task taken off a queue and sets its final status.
    async fn run_task(&self, task: &str, stop: &mut watch::Receiver<bool>) {
        let api = &self.api;
        let started = api
            .call_retrying(
                "tasks.started",
                json!({"task": task, "force": true, "status_reason": "pulled by labbook agent",
                       "status_message": format!("Changed by labbook agent {}", self.id)}),
            )
            .await;
        if let Err(e) = started {
            tracing::warn!(worker = %self.id, %task, error = %e, "could not start the task; skipping it");
            return;
        }
        // Clears execution.queue, as clearml-agent does.
        let _ = api.call("tasks.dequeue", json!({"task": task, "new_status": "in_progress"})).await;
        tracing::info!(worker = %self.id, %task, "running");
        let (console, sender) = Console::start(api.clone(), task.to_string());
        console.agent(format!("worker {} runs task {task}", self.id));
        let task_dir = self.shared.work_dir.join("tasks").join(task);
        let outcome = self.prepare_and_execute(task, &task_dir, &console, stop).await;
        let (endpoint, body) = match &outcome {
            Ok(Outcome::Exited { success: true, status }) => {
                console.agent(format!("process ended with {status}"));
                ("tasks.completed", json!({"task": task, "force": false, "status_reason": "worker execution done"}))
            }
            Ok(Outcome::Exited { success: false, status }) => {
                console.agent(format!("process ended with {status}"));
                (
                    "tasks.failed",
                    json!({"task": task, "force": true, "status_reason": format!("process ended with {status}")}),
                )
            }
            Ok(Outcome::Aborted) => {
                console.agent("aborted");
                ("tasks.stopped", json!({"task": task, "force": true}))
            }
            Ok(Outcome::Superseded(why)) => {
                console.agent(format!("left the task as it is: {why}"));
                ("", Value::Null)
            }
            Ok(Outcome::Shutdown) => {
                let reason = format!("labbook agent {} shut down while running the task", self.id);
                console.agent(&reason);
                ("tasks.failed", json!({"task": task, "force": true, "status_reason": reason}))
            }
            Err(reason) => {
                console.agent(format!("task failed: {reason}"));
                ("tasks.failed", json!({"task": task, "force": true, "status_reason": reason}))
            }
        };
        drop(console);
        sender.finish().await;
        if !endpoint.is_empty() {
            let mut body = body;
            body["status_message"] = json!(format!("Changed by labbook agent {}", self.id));
            if let Err(e) = api.call_retrying(endpoint, body).await {
                tracing::warn!(worker = %self.id, %task, %endpoint, error = %e, "could not set the final status");
            }
        }
        if let Err(e) = tokio::fs::remove_dir_all(&task_dir).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %task_dir.display(), error = %e, "could not remove the task's directory");
            }
        }
        tracing::info!(worker = %self.id, %task, outcome = ?outcome, "done");
    }

    async fn prepare_and_execute(
        &self,
        task: &str,
        task_dir: &std::path::Path,
        console: &Console,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Outcome, String> {
        let reply = self.api.call("tasks.get_by_id", json!({"task": task})).await.map_err(|e| e.to_string())?;
        let script = TaskCode::from_task(reply.get("task").unwrap_or(&Value::Null));
        let args = script.python_args()?;
        let _ = tokio::fs::remove_dir_all(task_dir).await;
        let dir = workspace::prepare(task_dir, &script, console).await?;
        let python = self.shared.envs.python_for(&script.requirements, console).await?;
        let c = &self.shared.config;
        let mut env = vec![
            ("CLEARML_TASK_ID".to_string(), task.to_string()),
            ("TRAINS_TASK_ID".into(), task.to_string()),
            ("CLEARML_WORKER_ID".into(), self.id.clone()),
            ("TRAINS_WORKER_ID".into(), self.id.clone()),
            ("CLEARML_API_HOST".into(), c.api_host.clone()),
            ("CLEARML_API_ACCESS_KEY".into(), c.access_key.clone()),
            ("CLEARML_API_SECRET_KEY".into(), c.secret_key.clone()),
            // The agent sends the output itself (§6.3).
            ("CLEARML_LOG_TASK_TO_BACKEND".into(), "0".into()),
            ("CLEARML_LOG_LEVEL".into(), "INFO".into()),
            ("PYTHONUNBUFFERED".into(), "1".into()),
        ];
        env.extend(c.web_host.iter().map(|h| ("CLEARML_WEB_HOST".to_string(), h.clone())));
        env.extend(c.files_host.iter().map(|h| ("CLEARML_FILES_HOST".to_string(), h.clone())));
        Run {
            api: &self.api,
            task,
            console,
            python: &python,
            args,
            dir: &dir,
            env,
            poll: self.shared.poll,
            grace: self.shared.grace,
        }
        .execute(stop)
        .await
    }
}

/// Sends `workers.status_report` (and `tasks.ping` for its task) every
/// report interval and whenever the worker's task changes.
async fn heartbeat(
    api: Api,
    shared: Arc<AgentSettings>,
    mut current: watch::Receiver<Current>,
    mut stop: watch::Receiver<bool>,
) {
    let queue_ids: Vec<String> = shared.queues.iter().map(|(id, _)| id.clone()).collect();
    let mut cpu = machine::cpu_times();
    loop {
        let now = machine::cpu_times();
        let stats = machine::machine_stats(&cpu, &now, &shared.work_dir);
        cpu = now;
        let mut body = json!({
            "worker": api.worker(), "timestamp": crate::server::clock::now_ms(), "machine_stats": stats,
            "queues": queue_ids, "tags": [], "is_daemon": true,
        });
        let running = current.borrow_and_update().clone();
        if let Some((task, queue)) = &running {
            body["task"] = json!(task);
            body["queue"] = json!(queue);
        }
        if let Err(e) = api.call("workers.status_report", body).await {
            tracing::warn!(worker = %api.worker(), error = %e, "status report failed");
        }
        if let Some((task, _)) = &running {
            // Keeps the task's worker "live", so that an abort is sent to it
            // (§6.4) even when the script itself never talks to the server.
            if let Err(e) = api.call("tasks.ping", json!({"task": task})).await {
                tracing::warn!(worker = %api.worker(), %task, error = %e, "ping failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(shared.report) => {}
            changed = current.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
    }
}
