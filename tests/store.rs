//! One test body walks every `Store` method; it runs on a fresh SQLite file
//! and on a fresh PostgreSQL database (from `TEST_DATABASE_URL`).

#![cfg(feature = "ssr")]

use labbook::model::model::ModelSort;
use labbook::model::task::TaskModels;
use labbook::model::{ConfigItem, Hyperparam, LogEntry, Model, Role, ScalarPoint, Task, TaskStatus, TaskType, User};
use labbook::server::store::{
    self, Credential, LogCursor, ModelFilter, OtherEvent, QueueChange, Store, TaskEvents, TaskFilter, TaskOrder,
};
use serde_json::json;
use std::sync::Arc;

fn full_task(id: &str, project: &str, name: &str, updated: i64) -> Task {
    let mut t = Task {
        id: id.into(),
        name: name.into(),
        project: Some(project.into()),
        task_type: TaskType::Testing,
        status: TaskStatus::Created,
        status_reason: "r".into(),
        status_message: "m".into(),
        status_changed: 10,
        comment: "a comment about Vision".into(),
        parent: Some("parent-id".into()),
        user: "user-1".into(),
        tags: vec!["alpha".into(), "beta".into()],
        system_tags: vec!["development".into()],
        created: 1,
        started: Some(2),
        completed: None,
        published: None,
        last_update: updated,
        last_change: updated,
        output_destination: Some("http://files".into()),
        execution_queue: Some("q1".into()),
        artifacts: vec![json!({"key": "a", "mode": "output", "uri": "http://x"})],
        models: TaskModels { input: vec![], output: vec![] },
        last_worker: Some("vm:0".into()),
        last_worker_report: Some(5),
        revision: 1,
        ..Task::default()
    };
    t.script.repository = "https://example.com/r.git".into();
    t.script.branch = "main".into();
    t.script.version_num = "abc".into();
    t.script.entry_point = "train.py".into();
    t.script.working_dir = ".".into();
    t.script.diff = "diff --git a b".into();
    t.script.binary = "python3".into();
    t.script.requirements = json!({"pip": "clearml==2.1.12"}).as_object().cloned().unwrap_or_default();
    t.container.image = "python:3.11".into();
    t.container.arguments = "--rm".into();
    t.container.setup_shell_script = "echo hi".into();
    t.output_extra.insert("result".into(), json!("ok"));
    t.execution_extra.insert("parameters".into(), json!({}));
    t.hyperparams.entry("Args".into()).or_default().insert(
        "lr".into(),
        Hyperparam {
            section: "Args".into(),
            name: "lr".into(),
            value: "0.1".into(),
            value_type: Some("float".into()),
            description: Some("None".into()),
        },
    );
    t.configuration.insert(
        "net".into(),
        ConfigItem {
            name: "net".into(),
            value: "layers = 5".into(),
            item_type: Some("dictionary".into()),
            description: None,
        },
    );
    t.runtime.insert("progress".into(), json!("40"));
    t
}

