//! Queues and workers for the web UI: what waits where, for how long, and
//! who runs what.

use crate::error::AppError;
use crate::model::history::{HistoryRange, TimeChart};
use crate::model::queue::{QueueChoice, QueueOp, QueueView};
use crate::model::worker::WorkerView;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The live workers, as `workers.get_all` lists them.
#[server(prefix = "/rpc", endpoint = "list_workers", output = Json)]
pub async fn list_workers() -> Result<Vec<WorkerView>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::workers::views(&st, &actor).await)
}

/// The workers' charts over the `range` that ends now.
#[server(prefix = "/rpc", endpoint = "worker_charts", input = Json, output = Json)]
pub async fn worker_charts(range: HistoryRange) -> Result<Vec<TimeChart>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::workers::charts(&st, &actor, range).await)
}

/// The queues' charts (length, mean wait) over the `range` that ends now.
#[server(prefix = "/rpc", endpoint = "queue_charts", input = Json, output = Json)]
pub async fn queue_charts(range: HistoryRange) -> Result<Vec<TimeChart>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::queues::charts(&st, &actor, range).await)
}

/// Every queue with its waiting tasks, the default queue first.
#[server(prefix = "/rpc", endpoint = "list_queue_views", output = Json)]
pub async fn list_queue_views() -> Result<Vec<QueueView>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::queues::views(&st, &actor).await)
}

/// The queues tasks can be enqueued to, the default first.
#[server(prefix = "/rpc", endpoint = "list_queues")]
pub async fn list_queues() -> Result<Vec<QueueChoice>, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::queues::choices(&st, &actor).await)
}

/// Creates a queue; answers its id.
#[server(prefix = "/rpc", endpoint = "create_queue")]
pub async fn create_queue(name: String) -> Result<String, AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::queues::create(&st, &actor, &name, &[], &[]).await.map(|q| q.id))
}

/// Renames a queue.
#[server(prefix = "/rpc", endpoint = "rename_queue")]
pub async fn rename_queue(id: String, name: String) -> Result<(), AppError> {
    use crate::server::ops::queues::{update, QueueUpdate};
    let (st, actor) = super::context()?;
    let change = QueueUpdate { name: Some(name), ..QueueUpdate::default() };
    super::answer(update(&st, &actor, &id, &change).await.map(|_| ()))
}

/// Deletes a queue; with `force`, its waiting tasks go back to draft first.
#[server(prefix = "/rpc", endpoint = "delete_queue")]
pub async fn delete_queue(id: String, force: bool) -> Result<(), AppError> {
    let (st, actor) = super::context()?;
    super::answer(crate::server::ops::queues::delete(&st, &actor, &id, force).await.map(|_| ()))
}

/// Reorders, removes or moves a waiting task.
#[server(prefix = "/rpc", endpoint = "queue_task", input = Json)]
pub async fn queue_task(queue: String, task: String, op: QueueOp) -> Result<(), AppError> {
    use crate::server::ops::{queues, tasks};
    let (st, actor) = super::context()?;
    let done = match op {
        QueueOp::Move(to) => queues::move_task(&st, &actor, &queue, &task, to).await.map(|_| ()),
        QueueOp::Remove => queues::remove_task(&st, &actor, &queue, &task, true).await,
        QueueOp::MoveTo(to) => {
            tasks::enqueue(&st, &actor, &task, &tasks::QueueRef::Id(to), false, "", "").await.map(|_| ())
        }
    };
    super::answer(done)
}
