//! Registered models.

use super::{base_conditions, from_json, tag_condition, to_json, where_clause, Bind, Dialect, Sql, SqlStore};
use crate::error::AppResult;
use crate::model::model::ModelSort;
use crate::model::Model;
use crate::server::store::{ModelFilter, ModelStore};
use async_trait::async_trait;

/// The model columns written on insert and update, in bind order (after `id`).
const MODEL_WRITE_COLUMNS: &[&str] = &[
    "name",
    "uri",
    "framework",
    "design",
    "labels",
    "ready",
    "public",
    "comment",
    "tags",
    "system_tags",
    "project",
    "task",
    "parent",
    "user_id",
    "metadata",
    "created",
    "last_update",
];

/// The binds for [`MODEL_WRITE_COLUMNS`], in order.
fn model_binds(m: &Model) -> Vec<Bind> {
    vec![
        (&m.name).into(),
        (&m.uri).into(),
        (&m.framework).into(),
        to_json(&m.design).into(),
        to_json(&m.labels).into(),
        m.ready.into(),
        m.public.into(),
        (&m.comment).into(),
        to_json(&m.tags).into(),
        to_json(&m.system_tags).into(),
        (&m.project).into(),
        (&m.task).into(),
        (&m.parent).into(),
        (&m.user).into(),
        to_json(&m.metadata).into(),
        m.created.into(),
        m.last_update.into(),
    ]
}

/// A model row as stored.
#[derive(Debug, sqlx::FromRow)]
struct ModelRow {
    id: String,
    name: String,
    uri: String,
    framework: Option<String>,
    design: String,
    labels: String,
    ready: i64,
    public: i64,
    comment: String,
    tags: String,
    system_tags: String,
    project: Option<String>,
    task: Option<String>,
    parent: Option<String>,
    user_id: String,
    metadata: String,
    created: i64,
    last_update: i64,
    last_iteration: i64,
}

impl ModelRow {
    fn into_model(self) -> Model {
        Model {
            design: from_json(&self.design, "design", &self.id),
            labels: from_json(&self.labels, "labels", &self.id),
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            metadata: from_json(&self.metadata, "metadata", &self.id),
            id: self.id,
            name: self.name,
            uri: self.uri,
            framework: self.framework,
            ready: self.ready != 0,
            public: self.public != 0,
            comment: self.comment,
            project: self.project,
            task: self.task,
            parent: self.parent,
            user: self.user_id,
            created: self.created,
            last_update: self.last_update,
            last_iteration: self.last_iteration,
        }
    }
}

/// The WHERE clause (possibly empty) of a model filter.
fn model_where(d: Dialect, q: &mut Sql, f: &ModelFilter) -> String {
    let mut conds = base_conditions(d, q, &f.ids, &f.projects, f.name_regex.as_deref());
    if !f.tasks.is_empty() {
        conds.push(q.in_list("task", &f.tasks, false));
    }
    if let Some(ready) = f.ready {
        let p = q.param(ready);
        conds.push(format!("ready = {p}"));
    }
    if let Some(framework) = &f.framework {
        let p = q.param(framework);
        conds.push(format!("framework = {p}"));
    }
    tag_condition(d, q, "tags", &f.tags, &mut conds);
    tag_condition(d, q, "system_tags", &f.system_tags, &mut conds);
    where_clause(&conds)
}

#[async_trait]
impl ModelStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(n = ids.len()))]
    async fn set_models_public(&self, ids: &[String], public: bool) -> AppResult<u64> {
        self.set_public("models", ids, public).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %model.id))]
    async fn insert_model(&self, model: &Model) -> AppResult<()> {
        let ps: Vec<String> = (1..=MODEL_WRITE_COLUMNS.len() + 1).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO models (id, {}) VALUES ({})", MODEL_WRITE_COLUMNS.join(", "), ps.join(", "));
        let q = model_binds(model).into_iter().fold(Sql::new(sql).bind(&model.id), Sql::bind);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_model(&self, id: &str) -> AppResult<Option<Model>> {
        let row: Option<ModelRow> =
            self.db.fetch_optional(&Sql::new("SELECT * FROM models WHERE id = $1").bind(id)).await?;
        Ok(row.map(ModelRow::into_model))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %model.id))]
    async fn update_model(&self, model: &Model) -> AppResult<()> {
        let sets: Vec<String> =
            MODEL_WRITE_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
        let sql = format!("UPDATE models SET {} WHERE id = ${}", sets.join(", "), MODEL_WRITE_COLUMNS.len() + 1);
        let q = model_binds(model).into_iter().fold(Sql::new(sql), Sql::bind).bind(&model.id);
        self.db.execute(&q).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_model(&self, id: &str) -> AppResult<bool> {
        self.delete_with_events("models", id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(page = filter.page, page_size = filter.page_size))]
    async fn query_models(&self, filter: &ModelFilter) -> AppResult<Vec<Model>> {
        let mut q = Sql::params();
        let wh = model_where(self.db.dialect(), &mut q, filter);
        let limit = q.param(filter.page_size.max(1));
        let offset = q.param(filter.page.max(0) * filter.page_size.max(1));
        let dir = if filter.oldest_first { "ASC" } else { "DESC" };
        let key = match filter.sort {
            None | Some(ModelSort::Created) => "created",
            Some(ModelSort::Updated) => "last_update",
            Some(ModelSort::Name) => "name",
        };
        let sql = format!("SELECT * FROM models{wh} ORDER BY {key} {dir}, id LIMIT {limit} OFFSET {offset}");
        let rows: Vec<ModelRow> = self.db.fetch_all(&q.with_text(sql)).await?;
        Ok(rows.into_iter().map(ModelRow::into_model).collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_models(&self, filter: &ModelFilter) -> AppResult<i64> {
        let mut q = Sql::params();
        let wh = model_where(self.db.dialect(), &mut q, filter);
        Ok(self.db.fetch_one::<(i64,)>(&q.with_text(format!("SELECT COUNT(*) FROM models{wh}"))).await?.0)
    }
}
