//! Running a task's process: its output goes to the task's console, its
//! status is polled for an abort, and an abort ends its whole process group.

use super::client::Api;
use super::console::Console;
use super::process::{describe_exit, pipe_lines, signal_group};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// How a task's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It exited by itself with this status text and success flag.
    Exited { success: bool, status: String },
    /// Someone asked to stop it (`tasks.stop`): it was stopped.
    Aborted,
    /// The task changed status under it (reset, deleted, failed by someone
    /// else): it was stopped and the task is left as it is.
    Superseded(String),
    /// The agent is shutting down: it was stopped.
    Shutdown,
}

/// What a status poll says about a running task.
pub fn stop_reason(task: Option<&Value>) -> Option<Outcome> {
    let Some(task) = task else {
        return Some(Outcome::Superseded("the task was deleted".into()));
    };
    let status = task.get("status").and_then(Value::as_str).unwrap_or("");
    let message = task.get("status_message").and_then(Value::as_str).unwrap_or("");
    match status {
        "in_progress" if message.contains("stopping") => Some(Outcome::Aborted),
        "in_progress" => None,
        other => Some(Outcome::Superseded(format!("the task became {other}"))),
    }
}

/// The settings of one run.
pub struct Run<'a> {
    pub api: &'a Api,
    pub task: &'a str,
    pub console: &'a Console,
    pub python: &'a Path,
    pub args: Vec<String>,
    pub dir: &'a Path,
    pub env: Vec<(String, String)>,
    /// How often the task's status is polled.
    pub poll: Duration,
    /// How long the process group gets between SIGTERM and SIGKILL.
    pub grace: Duration,
}

impl Run<'_> {
    /// Runs the process to its end, or until an abort or `shutdown`.
    pub async fn execute(self, shutdown: &mut tokio::sync::watch::Receiver<bool>) -> Result<Outcome, String> {
        self.console.agent(format!(
            "running {} {} in {}",
            self.python.display(),
            self.args.join(" "),
            self.dir.display()
        ));
        let mut cmd = Command::new(self.python);
        cmd.args(&self.args)
            .current_dir(self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group, so that an abort reaches its children too.
            .process_group(0);
        // SAFETY: the closure runs in the forked child before exec and only
        // calls prctl(2), which is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                // The task dies with the agent (a killed agent leaves no orphan).
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", self.python.display()))?;
        let pgid = child.id().unwrap_or(0);
        let out = child.stdout.take().map(|o| tokio::spawn(pipe_lines(o, self.console.clone())));
        let err = child.stderr.take().map(|e| tokio::spawn(pipe_lines(e, self.console.clone())));
        let mut ticker = tokio::time::interval(self.poll);
        ticker.tick().await;
        let outcome = loop {
            tokio::select! {
                status = child.wait() => {
                    let status = status.map_err(|e| format!("waiting for the process: {e}"))?;
                    break Outcome::Exited { success: status.success(), status: describe_exit(status) };
                }
                _ = ticker.tick() => {
                    let reply = self.api.call("tasks.get_all", json!({
                        "id": [self.task], "only_fields": ["status", "status_message"], "search_hidden": true,
                    })).await;
                    let stop = match reply {
                        Ok(r) => stop_reason(r.get("tasks").and_then(Value::as_array).and_then(|t| t.first())),
                        Err(e) => {
                            tracing::warn!(task = %self.task, error = %e, "status poll failed");
                            None
                        }
                    };
                    if let Some(stop) = stop {
                        break stop;
                    }
                }
                _ = shutdown.changed() => break Outcome::Shutdown,
            }
        };
        if !matches!(outcome, Outcome::Exited { .. }) {
            self.console.agent(match &outcome {
                Outcome::Aborted => "abort requested: stopping the process".to_string(),
                Outcome::Superseded(why) => format!("{why}: stopping the process"),
                _ => "the agent is shutting down: stopping the process".to_string(),
            });
            signal_group(pgid, libc::SIGTERM);
            if tokio::time::timeout(self.grace, child.wait()).await.is_err() {
                signal_group(pgid, libc::SIGKILL);
            }
            let _ = child.wait().await;
            // Children that ignored SIGTERM go with the group.
            signal_group(pgid, libc::SIGKILL);
        }
        for h in [out, err].into_iter().flatten() {
            // A grandchild may keep the pipe open: wait only briefly.
            let _ = tokio::time::timeout(Duration::from_secs(2), h).await;
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_tells_abort_from_other_changes() {
        assert_eq!(stop_reason(Some(&json!({"status": "in_progress", "status_message": ""}))), None);
        assert_eq!(
            stop_reason(Some(&json!({"status": "in_progress", "status_message": "stopping"}))),
            Some(Outcome::Aborted)
        );
        assert_eq!(
            stop_reason(Some(&json!({"status": "created"}))),
            Some(Outcome::Superseded("the task became created".into()))
        );
        assert!(matches!(stop_reason(None), Some(Outcome::Superseded(_))));
    }
}
