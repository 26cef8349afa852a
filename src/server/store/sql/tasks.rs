//! Tasks: one row each, JSON columns for the maps and lists, plain columns
//! for everything a table sorts or filters by; every write guarded by the
//! row's revision. A page is read in two steps: the ids (a narrow sort),
//! then the whole rows of that page.

use super::task_query::{metric_missing_sql, metric_order, metric_page_sql, task_order, task_where};
use super::{from_json, to_json, Bind, Sql, SqlStore};
use crate::error::{AppError, AppResult};
use crate::model::task::{progress_of, TaskModels};
use crate::model::{Container, Script, Task, TaskStatus, ARCHIVED};
use crate::server::clock::now_ms;
use crate::server::store::{MetricStat, QueueChange, TaskFilter, TaskStore};
use async_trait::async_trait;
use std::collections::HashMap;

/// The task columns written on insert and update, in bind order.
const TASK_WRITE_COLUMNS: &[&str] = &[
    "name",
    "project",
    "type",
    "status",
    "status_reason",
    "status_message",
    "status_changed",
    "comment",
    "parent",
    "user_id",
    "tags",
    "system_tags",
    "created",
    "started",
    "completed",
    "published",
    "last_update",
    "last_change",
    "last_changed_by",
    "script_binary",
    "script_repository",
    "script_tag",
    "script_branch",
    "script_version_num",
    "script_entry_point",
    "script_working_dir",
    "script_diff",
    "script_requirements",
    "container_image",
    "container_arguments",
    "container_setup_shell_script",
    "output_destination",
    "output_extra",
    "execution_queue",
    "enqueue_status",
    "execution_extra",
    "hyperparams",
    "configuration",
    "runtime",
    "progress",
    "artifacts",
    "models_input",
    "models_output",
    "last_worker",
    "last_worker_report",
    "archived",
    "hidden",
    "report",
    "report_assets",
];

/// The binds for [`TASK_WRITE_COLUMNS`], in order.
fn task_binds(t: &Task) -> Vec<Bind> {
    vec![
        (&t.name).into(),
        (&t.project).into(),
        t.task_type.as_str().into(),
        t.status.as_str().into(),
        (&t.status_reason).into(),
        (&t.status_message).into(),
        t.status_changed.into(),
        (&t.comment).into(),
        (&t.parent).into(),
        (&t.user).into(),
        to_json(&t.tags).into(),
        to_json(&t.system_tags).into(),
        t.created.into(),
        t.started.into(),
        t.completed.into(),
        t.published.into(),
        t.last_update.into(),
        t.last_change.into(),
        (&t.last_changed_by).into(),
        (&t.script.binary).into(),
        (&t.script.repository).into(),
        (&t.script.tag).into(),
        (&t.script.branch).into(),
        (&t.script.version_num).into(),
        (&t.script.entry_point).into(),
        (&t.script.working_dir).into(),
        (&t.script.diff).into(),
        to_json(&t.script.requirements).into(),
        (&t.container.image).into(),
        (&t.container.arguments).into(),
        (&t.container.setup_shell_script).into(),
        (&t.output_destination).into(),
        to_json(&t.output_extra).into(),
        (&t.execution_queue).into(),
        t.enqueue_status.map(|st| st.as_str().to_string()).into(),
        to_json(&t.execution_extra).into(),
        to_json(&t.hyperparams).into(),
        to_json(&t.configuration).into(),
        to_json(&t.runtime).into(),
        progress_of(&t.runtime).map(i64::from).into(),
        to_json(&t.artifacts).into(),
        to_json(&t.models.input).into(),
        to_json(&t.models.output).into(),
        (&t.last_worker).into(),
        t.last_worker_report.into(),
        t.system_tags.iter().any(|x| x == ARCHIVED).into(),
        t.system_tags.iter().any(|x| x == "hidden").into(),
        (&t.report).into(),
        to_json(&t.report_assets).into(),
    ]
}

/// `INSERT INTO tasks …` with placeholders for id, the write columns,
/// last_iteration and revision.
fn insert_task_sql() -> String {
    let n = TASK_WRITE_COLUMNS.len();
    let ps: Vec<String> = (1..=n + 3).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO tasks (id, {}, last_iteration, revision) VALUES ({})",
        TASK_WRITE_COLUMNS.join(", "),
        ps.join(", ")
    )
}

