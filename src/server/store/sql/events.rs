//! What tasks report. Console lines and other events are a row each;
//! scalars are a row per series per batch (a packed chunk, see
//! [`crate::server::store::scalars`]) plus one row of running statistics
//! per series, so a task's last metrics never read points.

use super::{Sql, SqlStore};
use crate::error::AppResult;
use crate::model::event::MetricFilter;
use crate::model::task::MetricSummary;
use crate::model::{LogEntry, SeriesData, SINGLE_VALUE_ITERATION};
use crate::server::clock::now_ms;
use crate::server::store::scalars::{encode_points, BatchStats, SeriesBuilder};
use crate::server::store::{EventStore, LogClearing, LogCursor, OtherEvent, StoredEvent, TaskEvents};
use async_trait::async_trait;
use futures::TryStreamExt;
use std::collections::BTreeMap;

/// Merges one batch's statistics into its series' row (creating it) and
/// answers the series id. The last value is the newest batch's (its highest
/// iteration), whatever the iterations stored before: as on ClearML's
/// server, a value reported later replaces the last one.
const UPSERT_SERIES: &str = "INSERT INTO scalar_series (task, metric, variant, count, sum_value, first_value, \
     first_iter, last_value, last_iter, min_value, min_iter, max_value, max_iter, x_axis_label) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
     ON CONFLICT (task, metric, variant) DO UPDATE SET \
     x_axis_label = COALESCE(excluded.x_axis_label, scalar_series.x_axis_label), \
     count = scalar_series.count + excluded.count, \
     sum_value = scalar_series.sum_value + excluded.sum_value, \
     first_value = CASE WHEN scalar_series.count = 0 THEN excluded.first_value ELSE scalar_series.first_value END, \
     first_iter = CASE WHEN scalar_series.count = 0 THEN excluded.first_iter ELSE scalar_series.first_iter END, \
     last_value = CASE WHEN excluded.count > 0 THEN excluded.last_value ELSE scalar_series.last_value END, \
     last_iter = CASE WHEN excluded.count > 0 THEN excluded.last_iter ELSE scalar_series.last_iter END, \
     min_value = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.min_value < scalar_series.min_value) THEN excluded.min_value ELSE scalar_series.min_value END, \
     min_iter = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.min_value < scalar_series.min_value) THEN excluded.min_iter ELSE scalar_series.min_iter END, \
     max_value = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.max_value > scalar_series.max_value) THEN excluded.max_value ELSE scalar_series.max_value END, \
     max_iter = CASE WHEN excluded.count > 0 AND (scalar_series.count = 0 OR excluded.max_value > scalar_series.max_value) THEN excluded.max_iter ELSE scalar_series.max_iter END \
     RETURNING id";

/// Deletes every event of one owner (`$1`, a task or a model). Events name
/// their owner without a foreign key (a model owns events too), so deleting
/// a task or a model runs these first, in the same transaction.
const DELETE_EVENTS_OF: [&str; 4] = [
    "DELETE FROM scalar_chunks WHERE series IN (SELECT id FROM scalar_series WHERE task = $1)",
    "DELETE FROM scalar_series WHERE task = $1",
    "DELETE FROM task_logs WHERE task = $1",
    "DELETE FROM task_events WHERE task = $1",
];

impl SqlStore {
    /// Deletes the row `id` of `table` (`tasks` or `models`) with every
    /// event it owns, in one transaction; answers whether the row existed.
    pub(super) async fn delete_with_events(&self, table: &str, id: &str) -> AppResult<bool> {
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        for sql in DELETE_EVENTS_OF {
            exec.execute(&Sql::new(sql).bind(id)).await?;
        }
        let deleted = exec.execute(&Sql::new(format!("DELETE FROM {table} WHERE id = $1")).bind(id)).await? == 1;
        tx.commit().await?;
        Ok(deleted)
    }
}

/// The condition a [`MetricFilter`] puts on `metric` and `variant`
/// columns; `None` when it admits everything.
fn metric_condition(q: &mut Sql, f: &MetricFilter) -> Option<String> {
    if f.0.is_empty() {
        return None;
    }
    let ors: Vec<String> =
        f.0.iter()
            .map(|(metric, variants)| {
                let m = format!("metric = {}", q.param(metric));
                if variants.is_empty() {
                    m
                } else {
                    format!("({m} AND {})", q.in_list("variant", variants, false))
                }
            })
            .collect();
    Some(format!("({})", ors.join(" OR ")))
}

/// A scalar series' statistics as stored.
#[derive(Debug, sqlx::FromRow)]
struct SeriesRow {
    task: String,
    metric: String,
    variant: String,
    count: i64,
    sum_value: f64,
    first_value: f64,
    first_iter: i64,
    last_value: f64,
    last_iter: i64,
    min_value: f64,
    min_iter: i64,
    max_value: f64,
    max_iter: i64,
    x_axis_label: Option<String>,
}

