//! The Task: one execution of a script, with everything ClearML captures.

use super::status::TaskStatus;
use super::{check_name, Model, Project, SeriesData, ARCHIVED};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What a task is for (the seed documents' list; `training` is the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    #[default]
    Training,
    Testing,
    Inference,
    DataProcessing,
    Application,
    Monitor,
    Controller,
    Optimizer,
    Service,
    Qc,
    Custom,
    /// A Markdown report (`reports.*`).
    Report,
}

/// Every task type, in the seed documents' order.
pub const ALL_TASK_TYPES: [TaskType; 12] = [
    TaskType::Training,
    TaskType::Testing,
    TaskType::Inference,
    TaskType::Controller,
    TaskType::Optimizer,
    TaskType::Monitor,
    TaskType::Service,
    TaskType::Application,
    TaskType::DataProcessing,
    TaskType::Qc,
    TaskType::Custom,
    TaskType::Report,
];

impl TaskType {
    /// The wire name (`data_processing`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::Training => "training",
            TaskType::Testing => "testing",
            TaskType::Inference => "inference",
            TaskType::DataProcessing => "data_processing",
            TaskType::Application => "application",
            TaskType::Monitor => "monitor",
            TaskType::Controller => "controller",
            TaskType::Optimizer => "optimizer",
            TaskType::Service => "service",
            TaskType::Qc => "qc",
            TaskType::Custom => "custom",
            TaskType::Report => "report",
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_TASK_TYPES.iter().copied().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown task type '{s}'"))
    }
}

/// Where the code came from and how to run it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Script {
    pub binary: String,
    pub repository: String,
    pub tag: String,
    pub branch: String,
    /// The commit id.
    pub version_num: String,
    pub entry_point: String,
    pub working_dir: String,
    /// The uncommitted changes (`git diff`), or the whole script without a repository.
    pub diff: String,
    /// Installed packages: `{"pip": "...", "conda": "..."}`.
    pub requirements: Map<String, Value>,
}

/// The container a task asks to run in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Container {
    pub image: String,
    pub arguments: String,
    pub setup_shell_script: String,
}

/// One hyperparameter. All values are strings on the wire.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hyperparam {
    pub section: String,
    pub name: String,
    pub value: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One configuration object (text, e.g. HOCON for connected dicts).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConfigItem {
    pub name: String,
    pub value: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Hyperparameters by section, then by name.
pub type Hyperparams = BTreeMap<String, BTreeMap<String, Hyperparam>>;
/// Configuration objects by name.
pub type Configuration = BTreeMap<String, ConfigItem>;

/// The section ClearML keeps user properties in.
pub const USER_PROPERTIES_SECTION: &str = "properties";

/// A task's link to a model, as input or output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelLink {
    pub name: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

/// Input and output models of a task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskModels {
    pub input: Vec<ModelLink>,
    pub output: Vec<ModelLink>,
}

/// The last reported value and statistics of one scalar series.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MetricSummary {
    pub metric: String,
    pub variant: String,
    pub value: f64,
    pub min_value: f64,
    pub min_value_iteration: i64,
    pub max_value: f64,
    pub max_value_iteration: i64,
    pub first_value: f64,
    pub first_value_iteration: i64,
    pub mean_value: f64,
    pub count: i64,
    /// The iteration of `value`.
    pub last_iteration: i64,
    /// The x axis' title the reporter gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_axis_label: Option<String>,
}

impl MetricSummary {
    /// Whether its last value is a single value (`report_single_value`,
    /// iteration -2³¹): a summary figure, not the end of a history.
    pub fn is_single_value(&self) -> bool {
        self.last_iteration == super::SINGLE_VALUE_ITERATION
    }

    /// The iteration of the last value as a person reads it: "summary" for
    /// a single value.
    pub fn last_iteration_label(&self) -> String {
        if self.is_single_value() {
            "summary".into()
        } else {
            self.last_iteration.to_string()
        }
    }
}