async fn walk_every_method(store: Arc<dyn Store>) {
    // Settings and credentials.
    assert_eq!(store.get_setting("k").await.unwrap(), None);
    assert_eq!(store.init_setting("k", "v1").await.unwrap(), "v1");
    assert_eq!(store.init_setting("k", "v2").await.unwrap(), "v1", "init never overwrites");
    assert_eq!(store.count_credentials().await.unwrap(), 0);
    let cred = Credential {
        access_key: "AK".into(),
        secret_hash: "h".into(),
        salt: "s".into(),
        created: 1,
        user: None,
        last_used: None,
    };
    store.put_credential(&cred).await.unwrap();
    assert_eq!(store.get_credential("AK").await.unwrap(), Some(cred.clone()));
    assert_eq!(store.count_credentials().await.unwrap(), 1);

    // Users; keys without one are adopted.
    assert_eq!(store.count_users().await.unwrap(), 0);
    let mut ada = User {
        id: "u1".into(),
        login: "ada".into(),
        display_name: "Ada".into(),
        role: Role::Member,
        disabled: false,
        created: 5,
    };
    store.insert_user(&ada, "hash-1").await.unwrap();
    let dup = store.insert_user(&User { id: "u2".into(), ..ada.clone() }, "h").await.unwrap_err();
    assert_eq!((dup.status(), dup.subcode()), (400, 801), "a taken login is a duplicate");
    assert_eq!(store.get_user("u1").await.unwrap(), Some(ada.clone()));
    assert_eq!(store.find_user("ada").await.unwrap(), Some((ada.clone(), "hash-1".to_string())));
    assert_eq!(store.get_user("nobody").await.unwrap(), None);
    ada.role = Role::Viewer;
    ada.disabled = true;
    ada.display_name = "Ada L.".into();
    assert!(store.update_user(&ada).await.unwrap());
    assert!(store.set_password_hash("u1", "hash-2").await.unwrap());
    assert_eq!(store.find_user("ada").await.unwrap(), Some((ada.clone(), "hash-2".to_string())));
    assert_eq!(store.list_users().await.unwrap(), vec![ada]);
    assert_eq!(store.adopt_credentials("u1").await.unwrap(), 1);
    assert_eq!(store.adopt_credentials("u1").await.unwrap(), 0, "only keys without a user");
    assert_eq!(store.get_credential("AK").await.unwrap().and_then(|c| c.user).as_deref(), Some("u1"));
    assert_eq!(store.key_owner("AK").await.unwrap().map(|u| u.login).as_deref(), Some("ada"));
    assert_eq!(store.key_owner("NOPE").await.unwrap(), None);
    store.put_credential(&Credential { access_key: "AK2".into(), ..cred }).await.unwrap();
    assert!(store.delete_credential("AK2").await.unwrap());
    assert!(!store.delete_credential("AK2").await.unwrap());
    assert_eq!(store.get_credential("AK2").await.unwrap(), None);

    // Projects nest by path; parents are created once.
    let vision = store.ensure_project("demo/vision", "images").await.unwrap();
    let again = store.ensure_project("demo/vision", "").await.unwrap();
    assert_eq!(vision.id, again.id);
    let demo = store.ensure_project("demo", "").await.unwrap();
    assert_eq!(vision.parent.as_deref(), Some(demo.id.as_str()));
    assert_eq!(vision.basename, "vision");
    assert_eq!(vision.description, "images");
    assert!(store.ensure_project("a//b", "").await.is_err());
    let names: Vec<String> = store.list_projects().await.unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["demo", "demo/vision"]);
    assert_eq!(store.get_project(&demo.id).await.unwrap().map(|p| p.name), Some("demo".into()));
    assert_eq!(store.get_project("nope").await.unwrap(), None);

    // Tasks round-trip every field.
    let t1 = full_task("t1", &vision.id, "first run", 100);
    store.insert_task(&t1).await.unwrap();
    assert_eq!(store.get_task("t1").await.unwrap(), Some(t1.clone()));
    assert_eq!(store.get_task("nope").await.unwrap(), None);

    // Writes are guarded by the revision.
    let mut edited = t1.clone();
    edited.name = "first run, renamed".into();
    edited.status = TaskStatus::InProgress;
    assert!(store.update_task(&edited).await.unwrap());
    assert!(!store.update_task(&edited).await.unwrap(), "a stale revision must not write");
    let stored = store.get_task("t1").await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.status, stored.revision),
        ("first run, renamed", TaskStatus::InProgress, 2)
    );

    let mut t2 = full_task("t2", &vision.id, "second RUN", 200);
    t2.tags = vec!["beta".into()];
    t2.status = TaskStatus::Completed;
    t2.runtime.clear();
    store.insert_task(&t2).await.unwrap();
    let mut t3 = full_task("t3", &demo.id, "archived one", 300);
    t3.system_tags = vec!["archived".into()];
    t3.tags = vec![];
    store.insert_task(&t3).await.unwrap();

    let ids = |r: (Vec<Task>, i64)| (r.0.into_iter().map(|t| t.id).collect::<Vec<_>>(), r.1);
    let base = TaskFilter { page_size: 50, count_total: true, ..TaskFilter::default() };
    assert_eq!(ids(store.query_tasks(&base).await.unwrap()), (vec!["t3".into(), "t2".into(), "t1".into()], 3));
    let uncounted = TaskFilter { count_total: false, ..base.clone() };
    assert_eq!(store.query_tasks(&uncounted).await.unwrap().1, -1, "no count unless asked");
    let f = TaskFilter { projects: vec![vision.id.clone()], ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).1, 2);
    let f = TaskFilter { name_regex: Some("run".into()), ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t2", "t1"], "regex is case-insensitive contains");
    let f = TaskFilter { name_regex: Some("^second RUN$".into()), ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t2"]);
    let f = TaskFilter { statuses: vec![TaskStatus::Completed], ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t2"]);
    let f = TaskFilter { exclude_statuses: vec![TaskStatus::Completed], ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).1, 2);
    let mut f = base.clone();
    f.tags.any = vec!["alpha".into()];
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t1"]);
    let mut f = base.clone();
    f.tags.all = vec!["alpha".into(), "beta".into()];
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t1"]);
    let mut f = base.clone();
    f.tags.none = vec!["alpha".into()];
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t3", "t2"]);
    let mut f = base.clone();
    f.system_tags.none = vec!["archived".into()];
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t2", "t1"]);
    let f = TaskFilter { search_text: Some("VISION".into()), ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).1, 3, "search covers comments");
    let f = TaskFilter { search_text: Some("100%".into()), ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).1, 0, "LIKE wildcards are escaped");
    let f = TaskFilter { order: vec![(TaskOrder::Name, false)], page: 1, page_size: 2, ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()), (vec!["t2".into()], 3));
    let f = TaskFilter { order: vec![(TaskOrder::Progress, true)], ..base.clone() };
    assert_eq!(ids(store.query_tasks(&f).await.unwrap()).0, vec!["t1", "t3", "t2"], "nulls last");
    let mut existing = store.existing_task_ids(&["t1".into(), "zz".into(), "t2".into()]).await.unwrap();
    existing.sort();
    assert_eq!(existing, vec!["t1", "t2"]);

    let summaries = store.project_summaries().await.unwrap();
    let v = summaries.iter().find(|s| s.project.id == vision.id).unwrap();
    assert_eq!((v.task_count, v.running_count, v.tasks_last_update), (2, 1, Some(200)));

    // Events: scalars (in two batches, with a repeated iteration), logs, plots.
    let pt = |iter: i64, value: f64| ScalarPoint { iter, timestamp: 1_000 + iter, value };
    let mut batch = TaskEvents::default();
    batch.scalars.insert(("loss".into(), "train".into()), vec![pt(0, 3.0), pt(1, 1.0), pt(2, 2.0)]);
    batch.logs.push(LogEntry {
        timestamp: 1,
        level: "info".into(),
        worker: "vm".into(),
        msg: "step 0".into(),
        iter: 0,
        ..LogEntry::default()
    });
    batch.logs.push(LogEntry {
        timestamp: 2,
        level: "error".into(),
        worker: "vm".into(),
        msg: "oops".into(),
        iter: 0,
        ..LogEntry::default()
    });
    batch.others.push(OtherEvent {
        event_type: "plot".into(),
        timestamp: 3,
        iter: 4,
        metric: "m".into(),
        variant: "v".into(),
        body: "{}".into(),
    });
    store.add_events("t1", &batch).await.unwrap();
    let mut batch2 = TaskEvents::default();
    batch2.scalars.insert(("loss".into(), "train".into()), vec![pt(2, 0.5), pt(3, 5.0)]);
    batch2.scalars.insert(("Summary".into(), "best".into()), vec![pt(labbook::model::SINGLE_VALUE_ITERATION, 0.9)]);
    batch2.logs.push(LogEntry {
        timestamp: 3,
        level: "info".into(),
        worker: "vm".into(),
        msg: "step 1".into(),
        iter: 0,
        ..LogEntry::default()
    });
    store.add_events("t1", &batch2).await.unwrap();

    // A batch of only non-finite values is stored, and leaves the statistics alone.
    let mut batch3 = TaskEvents::default();
    batch3.scalars.insert(("loss".into(), "train".into()), vec![pt(9, f64::NAN)]);
    batch3.scalars.insert(("nan".into(), "only".into()), vec![pt(0, f64::NAN)]);
    store.add_events("t1", &batch3).await.unwrap();

    let series = store.scalar_series("t1").await.unwrap();
    let nan = series.iter().find(|s| s.metric == "nan").unwrap();
    assert_eq!(nan.y, vec![None], "non-finite values read back as gaps");
    let loss = series.iter().find(|s| s.metric == "loss").unwrap();
    assert_eq!(loss.x, vec![0, 1, 2, 3, 9]);
    assert_eq!(
        loss.y,
        vec![Some(3.0), Some(1.0), Some(0.5), Some(5.0), None],
        "the later write of iteration 2 wins; NaN reads back as a gap"
    );
    let m = store.metric_summaries("t1").await.unwrap();
    let l = m.iter().find(|s| s.metric == "loss").unwrap();
    assert_eq!((l.value, l.last_iteration, l.count), (5.0, 3, 5));
    assert_eq!((l.min_value, l.min_value_iteration, l.max_value, l.max_value_iteration), (0.5, 2, 5.0, 3));
    assert_eq!((l.first_value, l.first_value_iteration), (3.0, 0));
    let stored = store.get_task("t1").await.unwrap().unwrap();
    assert_eq!(stored.last_iteration, 9, "plots count for the last iteration; single values do not");
    assert!(m.iter().all(|s| s.metric != "nan"), "a series without finite values has no summary");
    assert!(stored.last_update > 100);

    assert_eq!(store.count_task_log("t1", &Default::default()).await.unwrap(), 3);
    let fwd = store.task_log("t1", LogCursor::After(None), 2, &Default::default()).await.unwrap();
    assert_eq!(fwd.iter().map(|(_, e)| e.msg.as_str()).collect::<Vec<_>>(), vec!["step 0", "oops"]);
    let rest = store.task_log("t1", LogCursor::After(Some(fwd[1].0)), 10, &Default::default()).await.unwrap();
    assert_eq!(rest.iter().map(|(_, e)| e.msg.as_str()).collect::<Vec<_>>(), vec!["step 1"]);
    let back = store.task_log("t1", LogCursor::Before(None), 2, &Default::default()).await.unwrap();
    assert_eq!(back.iter().map(|(_, e)| e.msg.as_str()).collect::<Vec<_>>(), vec!["step 1", "oops"]);
    assert_eq!(store.task_log("t2", LogCursor::After(None), 10, &Default::default()).await.unwrap(), vec![]);
    let plots = store.task_events("t1", "plot", 10).await.unwrap();
    assert_eq!(plots.iter().map(|e| e.event.metric.as_str()).collect::<Vec<_>>(), vec!["m"]);

    // Queues, and tasks entering and leaving them atomically with their status.
    let q = store.ensure_queue("default", &["default".into()]).await.unwrap();
    assert_eq!(store.ensure_queue("default", &[]).await.unwrap().id, q.id);
    assert!(store.create_queue("default", &[], &[]).await.unwrap().is_none(), "names are unique");
    let gpu = store.create_queue("gpu", &["fast".into()], &[]).await.unwrap().unwrap();
    assert_eq!(store.get_queue(&gpu.id).await.unwrap().map(|g| g.tags), Some(vec!["fast".to_string()]));
    assert_eq!(store.list_queues().await.unwrap().len(), 2);
    let entries = |q: String| {
        let store = store.clone();
        async move { store.queue_entries(&q).await.unwrap().into_iter().map(|e| e.task).collect::<Vec<_>>() }
    };
    let mut t2q = store.get_task("t2").await.unwrap().unwrap();
    t2q.status = TaskStatus::Queued;
    assert!(store.update_task_queue(&t2q, QueueChange::Enqueue(q.id.clone())).await.unwrap());
    let t1q = store.get_task("t1").await.unwrap().unwrap();
    assert!(store.update_task_queue(&t1q, QueueChange::Enqueue(q.id.clone())).await.unwrap());
    assert_eq!(entries(q.id.clone()).await, vec!["t2", "t1"]);
    assert!(!store.update_task_queue(&t2q, QueueChange::Remove).await.unwrap(), "stale revision");
    assert_eq!(entries(q.id.clone()).await, vec!["t2", "t1"], "a refused write changes no queue");
    let t2q = store.get_task("t2").await.unwrap().unwrap();
    assert!(store.update_task_queue(&t2q, QueueChange::Enqueue(gpu.id.clone())).await.unwrap());
    assert_eq!((entries(q.id.clone()).await, entries(gpu.id.clone()).await), (vec!["t1".into()], vec!["t2".into()]));
    let t2q = store.get_task("t2").await.unwrap().unwrap();
    assert!(store.update_task_queue(&t2q, QueueChange::Remove).await.unwrap());
    assert!(entries(gpu.id.clone()).await.is_empty());

    // Models.
    let mut m = Model {
        id: "m1".into(),
        name: "Net".into(),
        uri: "file:///w.bin".into(),
        project: Some(vision.id.clone()),
        task: Some("t1".into()),
        tags: vec!["x".into()],
        created: 5,
        last_update: 5,
        ..Model::default()
    };
    m.design.insert("design".into(), json!("layers"));
    store.insert_model(&m).await.unwrap();
    assert_eq!(store.get_model("m1").await.unwrap(), Some(m.clone()));
    m.ready = true;
    m.uri = "http://files/w.bin".into();
    store.update_model(&m).await.unwrap();
    assert_eq!(store.get_model("m1").await.unwrap(), Some(m.clone()));
    let mf = ModelFilter { name_regex: Some("^net$".into()), page_size: 10, ..ModelFilter::default() };
    assert_eq!(store.query_models(&mf).await.unwrap().len(), 1);
    let mut none = ModelFilter { page_size: 10, ..ModelFilter::default() };
    none.tags.none = vec!["x".into()];
    assert!(store.query_models(&none).await.unwrap().is_empty());
    // The models table: sorted by name or update time, filtered by framework and state, counted.
    let m2 = Model {
        id: "m2".into(),
        name: "Alpha".into(),
        framework: Some("PyTorch".into()),
        created: 6,
        last_update: 4,
        ..Model::default()
    };
    store.insert_model(&m2).await.unwrap();
    let names = |f: ModelFilter| {
        let store = store.clone();
        async move { store.query_models(&f).await.unwrap().into_iter().map(|m| m.name).collect::<Vec<_>>() }
    };
    let by = |sort, asc| ModelFilter { sort: Some(sort), oldest_first: asc, page_size: 10, ..ModelFilter::default() };
    assert_eq!(names(by(ModelSort::Name, true)).await, ["Alpha", "Net"]);
    assert_eq!(names(by(ModelSort::Updated, false)).await, ["Net", "Alpha"]);
    assert_eq!(
        names(ModelFilter { page_size: 10, ..ModelFilter::default() }).await,
        ["Alpha", "Net"],
        "newest created first"
    );
    let torch = ModelFilter { framework: Some("PyTorch".into()), page_size: 10, ..ModelFilter::default() };
    assert_eq!(names(torch.clone()).await, ["Alpha"]);
    assert_eq!(store.count_models(&torch).await.unwrap(), 1);
    let drafts = ModelFilter { ready: Some(false), page_size: 1, ..ModelFilter::default() };
    assert_eq!(store.count_models(&drafts).await.unwrap(), 1, "the count ignores the page");
    assert_eq!(store.count_models(&ModelFilter { page_size: 1, ..ModelFilter::default() }).await.unwrap(), 2);
    assert!(store.delete_model("m2").await.unwrap());
    assert!(store.delete_model("m1").await.unwrap());
    assert_eq!(store.get_model("m1").await.unwrap(), None);

    // A reset clears events; a delete removes the task and what hangs off it.
    store.clear_task_events("t1").await.unwrap();
    assert!(store.scalar_series("t1").await.unwrap().is_empty());
    assert_eq!(store.count_task_log("t1", &Default::default()).await.unwrap(), 0);
    assert!(store.task_events("t1", "plot", 10).await.unwrap().is_empty());
    assert_eq!(store.get_task("t1").await.unwrap().map(|t| t.last_iteration), Some(0));
    assert!(store.delete_task("t1").await.unwrap());
    assert!(!store.delete_task("t1").await.unwrap());
    assert!(entries(q.id.clone()).await.is_empty(), "the queue entry goes with the task");
}

