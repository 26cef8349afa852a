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

    /// Where it is in its life, as pages show it: `archived`, `published`
    /// (ready) or `draft`.
    pub fn state_label(&self) -> &'static str {
        if self.is_archived() {
            "archived"
        } else if self.ready {
            ModelState::Published.as_str()
        } else {
            ModelState::Draft.as_str()
        }
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

/// Which models the models table shows, in what order: its state lives in
/// the URL (`q`, `state`, `framework`, `tag`, `archived`, `sort`, `dir`,
/// `page`), as the tasks table's does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModelQuery {
    /// Only this project's models (the project page's Models view).
    pub project: Option<String>,
    /// A case-insensitive substring of the name.
    pub search: String,
    pub state: Option<ModelState>,
    pub framework: String,
    pub tag: String,
    /// Archived models instead of the others.
    pub archived: bool,
    pub sort: ModelSort,
    pub ascending: bool,
    /// Zero-based.
    pub page: i64,
}

/// A model's place in its life: a draft can still change; a published
/// (ready) one is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelState {
    Draft,
    Published,
}

impl ModelState {
    /// The URL and label word.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelState::Draft => "draft",
            ModelState::Published => "published",
        }
    }
}

/// The models table's sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ModelSort {
    #[default]
    Updated,
    Created,
    Name,
}

impl ModelSort {
    /// Every key, in the table's column order.
    pub const ALL: [ModelSort; 3] = [ModelSort::Name, ModelSort::Created, ModelSort::Updated];

    /// The URL word.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelSort::Updated => "updated",
            ModelSort::Created => "created",
            ModelSort::Name => "name",
        }
    }

    fn parse(s: &str) -> Option<ModelSort> {
        ModelSort::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Models per page of the models table.
pub const MODEL_PAGE_SIZE: i64 = 50;

impl ModelQuery {
    /// Reads the view from URL parameters; unknown values fall back to the
    /// defaults rather than failing.
    pub fn from_params(project: Option<String>, get: impl Fn(&str) -> Option<String>) -> ModelQuery {
        let state = match get("state").as_deref() {
            Some("draft") => Some(ModelState::Draft),
            Some("published") => Some(ModelState::Published),
            _ => None,
        };
        let sort = get("sort").as_deref().and_then(ModelSort::parse).unwrap_or_default();
        ModelQuery {
            project,
            search: get("q").unwrap_or_default(),
            state,
            framework: get("framework").unwrap_or_default(),
            tag: get("tag").unwrap_or_default(),
            archived: get("archived").is_some_and(|v| v == "1"),
            sort,
            // Names read A to Z; times newest first, unless asked otherwise.
            ascending: match get("dir").as_deref() {
                Some("asc") => true,
                Some("desc") => false,
                _ => sort == ModelSort::Name,
            },
            page: get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| (1..=1_000_000).contains(p))
                .map_or(0, |p| p - 1),
        }
    }

    /// The URL query (without `?`) that [`ModelQuery::from_params`] reads back.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        for (k, v) in [("q", &self.search), ("framework", &self.framework), ("tag", &self.tag)] {
            if !v.is_empty() {
                parts.push((k, v.clone()));
            }
        }
        if let Some(s) = self.state {
            parts.push(("state", s.as_str().into()));
        }
        if self.archived {
            parts.push(("archived", "1".into()));
        }
        if self.sort != ModelSort::default() || self.ascending != (self.sort == ModelSort::Name) {
            parts.push(("sort", self.sort.as_str().into()));
            parts.push(("dir", if self.ascending { "asc" } else { "desc" }.into()));
        }
        if self.page > 0 {
            parts.push(("page", (self.page + 1).to_string()));
        }
        parts.iter().map(|(k, v)| format!("{k}={}", super::table::encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The link to this view: `/models?…`, with the project when there is one.
    pub fn href(&self) -> String {
        let mut s = self.to_query_string();
        if let Some(p) = &self.project {
            if !s.is_empty() {
                s.push('&');
            }
            s.push_str(&format!("project={}", super::table::encode(p)));
        }
        if s.is_empty() {
            "/models".into()
        } else {
            format!("/models?{s}")
        }
    }

    /// The same view sorted by `key`: the other direction when it already is.
    pub fn sorted_by(&self, key: ModelSort) -> ModelQuery {
        let ascending = if self.sort == key { !self.ascending } else { key == ModelSort::Name };
        ModelQuery { sort: key, ascending, page: 0, ..self.clone() }
    }
}

/// One row of the models table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    pub model: Model,
    /// The project's full name.
    pub project_name: Option<String>,
    /// The creating task's name.
    pub task_name: Option<String>,
}

/// A page of the models table, with the total it was cut from and the
/// choices its filters offer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelTable {
    pub rows: Vec<ModelRow>,
    pub total: i64,
    /// The frameworks and tags of the models in view (for the filters' pickers).
    pub frameworks: Vec<String>,
    pub tags: Vec<String>,
}

/// What the models table's buttons do to the selected models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelAction {
    /// Makes drafts final (`models.set_ready`); their task stays as it is.
    Publish,
    Archive,
    Restore,
}

impl ModelAction {
    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            ModelAction::Publish => "Publish",
            ModelAction::Archive => "Archive",
            ModelAction::Restore => "Restore",
        }
    }

    /// Why it does not apply to `m`, or `None` when it does.
    pub fn refusal(self, m: &Model) -> Option<&'static str> {
        if m.public {
            return Some("is shared (public) and read-only");
        }
        match self {
            ModelAction::Publish if m.ready => Some("is published already"),
            ModelAction::Archive if m.is_archived() => Some("is archived already"),
            ModelAction::Restore if !m.is_archived() => Some("is not archived"),
            _ => None,
        }
    }

    /// Whether it applies to `m`.
    pub fn applies_to(self, m: &Model) -> bool {
        self.refusal(m).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_query_round_trips_through_the_url() {
        let q = ModelQuery {
            project: None,
            search: "res net".into(),
            state: Some(ModelState::Published),
            framework: "PyTorch".into(),
            tag: "best".into(),
            archived: true,
            sort: ModelSort::Created,
            ascending: true,
            page: 2,
        };
        let s = q.to_query_string();
        let params: Vec<(String, String)> = s
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ")))
            .collect();
        let back = ModelQuery::from_params(None, |k| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(back, q);
        assert_eq!(ModelQuery::default().to_query_string(), "");
    }

    #[test]
    fn unknown_values_fall_back_to_defaults() {
        let q = ModelQuery::from_params(None, |k| match k {
            "state" => Some("bogus".into()),
            "sort" => Some("size".into()),
            "page" => Some("-3".into()),
            _ => None,
        });
        assert_eq!(q, ModelQuery::default());
        // Names sort A to Z first, and back on a second click.
        let by_name = q.sorted_by(ModelSort::Name);
        assert!(by_name.ascending);
        assert!(!by_name.sorted_by(ModelSort::Name).ascending);
    }

    #[test]
    fn actions_apply_by_state() {
        let mut m = Model::default();
        assert!(ModelAction::Publish.applies_to(&m));
        assert!(ModelAction::Archive.applies_to(&m));
        assert!(!ModelAction::Restore.applies_to(&m));
        m.ready = true;
        m.set_archived(true);
        assert!(!ModelAction::Publish.applies_to(&m));
        assert!(ModelAction::Restore.applies_to(&m));
    }
}
