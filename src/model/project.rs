//! Projects: folders of tasks, nested by `/` in their names.

use serde::{Deserialize, Serialize};

/// A project. `name` is the full path (`main/sub/subsub`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub basename: String,
    pub parent: Option<String>,
    pub description: String,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    pub default_output_destination: Option<String>,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub last_update: i64,
}

/// A project with the counts the project tree shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub project: Project,
    /// Tasks directly in this project.
    pub task_count: i64,
    /// Running tasks directly in this project.
    pub running_count: i64,
    /// Newest task update in this project, epoch ms.
    pub tasks_last_update: Option<i64>,
}

/// Splits a project path into its cumulative prefixes:
/// `a/b/c` → `["a", "a/b", "a/b/c"]`. Empty segments are an error.
pub fn path_prefixes(path: &str) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("invalid project name '{path}': empty path segment"));
    }
    let mut out = Vec::with_capacity(parts.len());
    for i in 0..parts.len() {
        out.push(parts[..=i].join("/"));
    }
    Ok(out)
}

/// The last segment of a project path.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_nested_paths() {
        assert_eq!(path_prefixes("demo").unwrap(), vec!["demo"]);
        assert_eq!(path_prefixes("main/sub/subsub").unwrap(), vec!["main", "main/sub", "main/sub/subsub"]);
        assert!(path_prefixes("a//b").is_err());
        assert!(path_prefixes("").is_err());
        assert_eq!(basename("demo/vision"), "vision");
    }
}
