//! Models: trained weights registered by a task, stored at a URI.

use super::{Project, ARCHIVED};
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
    /// The newest iteration the model reported events at (model events);
    /// only the event store moves it.
    pub last_iteration: i64,
}

impl Model {
    /// Whether the model carries the `archived` system tag.
    pub fn is_archived(&self) -> bool {
        self.system_tags.iter().any(|t| t == ARCHIVED)
    }

    /// Adds or removes the `archived` system tag.
    pub fn set_archived(&mut self, archived: bool) {
        self.system_tags.retain(|t| t != ARCHIVED);
        if archived {
            self.system_tags.push(ARCHIVED.into());
        }
    }
}

/// A change to a model's fields (`models.create`, `edit`, `update`):
/// `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelPatch {
    pub name: Option<String>,
    pub uri: Option<String>,
    /// `Some(None)` clears it.
    pub framework: Option<Option<String>>,
    pub design: Option<Map<String, Value>>,
    pub labels: Option<Map<String, Value>>,
    pub ready: Option<bool>,
    pub public: Option<bool>,
    pub comment: Option<String>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    pub project: Option<String>,
    pub task: Option<String>,
    pub parent: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

impl ModelPatch {
    /// Sets the patch's fields on `m`.
    pub fn apply(&self, m: &mut Model) {
        fn set<T: Clone>(dst: &mut T, v: &Option<T>) {
            if let Some(v) = v {
                dst.clone_from(v);
            }
        }
        set(&mut m.name, &self.name);
        set(&mut m.uri, &self.uri);
        set(&mut m.framework, &self.framework);
        set(&mut m.design, &self.design);
        set(&mut m.labels, &self.labels);
        set(&mut m.ready, &self.ready);
        set(&mut m.public, &self.public);
        set(&mut m.comment, &self.comment);
        set(&mut m.tags, &self.tags);
        set(&mut m.system_tags, &self.system_tags);
        set(&mut m.metadata, &self.metadata);
        for (dst, v) in [(&mut m.project, &self.project), (&mut m.task, &self.task), (&mut m.parent, &self.parent)] {
            if v.is_some() {
                dst.clone_from(v);
            }
        }
    }
}

/// Everything the model page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDetail {
    pub model: Model,
    pub project: Option<Project>,
    /// The task that made it: id and name.
    pub creator: Option<(String, String)>,
    /// Where the browser downloads the weights.
    pub download: Option<String>,
}
