//! Workers as they last reported (one row each, replaced on every report).

use super::{to_json, Sql, SqlStore};
use crate::error::AppResult;
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
