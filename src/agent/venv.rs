//! Python environments for tasks: one virtual environment per set of
//! recorded requirements, built once and reused by every later task with
//! the same requirements (also by other agent processes on the machine).

use super::console::Console;
use super::process::run_logged;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

/// How long a build by another process may take before its lock counts as stale.
const STALE_LOCK: Duration = Duration::from_secs(30 * 60);

/// Where environments are kept and how they are made.
#[derive(Debug, Clone)]
pub struct Environments {
    /// One directory per requirements key.
    pub root: PathBuf,
    /// The interpreter environments are made from.
    pub python: String,
    /// Run tasks with `python` itself, building nothing.
    pub reuse_python: bool,
}

/// The requirements lines that matter: no comments, blanks or the
/// interpreter line the SDK adds.
pub fn normalized(requirements: &str) -> String {
    requirements
        .lines()
        // pip's comment rule: `#` at the start or after whitespace (not `…#egg=`).
        .map(|l| if l.trim_start().starts_with('#') { "" } else { l.split(" #").next().unwrap_or("").trim() })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The cache key of an environment: the interpreter and the requirements.
pub fn key(python: &str, requirements: &str) -> String {
    let mut h = Sha256::new();
    h.update(python.as_bytes());
    h.update([0]);
    h.update(normalized(requirements).as_bytes());
    h.finalize().iter().take(10).map(|b| format!("{b:02x}")).collect()
}

impl Environments {
    /// The interpreter to run a task with `requirements`, building its
    /// environment first if no earlier task did.
    pub async fn python_for(&self, requirements: &str, console: &Console) -> Result<PathBuf, String> {
        if self.reuse_python {
            return Ok(PathBuf::from(&self.python));
        }
        let key = key(&self.python, requirements);
        let dir = self.root.join(&key);
        let python = dir.join("bin").join("python");
        let ready = dir.join(".ready");
        let lock = self.root.join(format!("{key}.lock"));
        tokio::fs::create_dir_all(&self.root)
            .await
            .map_err(|e| format!("cannot create {}: {e}", self.root.display()))?;
        loop {
            if tokio::fs::try_exists(&ready).await.unwrap_or(false) {
                console.agent(format!("using the cached environment {}", dir.display()));
                return Ok(python);
            }
            // `mkdir` is atomic: whoever makes the lock builds.
            match tokio::fs::create_dir(&lock).await {
                Ok(()) => {
                    let built = self.build(&dir, requirements, console).await;
                    let _ = tokio::fs::remove_dir(&lock).await;
                    built?;
                    tokio::fs::write(&ready, b"")
                        .await
                        .map_err(|e| format!("cannot mark the environment ready: {e}"))?;
                    return Ok(python);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if lock_age(&lock).await.is_some_and(|age| age > STALE_LOCK) {
                        let _ = tokio::fs::remove_dir(&lock).await;
                        continue;
                    }
                    console.agent("waiting for another task building the same environment");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(format!("cannot lock {}: {e}", lock.display())),
            }
        }
    }

    async fn build(&self, dir: &Path, requirements: &str, console: &Console) -> Result<(), String> {
        let _ = tokio::fs::remove_dir_all(dir).await;
        console.agent(format!("creating a virtual environment in {}", dir.display()));
        let mut venv = Command::new(&self.python);
        venv.args(["-m", "venv"]).arg(dir);
        run_logged(venv, "python -m venv", console)
            .await
            .map_err(|e| format!("could not create the environment: {e}"))?;
        let wanted = normalized(requirements);
        if wanted.is_empty() {
            return Ok(());
        }
        let file = dir.join("requirements.txt");
        tokio::fs::write(&file, format!("{wanted}\n"))
            .await
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        console.agent("installing the recorded requirements");
        let mut pip = Command::new(dir.join("bin").join("python"));
        pip.args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r"]).arg(&file);
        if let Err(e) = run_logged(pip, "pip install", console).await {
            let _ = tokio::fs::remove_dir_all(dir).await;
            return Err(format!("could not install the requirements: {e}"));
        }
        Ok(())
    }
}

async fn lock_age(lock: &Path) -> Option<Duration> {
    tokio::fs::metadata(lock).await.ok()?.modified().ok()?.elapsed().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_comments_and_blank_lines() {
        let a = "# Python 3.11.2 (main)\n\nclearml == 2.1.12\nnumpy==2.4.6  # via x\n";
        let b = "clearml == 2.1.12\nnumpy==2.4.6";
        assert_eq!(normalized(a), b);
        assert_eq!(key("python3", a), key("python3", b));
        assert_ne!(key("python3", a), key("python3.12", a));
        assert_ne!(key("python3", a), key("python3", "clearml"));
    }
}