/// A whole task. Timestamps are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub name: String,
    /// Project id; `None` for a task outside any project.
    pub project: Option<String>,
    pub task_type: TaskType,
    pub status: TaskStatus,
    pub status_reason: String,
    pub status_message: String,
    pub status_changed: i64,
    pub comment: String,
    pub parent: Option<String>,
    pub user: String,
    pub tags: Vec<String>,
    pub system_tags: Vec<String>,
    pub created: i64,
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub published: Option<i64>,
    pub last_update: i64,
    pub last_change: i64,
    /// Who last changed it (a user id; empty before this was recorded).
    #[serde(default)]
    pub last_changed_by: String,
    pub script: Script,
    pub container: Container,
    /// `output.destination`: where artifacts and models are uploaded.
    pub output_destination: Option<String>,
    /// The rest of `output` (`result`, `error`, …) as ClearML sent it.
    pub output_extra: Map<String, Value>,
    /// `execution.queue`: the queue the task is (or was last) in.
    pub execution_queue: Option<String>,
    /// The status before the task was enqueued; a dequeue restores it.
    pub enqueue_status: Option<TaskStatus>,
    /// The rest of `execution` (`parameters`, `model_desc`, …), kept verbatim.
    pub execution_extra: Map<String, Value>,
    pub hyperparams: Hyperparams,
    pub configuration: Configuration,
    /// Runtime properties; the SDK keeps `progress` ("0".."100") here.
    pub runtime: Map<String, Value>,
    /// `execution.artifacts`, kept as the SDK sent them (upserted by key+mode).
    pub artifacts: Vec<Value>,
    pub models: TaskModels,
    pub last_iteration: i64,
    pub last_worker: Option<String>,
    pub last_worker_report: Option<i64>,
    /// Bumped on every write; a write based on an older revision is refused.
    pub revision: i64,
    /// Made public (`tasks.make_public`): anyone reads it, nobody changes it
    /// until it is made private again.
    #[serde(default)]
    pub public: bool,
    /// A report's Markdown (tasks of type `report`).
    #[serde(default)]
    pub report: String,
    /// The files a report embeds.
    #[serde(default)]
    pub report_assets: Vec<String>,
}

impl Task {
    /// Progress in percent, from `runtime.progress` (the SDK sends a string).
    pub fn progress(&self) -> Option<u8> {
        progress_of(&self.runtime)
    }

    /// The URIs of its output artifacts (what a deletion leaves behind
    /// for the caller to remove).
    pub fn output_artifact_urls(&self) -> Vec<String> {
        self.artifacts
            .iter()
            .filter(|a| a.get("mode").and_then(Value::as_str) != Some("input"))
            .filter_map(|a| a.get("uri").and_then(Value::as_str).filter(|u| !u.is_empty()))
            .map(str::to_string)
            .collect()
    }

    /// Whether the task carries the `archived` system tag.
    pub fn is_archived(&self) -> bool {
        self.system_tags.iter().any(|t| t == ARCHIVED)
    }

    /// Adds or removes the `archived` system tag.
    pub fn set_archived(&mut self, archived: bool) {
        self.system_tags.retain(|s| s != ARCHIVED);
        if archived {
            self.system_tags.push(ARCHIVED.into());
        }
    }

    /// User properties (the `properties` hyperparameter section).
    pub fn user_properties(&self) -> Option<&BTreeMap<String, Hyperparam>> {
        self.hyperparams.get(USER_PROPERTIES_SECTION)
    }
}

/// Reads a progress percentage out of a runtime-properties map.
pub fn progress_of(runtime: &Map<String, Value>) -> Option<u8> {
    let v = runtime.get("progress")?;
    let n = match v {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    Some(n.clamp(0.0, 100.0).round() as u8)
}

/// Script fields to set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptPatch {
    pub binary: Option<String>,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub branch: Option<String>,
    pub version_num: Option<String>,
    pub entry_point: Option<String>,
    pub working_dir: Option<String>,
    pub diff: Option<String>,
    pub requirements: Option<Map<String, Value>>,
}

/// A change to the fields a client sets on a task (`tasks.create`,
/// `tasks.edit`): `None` leaves a field as it is. Embedded objects
/// (`script`, `execution`, `output`) merge field by field; maps and lists
/// are replaced (clearml-api.md §8.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    pub name: Option<String>,
    /// A status set directly (`tasks.edit {status}`, ClearML's escape hatch
    /// for tools that manage a task themselves).
    pub status: Option<TaskStatus>,
    pub task_type: Option<TaskType>,
    pub comment: Option<String>,
    /// `Some(None)` clears the parent.
    pub parent: Option<Option<String>>,
    pub project: Option<String>,
    pub tags: Option<Vec<String>>,
    pub system_tags: Option<Vec<String>>,
    /// `Some(None)` clears it.
    pub output_destination: Option<Option<String>>,
    pub script: ScriptPatch,
    /// `Some(None)` clears it.
    pub execution_queue: Option<Option<String>>,
    pub artifacts: Option<Vec<Value>>,
    /// Other `execution` fields, merged in.
    pub execution_extra: Map<String, Value>,
    /// Other `output` fields, merged in.
    pub output_extra: Map<String, Value>,
    pub input_models: Option<Vec<ModelLink>>,
    pub output_models: Option<Vec<ModelLink>>,
    pub container: Option<Container>,
    pub hyperparams: Option<Hyperparams>,
    pub configuration: Option<Configuration>,
    pub runtime: Option<Map<String, Value>>,
    /// A report's Markdown.
    pub report: Option<String>,
    pub report_assets: Option<Vec<String>>,
    /// Parameters sent the pre-2.9 way (`execution.parameters`): they
    /// replace the task's `legacy` hyperparameters.
    pub legacy_hyperparams: Option<Vec<Hyperparam>>,
    /// Configuration sent the pre-2.9 way (`execution.model_desc`): it
    /// replaces the task's `legacy` configuration items.
    pub legacy_configuration: Option<Vec<ConfigItem>>,
}