impl SeriesRow {
    /// The `last_metrics` entry of this series.
    fn into_summary(self) -> MetricSummary {
        MetricSummary {
            metric: self.metric,
            variant: self.variant,
            value: self.last_value,
            last_iteration: self.last_iter,
            min_value: self.min_value,
            min_value_iteration: self.min_iter,
            max_value: self.max_value,
            max_value_iteration: self.max_iter,
            first_value: self.first_value,
            first_value_iteration: self.first_iter,
            mean_value: if self.count > 0 { self.sum_value / self.count as f64 } else { 0.0 },
            count: self.count,
            x_axis_label: self.x_axis_label,
        }
    }
}

#[async_trait]
impl EventStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(task = %task, scalars = events.scalars.len(), logs = events.logs.len()))]
    async fn add_events(&self, task: &str, events: &TaskEvents) -> AppResult<()> {
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        let mut max_iter: Option<i64> = None;
        let mut max_ts: i64 = 0;
        for ((metric, variant), points) in &events.scalars {
            let st = BatchStats::of(points).unwrap_or(BatchStats::EMPTY);
            for p in points {
                max_ts = max_ts.max(p.timestamp);
                if p.iter != SINGLE_VALUE_ITERATION {
                    max_iter = Some(max_iter.map_or(p.iter, |m| m.max(p.iter)));
                }
            }
            let upsert = Sql::new(UPSERT_SERIES)
                .bind(task)
                .bind(metric)
                .bind(variant)
                .bind(st.count)
                .bind(st.sum)
                .bind(st.first.0)
                .bind(st.first.1)
                .bind(st.last.0)
                .bind(st.last.1)
                .bind(st.min.0)
                .bind(st.min.1)
                .bind(st.max.0)
                .bind(st.max.1)
                .bind(events.x_axis_labels.get(&(metric.clone(), variant.clone())).cloned());
            let (series,): (i64,) = exec.fetch_one(&upsert).await?;
            let chunk = Sql::new("INSERT INTO scalar_chunks (series, points) VALUES ($1, $2)")
                .bind(series)
                .bind(encode_points(points));
            exec.execute(&chunk).await?;
        }
        for log in &events.logs {
            max_ts = max_ts.max(log.timestamp);
            let q = Sql::new(
                "INSERT INTO task_logs (task, timestamp, level, worker, msg, iter, metric, variant) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(task)
            .bind(log.timestamp)
            .bind(&log.level)
            .bind(&log.worker)
            .bind(&log.msg)
            .bind(log.iter)
            .bind(&log.metric)
            .bind(&log.variant);
            exec.execute(&q).await?;
        }
        for ev in &events.others {
            max_ts = max_ts.max(ev.timestamp);
            if ev.iter >= 0 {
                max_iter = Some(max_iter.map_or(ev.iter, |m| m.max(ev.iter)));
            }
            let q = Sql::new(
                "INSERT INTO task_events (task, type, timestamp, iter, metric, variant, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(task)
            .bind(&ev.event_type)
            .bind(ev.timestamp)
            .bind(ev.iter)
            .bind(&ev.metric)
            .bind(&ev.variant)
            .bind(&ev.body);
            exec.execute(&q).await?;
        }
        // The owner is a task or a model (ids never clash): whichever it
        // is moves on; the other statement matches no row.
        for owner in ["tasks", "models"] {
            let touch = Sql::new(format!(
                "UPDATE {owner} SET last_update = CASE WHEN $2 > last_update THEN $2 ELSE last_update END, \
                 last_iteration = CASE WHEN $3 > last_iteration THEN $3 ELSE last_iteration END WHERE id = $1"
            ))
            .bind(task)
            .bind(now_ms().max(max_ts))
            .bind(max_iter.unwrap_or(0));
            exec.execute(&touch).await?;
        }
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn clear_task_events(&self, id: &str) -> AppResult<()> {
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        for sql in DELETE_EVENTS_OF.iter().chain(&["UPDATE tasks SET last_iteration = 0 WHERE id = $1"]) {
            exec.execute(&Sql::new(*sql).bind(id)).await?;
        }
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task, limit = limit))]
    async fn task_log(
        &self,
        task: &str,
        cursor: LogCursor,
        limit: i64,
        metrics: &MetricFilter,
    ) -> AppResult<Vec<(i64, LogEntry)>> {
        let mut q = Sql::params();
        let task_p = q.param(task);
        let (cond, order) = match cursor {
            LogCursor::After(after) => (format!("id > {}", q.param(after.unwrap_or(i64::MIN))), "id ASC"),
            LogCursor::Before(before) => (format!("id < {}", q.param(before.unwrap_or(i64::MAX))), "id DESC"),
            LogCursor::AfterTime(t) => (format!("timestamp > {}", q.param(t)), "timestamp ASC, id ASC"),
            LogCursor::BeforeTime(t) => (format!("timestamp < {}", q.param(t)), "timestamp DESC, id DESC"),
        };
        let narrowed = metric_condition(&mut q, metrics).map(|c| format!(" AND {c}")).unwrap_or_default();
        let limit_p = q.param(limit);
        let sql = format!(
            "SELECT id, timestamp, level, worker, msg, iter, metric, variant FROM task_logs \
             WHERE task = {task_p} AND {cond}{narrowed} ORDER BY {order} LIMIT {limit_p}"
        );
        let rows: Vec<(i64, i64, String, String, String, i64, String, String)> =
            self.db.fetch_all(&q.with_text(sql)).await?;
        Ok(rows
            .into_iter()
            .map(|(id, timestamp, level, worker, msg, iter, metric, variant)| {
                (id, LogEntry { timestamp, level, worker, msg, iter, metric, variant })
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task))]
    async fn count_task_log(&self, task: &str, metrics: &MetricFilter) -> AppResult<i64> {
        let mut q = Sql::params();
        let task_p = q.param(task);
        let narrowed = metric_condition(&mut q, metrics).map(|c| format!(" AND {c}")).unwrap_or_default();
        let sql = format!("SELECT COUNT(*) FROM task_logs WHERE task = {task_p}{narrowed}");
        Ok(self.db.fetch_one::<(i64,)>(&q.with_text(sql)).await?.0)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task))]
    async fn clear_task_log(&self, task: &str, clear: &LogClearing) -> AppResult<u64> {
        let mut q = Sql::params();
        let mut conds = vec![format!("task = {}", q.param(task))];
        if let Some(before) = clear.before {
            conds.push(format!("timestamp < {}", q.param(before)));
        }
        if !clear.include_metrics.is_empty() {
            conds.push(q.in_list("metric", &clear.include_metrics, false));
        }
        if !clear.exclude_metrics.is_empty() {
            conds.push(q.in_list("metric", &clear.exclude_metrics, true));
        }
        self.db.execute(&q.with_text(format!("DELETE FROM task_logs WHERE {}", conds.join(" AND ")))).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task))]
    async fn log_metric_variants(&self, task: &str) -> AppResult<Vec<(String, String)>> {
        let q = Sql::new(
            "SELECT DISTINCT metric, variant FROM task_logs WHERE task = $1 AND metric <> '' ORDER BY metric, variant",
        )
        .bind(task);
        self.db.fetch_all(&q).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task))]
    async fn metric_summaries(&self, task: &str) -> AppResult<Vec<MetricSummary>> {
        Ok(self.metric_summaries_of(&[task.to_string()]).await?.remove(task).unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tasks = tasks.len()))]
    async fn metric_summaries_of(&self, tasks: &[String]) -> AppResult<BTreeMap<String, Vec<MetricSummary>>> {
        let mut out = BTreeMap::<String, Vec<MetricSummary>>::new();
        if tasks.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::params();
        let cond = q.in_list("task", tasks, false);
        let sql = format!(
            "SELECT task, metric, variant, count, sum_value, first_value, first_iter, last_value, last_iter, \
             min_value, min_iter, max_value, max_iter, x_axis_label FROM scalar_series WHERE {cond} AND count > 0 \
             ORDER BY task, metric, variant"
        );
        let rows: Vec<SeriesRow> = self.db.fetch_all(&q.with_text(sql)).await?;
        for r in rows {
            out.entry(r.task.clone()).or_default().push(r.into_summary());
        }
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task, event_type = %event_type, limit = limit))]
    async fn task_events(&self, task: &str, event_type: &str, limit: i64) -> AppResult<Vec<StoredEvent>> {
        let q = Sql::new(
            "SELECT id, type, timestamp, iter, metric, variant, body FROM task_events \
             WHERE task = $1 AND type = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(task)
        .bind(event_type)
        .bind(limit);
        let rows: Vec<(i64, String, i64, i64, String, String, String)> = self.db.fetch_all(&q).await?;
        Ok(rows
            .into_iter()
            .map(|(id, event_type, timestamp, iter, metric, variant, body)| StoredEvent {
                id,
                event: OtherEvent { event_type, timestamp, iter, metric, variant, body },
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(task = %task))]
    async fn scalar_series(&self, task: &str) -> AppResult<Vec<SeriesData>> {
        // Streamed chunk by chunk, decoded straight into the series'
        // columns: a million-point series is never held twice.
        let q = Sql::new(
            "SELECT s.id, s.metric, s.variant, s.x_axis_label, c.points FROM scalar_series s \
             JOIN scalar_chunks c ON c.series = s.id WHERE s.task = $1 ORDER BY s.metric, s.variant, c.id",
        )
        .bind(task);
        let mut conn = self.db.acquire().await?;
        let mut exec = conn.exec();
        let mut rows = exec.fetch::<(i64, String, String, Option<String>, Vec<u8>)>(&q);
        let mut out: Vec<SeriesData> = Vec::new();
        let mut current: Option<(i64, SeriesBuilder)> = None;
        while let Some((id, metric, variant, label, blob)) = rows.try_next().await? {
            if current.as_ref().map(|c| c.0) != Some(id) {
                if let Some((_, b)) = current.take() {
                    out.push(b.finish());
                }
                current = Some((id, SeriesBuilder::new(metric, variant).x_axis_label(label)));
            }
            if let Some((_, b)) = current.as_mut() {
                b.add_chunk(&blob);
            }
        }
        if let Some((_, b)) = current.take() {
            out.push(b.finish());
        }
        Ok(out)
    }
}
