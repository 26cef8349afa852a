//! Where a task runs: a checkout of its repository at the recorded commit
//! with the uncommitted diff applied, or, for a script recorded without a
//! repository, the script itself written out.

use super::console::Console;
use super::process::run_logged;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// What a task records about its code (`script` in clearml-api.md §8.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskCode {
    pub repository: String,
    pub branch: String,
    pub version_num: String,
    pub tag: String,
    pub entry_point: String,
    pub working_dir: String,
    pub diff: String,
    /// `requirements.pip`: a requirements.txt text.
    pub requirements: String,
}

impl TaskCode {
    /// Reads `task.script` of a `tasks.get_by_id` reply.
    pub fn from_task(task: &Value) -> TaskCode {
        let s = task.get("script").cloned().unwrap_or_default();
        let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").trim().to_string();
        let requirements = match s.get("requirements").and_then(|r| r.get("pip")) {
            Some(Value::String(p)) => p.clone(),
            Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
            _ => String::new(),
        };
        TaskCode {
            repository: text("repository"),
            branch: text("branch"),
            version_num: text("version_num"),
            tag: text("tag"),
            entry_point: text("entry_point"),
            working_dir: text("working_dir"),
            // The diff is a patch: its whitespace matters.
            diff: s.get("diff").and_then(Value::as_str).unwrap_or("").to_string(),
            requirements,
        }
    }

    /// The command line after the interpreter: `-u <script>` or `-u -m <module>`.
    pub fn python_args(&self) -> Result<Vec<String>, String> {
        let entry = self.entry_point.trim();
        if entry.is_empty() {
            return Err("the task records no entry point (script.entry_point)".into());
        }
        let mut args = vec!["-u".to_string()];
        match entry.strip_prefix("-m ") {
            Some(module) => args.extend(["-m".to_string(), module.trim().to_string()]),
            None => args.push(entry.to_string()),
        }
        Ok(args)
    }
}

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).env("GIT_TERMINAL_PROMPT", "0").args(["-c", "advice.detachedHead=false"]);
    cmd
}

/// Makes `task_dir` hold the task's code and answers the directory to run
/// the entry point in.
pub async fn prepare(task_dir: &Path, script: &TaskCode, console: &Console) -> Result<PathBuf, String> {
    let root = task_dir.join("code");
    tokio::fs::create_dir_all(&root).await.map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    if script.repository.is_empty() {
        // Recorded outside a repository: the diff holds the whole script.
        if script.diff.trim().is_empty() {
            return Err("the task records neither a repository nor a script (script.diff)".into());
        }
        let name = Path::new(&script.entry_point)
            .file_name()
            .ok_or_else(|| format!("entry point {:?} is not a file name", script.entry_point))?;
        console.agent(format!("writing the recorded script to {}", name.to_string_lossy()));
        tokio::fs::write(root.join(name), &script.diff).await.map_err(|e| format!("cannot write the script: {e}"))?;
        return Ok(root);
    }
    console.agent(format!("cloning {}", script.repository));
    let mut clone = git(task_dir);
    clone.args(["clone", "--quiet", &script.repository]).arg(&root);
    // `create_dir_all` above made an empty directory: git clones into it.
    run_logged(clone, &format!("git clone of {}", script.repository), console)
        .await
        .map_err(|e| format!("could not clone the repository: {e}"))?;
    let rev = [&script.version_num, &script.tag, &script.branch].into_iter().find(|r| !r.is_empty());
    if let Some(rev) = rev {
        console.agent(format!("checking out {rev}"));
        let mut checkout = git(&root);
        checkout.args(["checkout", "--quiet", rev.as_str()]);
        run_logged(checkout, &format!("git checkout {rev}"), console)
            .await
            .map_err(|e| format!("could not check out the recorded commit: {e}"))?;
    }
    if !script.diff.trim().is_empty() {
        console.agent("applying the uncommitted changes");
        let patch = task_dir.join("uncommitted.diff");
        let mut diff = script.diff.clone();
        if !diff.ends_with('\n') {
            diff.push('\n');
        }
        tokio::fs::write(&patch, diff).await.map_err(|e| format!("cannot write the diff: {e}"))?;
        let mut apply = git(&root);
        apply.args(["apply", "--whitespace=nowarn"]).arg(&patch);
        run_logged(apply, "git apply of the uncommitted changes", console)
            .await
            .map_err(|e| format!("could not apply the uncommitted changes: {e}"))?;
    }
    let dir = root.join(if script.working_dir.is_empty() { "." } else { script.working_dir.as_str() });
    if !dir.starts_with(&root) || script.working_dir.split('/').any(|p| p == "..") {
        return Err(format!("working dir {:?} leaves the repository", script.working_dir));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_script_and_its_entry_point() {
        let t = json!({"script": {"repository": " /r.git ", "entry_point": "train.py", "diff": " x\n",
                                   "requirements": {"pip": "clearml==2.1.12\n"}}});
        let s = TaskCode::from_task(&t);
        assert_eq!((s.repository.as_str(), s.diff.as_str()), ("/r.git", " x\n"));
        assert_eq!(s.requirements, "clearml==2.1.12\n");
        assert_eq!(s.python_args().unwrap(), ["-u", "train.py"]);
        let m = TaskCode { entry_point: "-m pkg.main".into(), ..TaskCode::default() };
        assert_eq!(m.python_args().unwrap(), ["-u", "-m", "pkg.main"]);
        assert!(TaskCode::default().python_args().unwrap_err().contains("no entry point"));
    }
}