/// The type ClearML gives parameters and configuration converted from the
/// pre-2.9 fields.
pub const LEGACY: &str = "legacy";

impl TaskPatch {
    /// Refuses a patch that sets a bad name.
    pub fn check(&self) -> AppResult<()> {
        match &self.name {
            Some(name) => check_name("task", name).map_err(AppError::invalid),
            None => Ok(()),
        }
    }

    /// Sets the patch's fields on `t`.
    pub fn apply(&self, t: &mut Task) {
        let set = |dst: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                dst.clone_from(v);
            }
        };
        set(&mut t.name, &self.name);
        if let Some(st) = self.status.filter(|st| *st != t.status) {
            if st == TaskStatus::Queued {
                t.enqueue_status = Some(t.status);
            }
            t.status = st;
        }
        if let Some(ty) = self.task_type {
            t.task_type = ty;
        }
        set(&mut t.comment, &self.comment);
        if let Some(p) = &self.parent {
            t.parent.clone_from(p);
        }
        if let Some(p) = &self.project {
            t.project = Some(p.clone());
        }
        if let Some(tags) = &self.tags {
            t.tags.clone_from(tags);
        }
        if let Some(tags) = &self.system_tags {
            t.system_tags.clone_from(tags);
        }
        if let Some(d) = &self.output_destination {
            t.output_destination.clone_from(d);
        }
        let (s, p) = (&mut t.script, &self.script);
        set(&mut s.binary, &p.binary);
        set(&mut s.repository, &p.repository);
        set(&mut s.tag, &p.tag);
        set(&mut s.branch, &p.branch);
        set(&mut s.version_num, &p.version_num);
        set(&mut s.entry_point, &p.entry_point);
        set(&mut s.working_dir, &p.working_dir);
        set(&mut s.diff, &p.diff);
        if let Some(r) = &p.requirements {
            s.requirements.clone_from(r);
        }
        if let Some(q) = &self.execution_queue {
            t.execution_queue.clone_from(q);
        }
        if let Some(a) = &self.artifacts {
            t.artifacts.clone_from(a);
        }
        for (k, v) in &self.execution_extra {
            t.execution_extra.insert(k.clone(), v.clone());
        }
        for (k, v) in &self.output_extra {
            t.output_extra.insert(k.clone(), v.clone());
        }
        if let Some(m) = &self.input_models {
            t.models.input.clone_from(m);
        }
        if let Some(m) = &self.output_models {
            t.models.output.clone_from(m);
        }
        if let Some(c) = &self.container {
            t.container.clone_from(c);
        }
        if let Some(h) = &self.hyperparams {
            t.hyperparams.clone_from(h);
        }
        if let Some(c) = &self.configuration {
            t.configuration.clone_from(c);
        }
        if let Some(r) = &self.runtime {
            t.runtime.clone_from(r);
        }
        if let Some(r) = &self.report {
            t.report.clone_from(r);
        }
        if let Some(a) = &self.report_assets {
            t.report_assets.clone_from(a);
        }
        if let Some(items) = &self.legacy_hyperparams {
            let legacy = |h: &Hyperparam| h.value_type.as_deref() == Some(LEGACY);
            for section in t.hyperparams.values_mut() {
                section.retain(|_, h| !legacy(h));
            }
            t.hyperparams.retain(|_, s| !s.is_empty());
            for h in items {
                t.hyperparams.entry(h.section.clone()).or_default().insert(h.name.clone(), h.clone());
            }
        }
        if let Some(items) = &self.legacy_configuration {
            t.configuration.retain(|_, c| c.item_type.as_deref() != Some(LEGACY));
            for c in items {
                t.configuration.insert(c.name.clone(), c.clone());
            }
        }
    }
}

/// Whether a model link is an input or an output of the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    Input,
    Output,
}

impl LinkKind {
    /// `input` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Input => "input",
            LinkKind::Output => "output",
        }
    }
}