/// `UPDATE tasks SET …` for the write columns, guarded by id and revision,
/// then `last_iteration`. `last_update` and `last_iteration` never move
/// backwards (events may have advanced them meanwhile).
fn update_task_sql() -> String {
    let n = TASK_WRITE_COLUMNS.len();
    let sets: Vec<String> = TASK_WRITE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = i + 1;
            if *c == "last_update" {
                format!("last_update = CASE WHEN ${p} > last_update THEN ${p} ELSE last_update END")
            } else {
                format!("{c} = ${p}")
            }
        })
        .collect();
    let it = n + 3;
    format!(
        "UPDATE tasks SET {}, last_iteration = CASE WHEN ${it} > last_iteration THEN ${it} ELSE last_iteration END, \
         revision = revision + 1 WHERE id = ${} AND revision = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    )
}

/// A statement with these binds.
fn with_binds(text: String, binds: Vec<Bind>) -> Sql {
    binds.into_iter().fold(Sql::new(text), Sql::bind)
}

/// A task row as stored.
#[derive(Debug, sqlx::FromRow)]
struct TaskRow {
    id: String,
    name: String,
    project: Option<String>,
    #[sqlx(rename = "type")]
    task_type: String,
    status: String,
    status_reason: String,
    status_message: String,
    status_changed: i64,
    comment: String,
    parent: Option<String>,
    user_id: String,
    tags: String,
    system_tags: String,
    created: i64,
    started: Option<i64>,
    completed: Option<i64>,
    published: Option<i64>,
    last_update: i64,
    last_change: i64,
    last_changed_by: String,
    report: String,
    report_assets: String,
    script_binary: String,
    script_repository: String,
    script_tag: String,
    script_branch: String,
    script_version_num: String,
    script_entry_point: String,
    script_working_dir: String,
    script_diff: String,
    script_requirements: String,
    container_image: String,
    container_arguments: String,
    container_setup_shell_script: String,
    output_destination: Option<String>,
    output_extra: String,
    execution_queue: Option<String>,
    enqueue_status: Option<String>,
    execution_extra: String,
    hyperparams: String,
    configuration: String,
    runtime: String,
    artifacts: String,
    models_input: String,
    models_output: String,
    last_iteration: i64,
    last_worker: Option<String>,
    last_worker_report: Option<i64>,
    revision: i64,
    public: i64,
}

impl TaskRow {
    /// The domain task. Unknown enum text is reported, not guessed.
    fn into_task(self) -> AppResult<Task> {
        let id = self.id;
        let status = self.status.parse().map_err(|e: String| {
            tracing::error!(%id, error = %e, "bad status in database");
            AppError::Internal
        })?;
        let task_type = self.task_type.parse().map_err(|e: String| {
            tracing::error!(%id, error = %e, "bad type in database");
            AppError::Internal
        })?;
        Ok(Task {
            name: self.name,
            project: self.project,
            task_type,
            status,
            status_reason: self.status_reason,
            status_message: self.status_message,
            status_changed: self.status_changed,
            comment: self.comment,
            parent: self.parent,
            user: self.user_id,
            tags: from_json(&self.tags, "tags", &id),
            system_tags: from_json(&self.system_tags, "system_tags", &id),
            created: self.created,
            started: self.started,
            completed: self.completed,
            published: self.published,
            last_update: self.last_update,
            last_change: self.last_change,
            last_changed_by: self.last_changed_by,
            report_assets: from_json(&self.report_assets, "report_assets", &id),
            report: self.report,
            script: Script {
                binary: self.script_binary,
                repository: self.script_repository,
                tag: self.script_tag,
                branch: self.script_branch,
                version_num: self.script_version_num,
                entry_point: self.script_entry_point,
                working_dir: self.script_working_dir,
                diff: self.script_diff,
                requirements: from_json(&self.script_requirements, "script_requirements", &id),
            },
            container: Container {
                image: self.container_image,
                arguments: self.container_arguments,
                setup_shell_script: self.container_setup_shell_script,
            },
            output_destination: self.output_destination,
            output_extra: from_json(&self.output_extra, "output_extra", &id),
            execution_queue: self.execution_queue,
            enqueue_status: self.enqueue_status.and_then(|s| s.parse().ok()),
            execution_extra: from_json(&self.execution_extra, "execution_extra", &id),
            hyperparams: from_json(&self.hyperparams, "hyperparams", &id),
            configuration: from_json(&self.configuration, "configuration", &id),
            runtime: from_json(&self.runtime, "runtime", &id),
            artifacts: from_json(&self.artifacts, "artifacts", &id),
            models: TaskModels {
                input: from_json(&self.models_input, "models_input", &id),
                output: from_json(&self.models_output, "models_output", &id),
            },
            last_iteration: self.last_iteration,
            last_worker: self.last_worker,
            last_worker_report: self.last_worker_report,
            revision: self.revision,
            public: self.public != 0,
            id,
        })
    }
}

