//! Workers as they last reported (one row each, replaced on every report).

use super::{to_json, Sql, SqlStore};
use crate::error::AppResult;
use crate::model::worker::WorkerStat;
use crate::model::Worker;
use crate::server::store::WorkerStore;
use async_trait::async_trait;

/// A `workers` row.
#[derive(sqlx::FromRow)]
struct WorkerRow {
    id: String,
    queues: String,
    tags: String,
    task: Option<String>,
    queue: Option<String>,
    machine_stats: String,
    runtime_properties: String,
    system_tags: String,
    timeout_ms: Option<i64>,
    user_id: String,
    ip: Option<String>,
    registered: i64,
    last_seen: i64,
}

impl WorkerRow {
    /// The worker; JSON columns that do not parse read as empty.
    fn into_worker(self) -> Worker {
        Worker {
            queues: super::from_json(&self.queues, "queues", &self.id),
            tags: super::from_json(&self.tags, "tags", &self.id),
            machine_stats: super::from_json(&self.machine_stats, "machine_stats", &self.id),
            runtime_properties: super::from_json(&self.runtime_properties, "runtime_properties", &self.id),
            system_tags: super::from_json(&self.system_tags, "system_tags", &self.id),
            timeout_ms: self.timeout_ms,
            user: self.user_id,
            ip: self.ip,
            id: self.id,
            task: self.task,
            queue: self.queue,
            registered: self.registered,
            last_seen: self.last_seen,
        }
    }
}

#[async_trait]
impl WorkerStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(n = stats.len()))]
    async fn add_worker_stats(&self, stats: &[WorkerStat]) -> AppResult<()> {
        if stats.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        for s in stats {
            let q = Sql::new(
                "INSERT INTO worker_stats (worker, timestamp, task, category, metric, variant, value) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&s.worker)
            .bind(s.timestamp)
            .bind(&s.task)
            .bind(&s.category)
            .bind(&s.metric)
            .bind(&s.variant)
            .bind(s.value);
            exec.execute(&q).await?;
        }
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(workers = workers.len()))]
    async fn worker_stat_keys(&self, workers: &[String]) -> AppResult<Vec<(String, String)>> {
        let mut q = Sql::params();
        let cond =
            if workers.is_empty() { String::new() } else { format!(" WHERE {}", q.in_list("worker", workers, false)) };
        let sql = format!("SELECT DISTINCT category, metric FROM worker_stats{cond} ORDER BY category, metric");
        self.db.fetch_all(&q.with_text(sql)).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(from = from, to = to))]
    async fn worker_stats(
        &self,
        metric: Option<&str>,
        from: i64,
        to: i64,
        workers: &[String],
    ) -> AppResult<Vec<WorkerStat>> {
        let mut q = Sql::params();
        let mut conds = vec![format!("timestamp >= {}", q.param(from)), format!("timestamp <= {}", q.param(to))];
        if let Some(m) = metric {
            conds.push(format!("metric = {}", q.param(m)));
        }
        if !workers.is_empty() {
            conds.push(q.in_list("worker", workers, false));
        }
        let sql = format!(
            "SELECT worker, timestamp, task, category, metric, variant, value FROM worker_stats WHERE {} \
             ORDER BY timestamp, id",
            conds.join(" AND ")
        );
        let rows: Vec<(String, i64, Option<String>, String, String, String, f64)> =
            self.db.fetch_all(&q.with_text(sql)).await?;
        Ok(rows
            .into_iter()
            .map(|(worker, timestamp, task, category, metric, variant, value)| WorkerStat {
                worker,
                timestamp,
                task,
                category,
                metric,
                variant,
                value,
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn prune_worker_stats(&self, before: i64) -> AppResult<u64> {
        self.db.execute(&Sql::new("DELETE FROM worker_stats WHERE timestamp < $1").bind(before)).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %w.id))]
    async fn put_worker(&self, w: &Worker) -> AppResult<()> {
        let q = Sql::new(
            "INSERT INTO workers (id, queues, tags, task, queue, machine_stats, registered, last_seen, \
             runtime_properties, system_tags, timeout_ms, user_id, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (id) DO UPDATE SET \
             queues = excluded.queues, tags = excluded.tags, task = excluded.task, queue = excluded.queue, \
             machine_stats = excluded.machine_stats, last_seen = excluded.last_seen, \
             runtime_properties = excluded.runtime_properties, system_tags = excluded.system_tags, \
             timeout_ms = excluded.timeout_ms, user_id = excluded.user_id, ip = excluded.ip",
        )
        .bind(&w.id)
        .bind(to_json(&w.queues))
        .bind(to_json(&w.tags))
        .bind(&w.task)
        .bind(&w.queue)
        .bind(to_json(&w.machine_stats))
        .bind(w.registered)
        .bind(w.last_seen)
        .bind(to_json(&w.runtime_properties))
        .bind(to_json(&w.system_tags))
        .bind(w.timeout_ms)
        .bind(&w.user)
        .bind(&w.ip);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_worker(&self, id: &str) -> AppResult<Option<Worker>> {
        let row: Option<WorkerRow> =
            self.db.fetch_optional(&Sql::new("SELECT * FROM workers WHERE id = $1").bind(id)).await?;
        Ok(row.map(WorkerRow::into_worker))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_workers(&self) -> AppResult<Vec<Worker>> {
        let rows: Vec<WorkerRow> = self.db.fetch_all(&Sql::new("SELECT * FROM workers ORDER BY id")).await?;
        Ok(rows.into_iter().map(WorkerRow::into_worker).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_worker(&self, id: &str) -> AppResult<bool> {
        Ok(self.db.execute(&Sql::new("DELETE FROM workers WHERE id = $1").bind(id)).await? == 1)
    }
}
