//! Models: trained weights registered by a task, stored at a URI.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    /// Where the weights are (`http://files…`, `file:///…`, `s3://…`).
    pub uri: String,
    pub framework: Option<String>,
    pub design: Map<String, Value>,
    pub labels: Map<String, Value>,
    pub ready: bool,
    pub public: bool,
    pub comment: String,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    pub project: Option<String>,
    /// The task that created it.
    pub task: Option<String>,
    pub parent: Option<String>,
    pub user: String,
    pub metadata: Map<String, Value>,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub last_update: i64,
}

impl Model {
    /// Whether the model carries the `archived` system tag.
    pub fn is_archived(&self) -> bool {
        self.system_tags.iter().any(|t| t == "archived")
    }
}