impl SqlStore {
    /// Whole tasks for `ids`, in that order (one missing since the ids were
    /// read is left out).
    async fn tasks_in_order(&self, ids: Vec<String>) -> AppResult<Vec<Task>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::params();
        let cond = q.in_list("id", &ids, false);
        let rows: Vec<TaskRow> = self.db.fetch_all(&q.with_text(format!("SELECT * FROM tasks WHERE {cond}"))).await?;
        let mut by_id: HashMap<String, Task> =
            rows.into_iter().map(|r| r.into_task().map(|t| (t.id.clone(), t))).collect::<Result<_, _>>()?;
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// One page of ids ordered by a series statistic: the tasks with the
    /// series straight from its index, then (NULLs last) those without it,
    /// by id; and the total when asked for.
    async fn metric_ordered_ids(
        &self,
        filter: &TaskFilter,
        by: (&str, &str, MetricStat, bool),
    ) -> AppResult<(Vec<String>, i64)> {
        let d = self.db.dialect();
        let (limit, offset) = (filter.page_size.max(1), filter.page.max(0) * filter.page_size.max(1));
        let mut where_q = Sql::params();
        let wh = task_where(d, &mut where_q, filter);
        let mut page_q = where_q.clone();
        let sql = metric_page_sql(&mut page_q, &wh, by, limit, offset);
        let rows: Vec<(String,)> = self.db.fetch_all(&page_q.with_text(sql)).await?;
        let mut ids: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        // How many tasks match in all: read at most once.
        let mut matching: Option<i64> = None;
        let count = where_q.clone().with_text(format!("SELECT COUNT(*) FROM tasks{wh}"));
        if (ids.len() as i64) < limit {
            // The page runs past the tasks with the series. How many have
            // it is known from this page unless it came back empty.
            let with_series = if ids.is_empty() {
                let mut missing_q = where_q.clone();
                let missing = metric_missing_sql(&mut missing_q, &wh, by.0, by.1, true);
                let (n_all,): (i64,) = self.db.fetch_one(&count).await?;
                matching = Some(n_all);
                let (n_missing,): (i64,) = self.db.fetch_one(&missing_q.with_text(missing)).await?;
                n_all - n_missing
            } else {
                offset + ids.len() as i64
            };
            let mut rest_q = where_q.clone();
            let rest = metric_missing_sql(&mut rest_q, &wh, by.0, by.1, false);
            let (l, o) = (rest_q.param(limit - ids.len() as i64), rest_q.param((offset - with_series).max(0)));
            let rows: Vec<(String,)> =
                self.db.fetch_all(&rest_q.with_text(format!("{rest} LIMIT {l} OFFSET {o}"))).await?;
            ids.extend(rows.into_iter().map(|r| r.0));
        }
        let total = match (filter.count_total, matching) {
            (false, _) => -1,
            (true, Some(n)) => n,
            (true, None) => self.db.fetch_one::<(i64,)>(&count).await?.0,
        };
        Ok((ids, total))
    }
}

