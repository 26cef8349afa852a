//! Child processes of the agent: running a command with its output sent to
//! the task's console, signalling a process group, and describing how a
//! process ended. Used by the workspace (git), the environments (pip) and
//! the runner (the task's script).

use super::console::Console;
use std::process::{ExitStatus, Stdio};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// "exit code 3" or "killed by signal 9".
pub fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "ended".into(),
    }
}

/// Sends `sig` to the whole process group `pgid`.
pub fn signal_group(pgid: u32, sig: libc::c_int) {
    if let Ok(pgid) = libc::pid_t::try_from(pgid) {
        // SAFETY: kill(2) with a negative pid signals a process group; it
        // touches no memory of ours.
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

/// Runs a command to its end, writing its output to the console; an error
/// names `what` and the exit status.
pub async fn run_logged(mut cmd: Command, what: &str, console: &Console) -> Result<(), String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| format!("{what}: cannot start it: {e}"))?;
    let out = child.stdout.take().map(|o| tokio::spawn(pipe_lines(o, console.clone())));
    let err = child.stderr.take().map(|e| tokio::spawn(pipe_lines(e, console.clone())));
    let status = child.wait().await.map_err(|e| format!("{what}: {e}"))?;
    for h in [out, err].into_iter().flatten() {
        let _ = h.await;
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({})", describe_exit(status)))
    }
}

/// Copies the lines of a child's pipe to the console.
pub async fn pipe_lines(pipe: impl AsyncRead + Unpin, console: Console) {
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => console.line(String::from_utf8_lossy(&buf).into_owned()),
        }
    }
}