#[tokio::test]
async fn sqlite_store_walks_every_method() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = store::connect(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    walk_every_method(store).await;
}

#[tokio::test]
async fn sqlite_data_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    {
        let store = store::connect(&url).await.unwrap();
        let p = store.ensure_project("keep/me", "").await.unwrap();
        store.insert_task(&full_task("k1", &p.id, "kept", 1)).await.unwrap();
    }
    let store = store::connect(&url).await.unwrap();
    assert_eq!(store.get_task("k1").await.unwrap().map(|t| t.name), Some("kept".into()));
}

/// A fresh database on the server of `TEST_DATABASE_URL`.
async fn fresh_pg_url(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("labbook_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
    let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL must end in /<database>");
    format!("{base}/{name}")
}

/// A store on a fresh database of `TEST_DATABASE_URL`'s server, or `None`
/// (the test is skipped) when it is unset and `LABBOOK_REQUIRE_PG` is too.
async fn fresh_pg_store() -> Option<Arc<dyn Store>> {
    let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
        assert!(std::env::var("LABBOOK_REQUIRE_PG").is_err(), "LABBOOK_REQUIRE_PG is set but TEST_DATABASE_URL is not");
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run the PostgreSQL store tests");
        return None;
    };
    Some(store::connect(&fresh_pg_url(&admin).await).await.unwrap())
}

