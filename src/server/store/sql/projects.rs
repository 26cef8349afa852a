//! Projects: nested by `/` in their full names, each row also holding its
//! last segment and its parent's id.

use super::{from_json, to_json, Exec, Sql, SqlStore};
use crate::error::{AppError, AppResult, Noun};
use crate::model::project::{basename, path_prefixes, roll_up};
use crate::model::{Project, ProjectSummary};
use crate::server::clock::{new_id, now_ms};
use crate::server::store::ProjectStore;
use async_trait::async_trait;
use std::collections::HashMap;

/// A project row as stored.
#[derive(Debug, sqlx::FromRow)]
struct ProjectRow {
    id: String,
    name: String,
    basename: String,
    parent: Option<String>,
    description: String,
    tags: String,
    system_tags: String,
    default_output_destination: Option<String>,
    created: i64,
    last_update: i64,
    public: i64,
}

impl ProjectRow {
    fn into_project(self) -> Project {
        Project {
            tags: from_json(&self.tags, "tags", &self.id),
            system_tags: from_json(&self.system_tags, "system_tags", &self.id),
            id: self.id,
            name: self.name,
            basename: self.basename,
            parent: self.parent,
            description: self.description,
            default_output_destination: self.default_output_destination,
            created: self.created,
            last_update: self.last_update,
            public: self.public != 0,
        }
    }
}

/// Per-project task counts: project, tasks, running tasks, newest update
/// (served by the `tasks_project_stats` index alone).
const PROJECT_COUNTS: &str = "SELECT project, COUNT(*), \
     SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), MAX(last_update) FROM tasks";

/// The projects whose full name starts with `$2`, of `$1` characters
/// (the same count on both engines: `substr` counts characters).
const BELOW: &str = "substr(name, 1, CAST($1 AS INTEGER)) = $2";

/// A row of [`PROJECT_COUNTS`].
type Counts = (Option<String>, i64, i64, Option<i64>);

/// Projects joined with their [`PROJECT_COUNTS`] rows.
fn summaries(projects: Vec<Project>, counts: Vec<Counts>) -> Vec<ProjectSummary> {
    let by_project: HashMap<String, (i64, i64, Option<i64>)> =
        counts.into_iter().filter_map(|(p, n, r, u)| p.map(|p| (p, (n, r, u)))).collect();
    projects
        .into_iter()
        .map(|project| {
            let (task_count, running_count, tasks_last_update) =
                by_project.get(&project.id).copied().unwrap_or((0, 0, None));
            ProjectSummary { project, task_count, running_count, tasks_last_update, ..ProjectSummary::default() }
        })
        .collect()
}

/// Finds or creates each project of a path's prefixes (`a`, `a/b`, …) in
/// order, the last with `description`; answers the last one (`None` for
/// no prefixes).
async fn ensure_prefixes(exec: &mut Exec<'_>, prefixes: &[String], description: &str) -> AppResult<Option<Project>> {
    let now = now_ms();
    let mut last: Option<Project> = None;
    for (i, name) in prefixes.iter().enumerate() {
        let desc = if i + 1 == prefixes.len() { description } else { "" };
        let insert = Sql::new(
            "INSERT INTO projects (id, name, basename, parent, description, created, last_update) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (name) DO NOTHING",
        )
        .bind(new_id())
        .bind(name)
        .bind(basename(name))
        .bind(last.as_ref().map(|p| p.id.clone()))
        .bind(desc)
        .bind(now);
        exec.execute(&insert).await?;
        let row: ProjectRow = exec.fetch_one(&Sql::new("SELECT * FROM projects WHERE name = $1").bind(name)).await?;
        last = Some(row.into_project());
    }
    Ok(last)
}