/// Everything the task page shows besides events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: Task,
    pub project: Option<Project>,
    pub metrics: Vec<MetricSummary>,
    /// Artifact URI → where the browser downloads it.
    pub downloads: BTreeMap<String, String>,
    /// Display names of the task's owner and last changer, by user id.
    #[serde(default)]
    pub people: BTreeMap<String, String>,
    /// The parent's name, when it has one that still exists.
    #[serde(default)]
    pub parent_name: Option<String>,
    /// Tasks whose parent this is (clones, pipeline steps), newest first,
    /// at most [`CHILDREN_SHOWN`]: id, name and status.
    #[serde(default)]
    pub children: Vec<(String, String, TaskStatus)>,
}

/// The most child tasks the task page lists.
pub const CHILDREN_SHOWN: usize = 50;

impl TaskDetail {
    /// The display name of user `id` (the id itself when unknown).
    pub fn name_of(&self, id: &str) -> String {
        self.people.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
}

/// A task's input or output model, resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskModel {
    pub kind: LinkKind,
    /// The name the task gave the link.
    pub name: String,
    /// `None` when the model has been deleted.
    pub model: Option<Model>,
    pub model_id: String,
    /// Where the browser downloads the weights.
    pub download: Option<String>,
}

/// Several tasks side by side, in the order asked, each with its scalars
/// (downsampled as on the task page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub tasks: Vec<TaskDetail>,
    /// Per task (same order), its scalar series.
    pub scalars: Vec<Vec<SeriesData>>,
}

/// The fewest tasks a comparison shows.
pub const COMPARE_MIN: usize = 2;
/// The most tasks a comparison shows.
pub const COMPARE_MAX: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_types_round_trip() {
        for t in ALL_TASK_TYPES {
            assert_eq!(t.as_str().parse::<TaskType>(), Ok(t));
        }
        assert_eq!(TaskType::default(), TaskType::Training);
        assert!("Unsupported".parse::<TaskType>().is_err());
    }

    #[test]
    fn progress_is_read_from_runtime_strings_and_numbers() {
        let mut rt = Map::new();
        assert_eq!(progress_of(&rt), None);
        rt.insert("progress".into(), Value::String("50".into()));
        assert_eq!(progress_of(&rt), Some(50));
        rt.insert("progress".into(), Value::from(120));
        assert_eq!(progress_of(&rt), Some(100));
        rt.insert("progress".into(), Value::String("abc".into()));
        assert_eq!(progress_of(&rt), None);
    }
}

/// Which statistic of a scalar series a table column shows or sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricStat {
    Last,
    Min,
    Max,
}

impl MetricStat {
    /// Every statistic, in picker order.
    pub const ALL: [MetricStat; 3] = [MetricStat::Last, MetricStat::Min, MetricStat::Max];

    /// The URL and label name.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricStat::Last => "last",
            MetricStat::Min => "min",
            MetricStat::Max => "max",
        }
    }

    /// Parses [`MetricStat::as_str`].
    pub fn parse(s: &str) -> Option<MetricStat> {
        MetricStat::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// This statistic of a series.
    pub fn of(self, m: &MetricSummary) -> f64 {
        match self {
            MetricStat::Last => m.value,
            MetricStat::Min => m.min_value,
            MetricStat::Max => m.max_value,
        }
    }
}

/// Checks a hyperparameter value against its declared type (`int`,
/// `float`, `bool`; other types and no type take any text), with the message
/// a form shows next to the field.
pub fn check_param_value(value_type: Option<&str>, value: &str) -> Result<(), String> {
    let v = value.trim();
    match value_type.map(str::trim).unwrap_or_default() {
        "int" if v.parse::<i64>().is_err() => Err(format!("'{value}' is not a whole number (type int)")),
        "float" if v.parse::<f64>().is_err() => Err(format!("'{value}' is not a number (type float)")),
        "bool" if !matches!(v, "True" | "False" | "true" | "false" | "1" | "0") => {
            Err(format!("'{value}' is not True or False (type bool)"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod value_tests {
    use super::check_param_value;

    #[test]
    fn typed_values_are_checked() {
        assert!(check_param_value(Some("int"), "12").is_ok());
        assert_eq!(check_param_value(Some("int"), "abc"), Err("'abc' is not a whole number (type int)".into()));
        assert!(check_param_value(Some("float"), "1e-3").is_ok());
        assert!(check_param_value(Some("float"), "fast").is_err());
        assert!(check_param_value(Some("bool"), "True").is_ok());
        assert!(check_param_value(Some("bool"), "yes").is_err());
        assert!(check_param_value(Some("str"), "anything").is_ok());
        assert!(check_param_value(None, "anything").is_ok());
    }
}