#[tokio::test]
async fn postgres_store_walks_every_method() {
    let Some(store) = fresh_pg_store().await else { return };
    assert_eq!(store.backend(), "postgres");
    walk_every_method(store).await;
}

/// The web table's queries: order by a hyperparameter (numbers numerically)
/// and by a metric, users, dates, regex search, and batched metric summaries.
async fn walk_table_queries(store: Arc<dyn Store>) {
    use labbook::server::store::MetricStat;
    let p = store.ensure_project("table", "").await.unwrap();
    for (i, (lr, loss, user)) in
        [("0.5", 3.0, "ann"), ("10", 1.0, "bob"), ("2", 2.0, "ann"), ("n/a", 0.5, "bob")].iter().enumerate()
    {
        let mut t = full_task(&format!("q{i}"), &p.id, &format!("query {i}"), 1_000 * (i as i64 + 1));
        t.user = user.to_string();
        if let Some(h) = t.hyperparams.get_mut("Args").and_then(|s| s.get_mut("lr")) {
            h.value = lr.to_string();
        }
        store.insert_task(&t).await.unwrap();
        let mut ev = TaskEvents::default();
        ev.scalars.insert(("loss".into(), "total".into()), vec![ScalarPoint { iter: 0, timestamp: 1, value: *loss }]);
        store.add_events(&t.id, &ev).await.unwrap();
    }
    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let base = TaskFilter { projects: vec![p.id.clone()], page_size: 10, ..TaskFilter::default() };
    let by_lr = TaskFilter {
        order: vec![(TaskOrder::Hyperparam { section: "Args".into(), name: "lr".into() }, false)],
        ..base.clone()
    };
    // 0.5 < 2 < 10 numerically, then the text that is no number.
    assert_eq!(ids(store.query_tasks(&by_lr).await.unwrap().0), ["q0", "q2", "q1", "q3"]);
    let by_loss = TaskFilter {
        order: vec![(
            TaskOrder::Metric { metric: "loss".into(), variant: "total".into(), stat: MetricStat::Last },
            true,
        )],
        ..base.clone()
    };
    assert_eq!(ids(store.query_tasks(&by_loss).await.unwrap().0), ["q0", "q2", "q1", "q3"]);
    let anns = TaskFilter { users: vec!["ann".into()], count_total: true, ..base.clone() };
    assert_eq!(store.query_tasks(&anns).await.unwrap().1, 2);
    // Reporting events touched every task just now.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let recent = TaskFilter { updated_from: Some(now - 600_000), updated_until: Some(now + 600_000), ..base.clone() };
    assert_eq!(ids(store.query_tasks(&recent).await.unwrap().0).len(), 4);
    let old = TaskFilter { updated_until: Some(now - 600_000), ..base.clone() };
    assert!(store.query_tasks(&old).await.unwrap().0.is_empty());
    let re = TaskFilter { search_text: Some("^QUERY [13]$".into()), search_regex: true, ..base.clone() };
    let mut found = ids(store.query_tasks(&re).await.unwrap().0);
    found.sort();
    assert_eq!(found, ["q1", "q3"]);
    let plain = TaskFilter { search_text: Some("query [1".into()), ..base.clone() };
    assert!(store.query_tasks(&plain).await.unwrap().0.is_empty(), "plain search is not a regex");
    let summaries = store.metric_summaries_of(&["q0".into(), "q3".into(), "nope".into()]).await.unwrap();
    let got: Vec<(String, f64)> =
        summaries.into_iter().flat_map(|(t, ms)| ms.into_iter().map(move |m| (t.clone(), m.value))).collect();
    assert_eq!(got, [("q0".to_string(), 3.0), ("q3".to_string(), 0.5)]);

    // Tasks without the series sort after those with it, by id, on every
    // page: across the boundary and past it.
    for id in ["q4", "q5"] {
        store.insert_task(&full_task(id, &p.id, "no loss", 10)).await.unwrap();
    }
    for (size, page, expected) in [
        (10, 0, &["q0", "q2", "q1", "q3", "q4", "q5"][..]),
        (3, 1, &["q3", "q4", "q5"]),
        (4, 1, &["q4", "q5"]),
        (5, 1, &["q5"]),
    ] {
        let f = TaskFilter { page_size: size, page, count_total: true, ..by_loss.clone() };
        let (tasks, total) = store.query_tasks(&f).await.unwrap();
        assert_eq!(ids(tasks), expected, "page {page} of {size}");
        assert_eq!(total, 6);
    }
    let ascending = TaskFilter {
        order: vec![(
            TaskOrder::Metric { metric: "loss".into(), variant: "total".into(), stat: MetricStat::Min },
            false,
        )],
        ..base.clone()
    };
    assert_eq!(ids(store.query_tasks(&ascending).await.unwrap().0), ["q3", "q1", "q2", "q0", "q4", "q5"]);
    // The archived column follows the system tags.
    let mut t = store.get_task("q4").await.unwrap().unwrap();
    t.system_tags = vec!["archived".into()];
    assert!(store.update_task(&t).await.unwrap());
    let mut visible = base.clone();
    visible.system_tags.none = vec!["archived".into(), "hidden".into()];
    assert!(!ids(store.query_tasks(&visible).await.unwrap().0).contains(&"q4".to_string()));
    let mut archived = base.clone();
    archived.system_tags.all = vec!["archived".into()];
    assert_eq!(ids(store.query_tasks(&archived).await.unwrap().0), ["q4"]);
}

