//! A task's console as the agent writes it: lines from the process and the
//! agent's own messages are batched and sent with `events.add_batch`.

use super::client::Api;
use std::time::Duration;
use tokio::sync::mpsc;

/// Lines per `events.add_batch` call at most.
const BATCH: usize = 500;
/// How long a line may wait before it is sent.
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// A writer of one task's console. Cheap to clone; the lines are sent in
/// the order they were written.
#[derive(Clone)]
pub struct Console {
    tx: mpsc::UnboundedSender<(i64, String)>,
}

/// Sends the lines of a [`Console`]; [`Sender::finish`] waits until every
/// line written before it is sent.
pub struct Sender {
    handle: tokio::task::JoinHandle<()>,
}

impl Console {
    /// A console for `task`, sent through `api`.
    pub fn start(api: Api, task: String) -> (Console, Sender) {
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tokio::spawn(send_lines(api, task, rx));
        (Console { tx }, Sender { handle })
    }

    /// Writes one line (a trailing newline is dropped).
    pub fn line(&self, text: impl Into<String>) {
        let mut text = text.into();
        while text.ends_with('\n') || text.ends_with('\r') {
            text.pop();
        }
        // The sender only stops after every console is dropped.
        let _ = self.tx.send((crate::server::clock::now_ms(), text));
    }

    /// Writes a message of the agent itself.
    pub fn agent(&self, text: impl AsRef<str>) {
        self.line(format!("labbook agent: {}", text.as_ref()));
    }
}

impl Sender {
    /// Waits until the lines written through every clone of the console
    /// (all of which must be dropped) are sent.
    pub async fn finish(self) {
        if let Err(e) = self.handle.await {
            tracing::warn!(error = %e, "console sender ended abnormally");
        }
    }
}

async fn send_lines(api: Api, task: String, mut rx: mpsc::UnboundedReceiver<(i64, String)>) {
    let mut open = true;
    while open {
        let mut batch = Vec::new();
        match rx.recv().await {
            Some(line) => batch.push(line),
            None => break,
        }
        let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(line)) => batch.push(line),
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_) => break,
            }
        }
        let mut wait = Duration::from_millis(250);
        for attempt in 0..6 {
            match api.add_log(&task, &batch).await {
                Ok(()) => break,
                Err(e) if e.is_transient() && attempt < 5 => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(e) => {
                    tracing::warn!(%task, error = %e, lines = batch.len(), "console lines lost");
                    break;
                }
            }
        }
    }
}