#[async_trait]
impl TaskStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(n = ids.len()))]
    async fn set_tasks_public(&self, ids: &[String], public: bool) -> AppResult<u64> {
        self.set_public("tasks", ids, public).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %task.id))]
    async fn insert_task(&self, task: &Task) -> AppResult<()> {
        let mut binds = vec![Bind::from(&task.id)];
        binds.extend(task_binds(task));
        binds.push(task.last_iteration.into());
        binds.push(task.revision.into());
        self.db.execute(&with_binds(insert_task_sql(), binds)).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_task(&self, id: &str) -> AppResult<Option<Task>> {
        let row: Option<TaskRow> =
            self.db.fetch_optional(&Sql::new("SELECT * FROM tasks WHERE id = $1").bind(id)).await?;
        row.map(TaskRow::into_task).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %task.id, revision = task.revision))]
    async fn update_task(&self, task: &Task) -> AppResult<bool> {
        self.update_task_queue(task, QueueChange::Keep).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %task.id, revision = task.revision))]
    async fn update_task_queue(&self, task: &Task, change: QueueChange) -> AppResult<bool> {
        let mut binds = task_binds(task);
        binds.push((&task.id).into());
        binds.push(task.revision.into());
        binds.push(task.last_iteration.into());
        let update = with_binds(update_task_sql(), binds);
        if change == QueueChange::Keep {
            // One statement: no transaction needed.
            return Ok(self.db.execute(&update).await? == 1);
        }
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        if exec.execute(&update).await? != 1 {
            return Ok(false);
        }
        let leave = Sql::new("DELETE FROM queue_entries WHERE task = $1").bind(&task.id);
        match change {
            QueueChange::Keep => {}
            QueueChange::Remove => {
                exec.execute(&leave).await?;
            }
            QueueChange::Enqueue(queue) => {
                exec.execute(&leave).await?;
                let join = Sql::new(
                    "INSERT INTO queue_entries (task, queue, added, position) VALUES ($1, $2, $3, \
                     (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_entries WHERE queue = $2))",
                )
                .bind(&task.id)
                .bind(queue)
                .bind(now_ms());
                exec.execute(&join).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(page = filter.page, page_size = filter.page_size))]
    async fn query_tasks(&self, filter: &TaskFilter) -> AppResult<(Vec<Task>, i64)> {
        if let Some(by) = metric_order(filter) {
            let (ids, total) = self.metric_ordered_ids(filter, by).await?;
            return Ok((self.tasks_in_order(ids).await?, total));
        }
        let d = self.db.dialect();
        let mut q = Sql::params();
        let wh = task_where(d, &mut q, filter);
        let count_binds = q.bind_count();
        let order = task_order(d, &mut q, filter);
        let limit = q.param(filter.page_size.max(1));
        let offset = q.param(filter.page.max(0) * filter.page_size.max(1));
        // A text search scans every row anyway: count in the same scan (a
        // window over the matches). Otherwise the count is its own
        // index-only query and the page stops after `limit` rows.
        let scan_counts = filter.count_total && filter.search_text.as_deref().is_some_and(|t| !t.is_empty());
        let total_col = if scan_counts { "COUNT(*) OVER ()" } else { "CAST(-1 AS BIGINT)" };
        // Ids first (a narrow sort), then whole rows for the page only.
        let page_q = q.with_text(format!("SELECT id, {total_col} FROM tasks{wh}{order} LIMIT {limit} OFFSET {offset}"));
        let page: Vec<(String, i64)> = self.db.fetch_all(&page_q).await?;
        let total = match (filter.count_total, page.first()) {
            (false, _) => -1,
            (true, Some((_, n))) if scan_counts => *n,
            (true, _) => {
                let count = page_q.truncated(count_binds).with_text(format!("SELECT COUNT(*) FROM tasks{wh}"));
                self.db.fetch_one::<(i64,)>(&count).await?.0
            }
        };
        Ok((self.tasks_in_order(page.into_iter().map(|(id, _)| id).collect()).await?, total))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_tasks_by_status(&self, filter: &TaskFilter) -> AppResult<Vec<(TaskStatus, i64)>> {
        let mut q = Sql::params();
        let wh = task_where(self.db.dialect(), &mut q, filter);
        let rows: Vec<(String, i64)> =
            self.db.fetch_all(&q.with_text(format!("SELECT status, COUNT(*) FROM tasks{wh} GROUP BY status"))).await?;
        // A status this version does not know (a newer one's) is not counted.
        Ok(rows.into_iter().filter_map(|(s, n)| s.parse().ok().map(|s| (s, n))).collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn task_tag_counts(&self, filter: &TaskFilter, limit: i64) -> AppResult<Vec<(String, i64)>> {
        let d = self.db.dialect();
        let mut q = Sql::params();
        let wh = task_where(d, &mut q, filter);
        let limit = q.param(limit.max(1));
        let items = d.json_array_items("m.tags", "j");
        let text = format!(
            "SELECT j.value, COUNT(*) FROM (SELECT tags FROM tasks{wh}) AS m, {items} \
             GROUP BY j.value ORDER BY COUNT(*) DESC, j.value LIMIT {limit}"
        );
        let rows: Vec<(String, i64)> = self.db.fetch_all(&q.with_text(text)).await?;
        Ok(rows)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ids = ids.len()))]
    async fn existing_task_ids(&self, ids: &[String]) -> AppResult<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::params();
        let cond = q.in_list("id", ids, false);
        let rows: Vec<(String,)> =
            self.db.fetch_all(&q.with_text(format!("SELECT id FROM tasks WHERE {cond}"))).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_task(&self, id: &str) -> AppResult<bool> {
        // Its events first; its queue entry goes with it (ON DELETE CASCADE).
        self.delete_with_events("tasks", id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_update_statements_number_every_column() {
        let n = TASK_WRITE_COLUMNS.len();
        let ins = insert_task_sql();
        assert!(ins.contains(&format!("${}", n + 3)));
        assert!(!ins.contains(&format!("${}", n + 4)));
        let upd = update_task_sql();
        assert!(upd.ends_with(&format!("WHERE id = ${} AND revision = ${}", n + 1, n + 2)));
        assert_eq!(task_binds(&Task::default()).len(), n);
    }
}