#[tokio::test]
async fn sqlite_table_queries() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    walk_table_queries(store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_table_queries() {
    let Some(store) = fresh_pg_store().await else { return };
    walk_table_queries(store).await;
}

/// Pops every entry of a queue from `stores` (several pools, as several
/// server processes would have) with 4 concurrent takers each, and checks
/// each task came out exactly once.
async fn pop_exactly_once(stores: Vec<Arc<dyn Store>>) {
    use labbook::server::store::QueueChange;
    let first = stores[0].clone();
    let q = first.ensure_queue("race", &[]).await.unwrap();
    let p = first.ensure_project("race", "").await.unwrap();
    let mut expected = Vec::new();
    for i in 0..200 {
        let t = full_task(&format!("race{i:03}"), &p.id, "race", 1);
        first.insert_task(&t).await.unwrap();
        let t = first.get_task(&t.id).await.unwrap().unwrap();
        assert!(first.update_task_queue(&t, QueueChange::Enqueue(q.id.clone())).await.unwrap());
        expected.push(t.id);
    }
    let mut takers = Vec::new();
    for store in &stores {
        for _ in 0..4 {
            let (store, queue) = (store.clone(), q.id.clone());
            takers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(e) = store.pop_queue(&queue).await.unwrap() {
                    got.push(e.task);
                }
                got
            }));
        }
    }
    let mut taken = Vec::new();
    for t in takers {
        taken.extend(t.await.unwrap());
    }
    assert_eq!(taken.len(), expected.len(), "an entry was handed out twice or lost");
    taken.sort();
    assert_eq!(taken, expected);
    assert!(first.pop_queue(&q.id).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_queue_pops_each_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let a = store::connect(&url).await.unwrap();
    let b = store::connect(&url).await.unwrap();
    pop_exactly_once(vec![a, b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_queue_pops_each_entry_once_across_pools() {
    let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
        assert!(std::env::var("LABBOOK_REQUIRE_PG").is_err(), "LABBOOK_REQUIRE_PG is set but TEST_DATABASE_URL is not");
        return;
    };
    let url = fresh_pg_url(&admin).await;
    let a = store::connect(&url).await.unwrap();
    let b = store::connect(&url).await.unwrap();
    pop_exactly_once(vec![a, b]).await;
}