#[async_trait]
impl ProjectStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(n = ids.len()))]
    async fn set_projects_public(&self, ids: &[String], public: bool) -> AppResult<u64> {
        self.set_public("projects", ids, public).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(path = %path))]
    async fn ensure_project(&self, path: &str, description: &str) -> AppResult<Project> {
        let prefixes = path_prefixes(path)?;
        let mut conn = self.db.acquire().await?;
        ensure_prefixes(&mut conn.exec(), &prefixes, description).await?.ok_or_else(|| AppError::InvalidProjectName {
            name: path.to_string(),
            message: "a project name must not be empty".into(),
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get_project(&self, id: &str) -> AppResult<Option<Project>> {
        let row: Option<ProjectRow> =
            self.db.fetch_optional(&Sql::new("SELECT * FROM projects WHERE id = $1").bind(id)).await?;
        Ok(row.map(ProjectRow::into_project))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_projects(&self) -> AppResult<Vec<Project>> {
        let rows: Vec<ProjectRow> = self.db.fetch_all(&Sql::new("SELECT * FROM projects ORDER BY name")).await?;
        Ok(rows.into_iter().map(ProjectRow::into_project).collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn project_summaries(&self) -> AppResult<Vec<ProjectSummary>> {
        let projects = self.list_projects().await?;
        let counts: Vec<Counts> = self.db.fetch_all(&Sql::new(format!("{PROJECT_COUNTS} GROUP BY project"))).await?;
        let mut all = summaries(projects, counts);
        roll_up(&mut all);
        Ok(all)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(parent = %parent))]
    async fn child_summaries(&self, parent: &str) -> AppResult<Vec<ProjectSummary>> {
        let Some(top) = self.get_project(parent).await? else { return Ok(Vec::new()) };
        // Every project below `parent`, by the prefix of its full name, so
        // each child's totals include its own sub-projects.
        let prefix = format!("{}/", top.name);
        let rows: Vec<ProjectRow> = self
            .db
            .fetch_all(
                &Sql::new(format!("SELECT * FROM projects WHERE {BELOW} ORDER BY name"))
                    .bind(prefix.chars().count() as i64)
                    .bind(&prefix),
            )
            .await?;
        let projects: Vec<Project> = rows.into_iter().map(ProjectRow::into_project).collect();
        if projects.is_empty() {
            return Ok(Vec::new());
        }
        let counts: Vec<Counts> = self
            .db
            .fetch_all(
                &Sql::new(format!(
                    "{PROJECT_COUNTS} WHERE project IN (SELECT id FROM projects WHERE {BELOW}) GROUP BY project"
                ))
                .bind(prefix.chars().count() as i64)
                .bind(&prefix),
            )
            .await?;
        let mut below = summaries(projects, counts);
        roll_up(&mut below);
        below.retain(|s| s.project.parent.as_deref() == Some(parent));
        Ok(below)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id, new_path = %new_path))]
    async fn relocate_project(&self, id: &str, new_path: &str) -> AppResult<Project> {
        let prefixes = path_prefixes(new_path)?;
        let new_path = prefixes.last().cloned().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let mut exec = tx.exec();
        let rows: Vec<ProjectRow> = exec.fetch_all(&Sql::new("SELECT * FROM projects")).await?;
        let all: Vec<Project> = rows.into_iter().map(ProjectRow::into_project).collect();
        let project = all.iter().find(|p| p.id == id).ok_or_else(|| AppError::not_found(Noun::Project, id))?;
        let old = project.name.clone();
        if old == new_path {
            return Ok(project.clone());
        }
        if new_path.starts_with(&format!("{old}/")) {
            return Err(AppError::invalid(format!("cannot move project '{old}' into itself ('{new_path}')")));
        }
        let inside = |name: &str| name == old || name.starts_with(&format!("{old}/"));
        let renamed = |name: &str| format!("{new_path}{}", &name[old.len()..]);
        let taken =
            all.iter().find(|p| !inside(&p.name) && all.iter().any(|q| inside(&q.name) && renamed(&q.name) == p.name));
        if let Some(taken) = taken {
            return Err(AppError::duplicate(Noun::Project, &taken.name));
        }
        let now = now_ms();
        // The new parent chain, created as needed.
        let parent = ensure_prefixes(&mut exec, &prefixes[..prefixes.len() - 1], "").await?.map(|p| p.id);
        // Names are unique: park the moving ones on temporary names first.
        for p in all.iter().filter(|p| inside(&p.name)) {
            let park = Sql::new("UPDATE projects SET name = $1 WHERE id = $2")
                .bind(format!("~relocating~/{}", p.id))
                .bind(&p.id);
            exec.execute(&park).await?;
        }
        for p in all.iter().filter(|p| inside(&p.name)) {
            let name = renamed(&p.name);
            let parent = if p.id == id { parent.clone() } else { p.parent.clone() };
            let q =
                Sql::new("UPDATE projects SET name = $1, basename = $2, parent = $3, last_update = $4 WHERE id = $5")
                    .bind(&name)
                    .bind(basename(&name))
                    .bind(parent)
                    .bind(now)
                    .bind(&p.id);
            exec.execute(&q).await?;
        }
        let row: ProjectRow = exec.fetch_one(&Sql::new("SELECT * FROM projects WHERE id = $1").bind(id)).await?;
        tx.commit().await?;
        Ok(row.into_project())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %project.id))]
    async fn update_project(&self, project: &Project) -> AppResult<()> {
        let q = Sql::new(
            "UPDATE projects SET description = $1, tags = $2, system_tags = $3, default_output_destination = $4, \
             last_update = $5 WHERE id = $6",
        )
        .bind(&project.description)
        .bind(to_json(&project.tags))
        .bind(to_json(&project.system_tags))
        .bind(project.default_output_destination.clone())
        .bind(now_ms())
        .bind(&project.id);
        if self.db.execute(&q).await? == 0 {
            return Err(AppError::not_found(Noun::Project, &project.id));
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_empty_project(&self, id: &str) -> AppResult<bool> {
        let q = Sql::new(
            "DELETE FROM projects WHERE id = $1 \
             AND NOT EXISTS (SELECT 1 FROM tasks WHERE project = $1) \
             AND NOT EXISTS (SELECT 1 FROM models WHERE project = $1) \
             AND NOT EXISTS (SELECT 1 FROM projects c WHERE c.parent = $1)",
        )
        .bind(id);
        Ok(self.db.execute(&q).await? == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(projects = projects.len()))]
    async fn project_contents(&self, projects: &[String]) -> AppResult<(Vec<String>, Vec<String>)> {
        if projects.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut q = Sql::params();
        let cond = q.in_list("project", projects, false);
        let tasks: Vec<(String,)> =
            self.db.fetch_all(&q.clone().with_text(format!("SELECT id FROM tasks WHERE {cond}"))).await?;
        let models: Vec<(String,)> =
            self.db.fetch_all(&q.with_text(format!("SELECT id FROM models WHERE {cond}"))).await?;
        Ok((tasks.into_iter().map(|r| r.0).collect(), models.into_iter().map(|r| r.0).collect()))
    }
}
