//! Queues and their entries: an entry is a task waiting in a queue, at a
//! position; handing one out deletes it in one statement, so each goes to
//! exactly one caller.

use super::{from_json, to_json, Sql, SqlStore};
use crate::error::AppResult;
use crate::model::queue::QueueStat;
use crate::model::{Queue, QueueEntry};
use crate::server::clock::{new_id, now_ms};
use crate::server::store::{QueuePosition, QueueStore};
use async_trait::async_trait;

/// A queue row as stored.
#[derive(Debug, sqlx::FromRow)]
struct QueueRow {
    id: String,
    name: String,
    display_name: Option<String>,
    metadata: String,
    tags: String,
    system_tags: String,
    created: i64,
    last_update: i64,
}

impl QueueRow {
    fn into_queue(self) -> Queue {
        Queue {
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            metadata: from_json(&self.metadata, "metadata", &self.id),
            id: self.id,
            name: self.name,
            display_name: self.display_name,
            created: self.created,
            last_update: self.last_update,
        }
    }
}

/// Inserts a queue unless one has the name; answers whether it did.
fn insert_queue(id: &str, name: &str, tags: &[String], system_tags: &[String]) -> Sql {
    Sql::new(
        "INSERT INTO queues (id, name, tags, system_tags, created, last_update) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(to_json(&tags))
    .bind(to_json(&system_tags))
    .bind(now_ms())
}

#[async_trait]
impl QueueStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(name = %name))]
    async fn ensure_queue(&self, name: &str, system_tags: &[String]) -> AppResult<Queue> {
        self.db.execute(&insert_queue(&new_id(), name, &[], system_tags)).await?;
        let row: QueueRow = self.db.fetch_one(&Sql::new("SELECT * FROM queues WHERE name = $1").bind(name)).await?;
        Ok(row.into_queue())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(name = %name))]
    async fn create_queue(&self, name: &str, tags: &[String], system_tags: &[String]) -> AppResult<Option<Queue>> {
        let id = new_id();
        if self.db.execute(&insert_queue(&id, name, tags, system_tags)).await? == 0 {
            return Ok(None);
        }
        self.get_queue(&id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_queue(&self, id: &str) -> AppResult<Option<Queue>> {
        let row: Option<QueueRow> =
            self.db.fetch_optional(&Sql::new("SELECT * FROM queues WHERE id = $1").bind(id)).await?;
        Ok(row.map(QueueRow::into_queue))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_queues(&self) -> AppResult<Vec<Queue>> {
        let rows: Vec<QueueRow> = self.db.fetch_all(&Sql::new("SELECT * FROM queues ORDER BY name")).await?;
        Ok(rows.into_iter().map(QueueRow::into_queue).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue = %queue))]
    async fn queue_entries(&self, queue: &str) -> AppResult<Vec<QueueEntry>> {
        let q = Sql::new("SELECT task, added FROM queue_entries WHERE queue = $1 ORDER BY position, added").bind(queue);
        let rows: Vec<(String, i64)> = self.db.fetch_all(&q).await?;
        Ok(rows.into_iter().map(|(task, added)| QueueEntry { task, added }).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %queue.id))]
    async fn update_queue(&self, queue: &Queue) -> AppResult<bool> {
        let q = Sql::new(
            "UPDATE queues SET name = $1, tags = $2, system_tags = $3, last_update = $4, display_name = $5, \
             metadata = $6 WHERE id = $7",
        )
        .bind(&queue.name)
        .bind(to_json(&queue.tags))
        .bind(to_json(&queue.system_tags))
        .bind(now_ms())
        .bind(queue.display_name.clone())
        .bind(to_json(&queue.metadata))
        .bind(&queue.id);
        match self.db.execute(&q).await {
            Ok(_) => Ok(true),
            Err(crate::error::AppError::Duplicate { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_queue(&self, id: &str) -> AppResult<bool> {
        // Its entries go with it (ON DELETE CASCADE).
        Ok(self.db.execute(&Sql::new("DELETE FROM queues WHERE id = $1").bind(id)).await? == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue = %queue, task = %task))]
    async fn move_queue_entry(&self, queue: &str, task: &str, to: QueuePosition) -> AppResult<Option<usize>> {
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        let list =
            Sql::new("SELECT task, position FROM queue_entries WHERE queue = $1 ORDER BY position, added").bind(queue);
        let rows: Vec<(String, i64)> = exec.fetch_all(&list).await?;
        let Some(from) = rows.iter().position(|(t, _)| t == task) else {
            return Ok(None);
        };
        let dest = to.target(from, rows.len());
        if dest != from {
            let mut order: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
            let moved = order.remove(from);
            order.insert(dest, moved);
            // The entries between the two places take that range's
            // positions in their new order; the others keep theirs. Equal
            // positions (from concurrent enqueues) renumber all.
            let distinct = rows.windows(2).all(|w| w[0].1 < w[1].1);
            let (lo, hi) = if distinct { (from.min(dest), from.max(dest)) } else { (0, rows.len() - 1) };
            for (i, t) in order.iter().enumerate().take(hi + 1).skip(lo) {
                let position = if distinct { rows[i].1 } else { i as i64 + 1 };
                exec.execute(
                    &Sql::new("UPDATE queue_entries SET position = $1 WHERE task = $2").bind(position).bind(*t),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Some(dest))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue = %queue))]
    async fn pop_queue(&self, queue: &str) -> AppResult<Option<QueueEntry>> {
        let q = Sql::new(format!(
            "DELETE FROM queue_entries WHERE task = (SELECT task FROM queue_entries WHERE queue = $1 \
             ORDER BY position, added LIMIT 1{}) RETURNING task, added",
            self.db.dialect().skip_locked()
        ))
        .bind(queue);
        let row: Option<(String, i64)> = self.db.fetch_optional(&q).await?;
        Ok(row.map(|(task, added)| QueueEntry { task, added }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(n = stats.len()))]
    async fn add_queue_stats(&self, stats: &[QueueStat]) -> AppResult<()> {
        if stats.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        for s in stats {
            let q =
                Sql::new("INSERT INTO queue_stats (queue, timestamp, length, mean_wait_ms) VALUES ($1, $2, $3, $4)")
                    .bind(&s.queue)
                    .bind(s.timestamp)
                    .bind(s.length)
                    .bind(s.mean_wait_ms);
            exec.execute(&q).await?;
        }
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(from = from, to = to, queues = queues.len()))]
    async fn queue_stats(&self, queues: &[String], from: i64, to: i64) -> AppResult<Vec<QueueStat>> {
        let mut q = Sql::params();
        let mut conds = vec![format!("timestamp >= {}", q.param(from)), format!("timestamp <= {}", q.param(to))];
        if !queues.is_empty() {
            conds.push(q.in_list("queue", queues, false));
        }
        let sql = format!(
            "SELECT queue, timestamp, length, mean_wait_ms FROM queue_stats WHERE {} ORDER BY timestamp, id",
            conds.join(" AND ")
        );
        let rows: Vec<(String, i64, i64, i64)> = self.db.fetch_all(&q.with_text(sql)).await?;
        Ok(rows
            .into_iter()
            .map(|(queue, timestamp, length, mean_wait_ms)| QueueStat { queue, timestamp, length, mean_wait_ms })
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn prune_queue_stats(&self, before: i64) -> AppResult<u64> {
        self.db.execute(&Sql::new("DELETE FROM queue_stats WHERE timestamp < $1").bind(before)).await
    }
}
