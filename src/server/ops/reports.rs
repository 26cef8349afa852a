//! Reports (ClearML's Markdown reports), the one home of their rules for
//! the ClearML API (`reports.*`) and the dashboard: a report is a task of
//! type `report` with the system tags `hidden` and `reports`, kept in a
//! hidden `.reports` project under the project it belongs to
//! (`<project>/.reports`, or `.reports` at the top level), which goes away
//! with its last report. A published report keeps its text: only its name,
//! description and tags still change. Its Markdown is shown as sanitized
//! HTML (no script, no style, no frame but the charts it embeds), with the
//! embedded charts drawn from the tasks they name.

use crate::error::{AppError, AppResult, Noun};
use crate::model::event::SampleData;
use crate::model::project::ProjectContents;
use crate::model::report::{
    check_report, split_embeds, Piece, ReportBlock, ReportCard, ReportQuery, ReportView, TaskValue, Widget, WidgetData,
    WidgetKind, MAX_WIDGET_OBJECTS,
};
use crate::model::task::TaskPatch;
use crate::model::{Actor, Project, Task, TaskStatus, TaskType, ARCHIVED};
use crate::server::ops;
use crate::server::ops::events::Owner;
use crate::server::ops::projects::ProjectPatch;
use crate::server::state::AppState;
use crate::server::store::{TagFilter, TaskFilter, TaskOrder};

/// The system tags of a report and of the projects that hold reports.
pub const REPORT_TAGS: [&str; 2] = ["hidden", "reports"];

/// The last segment of a reports project.
pub const REPORTS_FOLDER: &str = ".reports";

/// The most reports the reports page lists.
const LIST_LIMIT: i64 = 500;

/// Points per series in an embedded scalar chart.
const WIDGET_BUCKETS: usize = 1_000;

/// Plots or samples read per task for an embedded chart.
const WIDGET_EVENTS: i64 = 500;

fn report_tags() -> Vec<String> {
    REPORT_TAGS.iter().map(|t| t.to_string()).collect()
}

/// A new report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewReport {
    pub name: String,
    pub comment: Option<String>,
    pub tags: Vec<String>,
    /// The project it belongs to; `None` for the top level.
    pub project: Option<String>,
    pub report: Option<String>,
    pub report_assets: Option<Vec<String>>,
}

/// A change to a report; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportPatch {
    pub name: Option<String>,
    pub comment: Option<String>,
    pub tags: Option<Vec<String>>,
    pub report: Option<String>,
    pub report_assets: Option<Vec<String>>,
}

/// The `.reports` project of `base` (the top level for `None`), created
/// (hidden) if missing.
async fn folder_of(state: &AppState, actor: &Actor, base: Option<&Project>) -> AppResult<Project> {
    let name = match base {
        Some(p) => format!("{}/{REPORTS_FOLDER}", p.name),
        None => REPORTS_FOLDER.to_string(),
    };
    let p = ops::projects::ensure(state, actor, &name).await?;
    if REPORT_TAGS.iter().all(|t| p.system_tags.iter().any(|s| s == t)) {
        return Ok(p);
    }
    let mut tags = p.system_tags.clone();
    tags.extend(report_tags().into_iter().filter(|t| !p.system_tags.contains(t)));
    let patch = ProjectPatch { system_tags: Some(tags), ..ProjectPatch::default() };
    ops::projects::update(state, actor, &p.id, None, &patch).await
}

/// The `.reports` projects of the projects named (`None`: the top level)
/// that exist; an unknown project id is 404.
pub async fn folders(state: &AppState, actor: &Actor, projects: &[Option<String>]) -> AppResult<Vec<String>> {
    let all = ops::projects::list(state, actor).await?;
    let mut out = Vec::new();
    for wanted in projects {
        let name = match wanted {
            Some(id) => {
                let p = all.iter().find(|p| &p.id == id).ok_or_else(|| AppError::not_found(Noun::Project, id))?;
                format!("{}/{REPORTS_FOLDER}", p.name)
            }
            None => REPORTS_FOLDER.to_string(),
        };
        if let Some(f) = all.iter().find(|p| p.name == name) {
            out.push(f.id.clone());
        }
    }
    Ok(out)
}

/// The report with this id (400/150 for a task that is not one).
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<Task> {
    let t = ops::tasks::get(state, actor, id).await?;
    if t.task_type != TaskType::Report {
        return Err(AppError::NotAReport { id: id.to_string() });
    }
    Ok(t)
}

/// Deletes a `.reports` project once nothing is left in it.
async fn drop_if_empty(state: &AppState, actor: &Actor, project: Option<&str>) -> AppResult<()> {
    let Some(id) = project else { return Ok(()) };
    let Ok(p) = ops::projects::get(state, actor, id).await else { return Ok(()) };
    if p.basename == REPORTS_FOLDER && ops::projects::usage(state, actor, id).await?.tasks == 0 {
        ops::projects::delete(state, actor, id, &ProjectContents::Keep).await?;
    }
    Ok(())
}

/// Creates a report; answers its id and the id of the `.reports` project
/// holding it.
pub async fn create(state: &AppState, actor: &Actor, new: &NewReport) -> AppResult<(String, String)> {
    check_report(Some(&new.name), new.report.as_deref()).map_err(AppError::invalid)?;
    let base = match &new.project {
        Some(id) => Some(ops::projects::get(state, actor, id).await?),
        None => None,
    };
    let folder = folder_of(state, actor, base.as_ref()).await?;
    let patch = TaskPatch {
        name: Some(new.name.trim().to_string()),
        task_type: Some(TaskType::Report),
        comment: new.comment.clone(),
        tags: Some(new.tags.clone()),
        system_tags: Some(report_tags()),
        project: Some(folder.id.clone()),
        report: new.report.clone(),
        report_assets: new.report_assets.clone(),
        ..TaskPatch::default()
    };
    let id = ops::tasks::create(state, actor, &patch).await?;
    Ok((id, folder.id))
}

/// Changes a report; a published one's text is refused (400/110).
pub async fn update(state: &AppState, actor: &Actor, id: &str, change: &ReportPatch) -> AppResult<Task> {
    let t = get(state, actor, id).await?;
    check_report(change.name.as_deref(), change.report.as_deref()).map_err(AppError::invalid)?;
    let text_changes = change.report.is_some() || change.report_assets.is_some();
    if t.status == TaskStatus::Published && text_changes {
        return Err(AppError::invalid_status("a published report's text cannot change", t.status.as_str()));
    }
    let patch = TaskPatch {
        name: change.name.as_ref().map(|n| n.trim().to_string()),
        comment: change.comment.clone(),
        tags: change.tags.clone(),
        report: change.report.clone(),
        report_assets: change.report_assets.clone(),
        ..TaskPatch::default()
    };
    ops::tasks::edit(state, actor, id, &patch, true).await
}

/// Moves a report into the `.reports` project of `base` (the top level for
/// `None`; a `.reports` project itself means into it); answers that
/// project's id.
pub async fn move_to(state: &AppState, actor: &Actor, id: &str, base: Option<Project>) -> AppResult<String> {
    let t = get(state, actor, id).await?;
    let folder = match base {
        Some(p) if p.basename == REPORTS_FOLDER => p,
        other => folder_of(state, actor, other.as_ref()).await?,
    };
    let patch = TaskPatch { project: Some(folder.id.clone()), ..TaskPatch::default() };
    ops::tasks::edit(state, actor, id, &patch, true).await?;
    if t.project.as_deref() != Some(folder.id.as_str()) {
        drop_if_empty(state, actor, t.project.as_deref()).await?;
    }
    Ok(folder.id)
}

/// Publishes a report, which locks its text.
pub async fn publish(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    get(state, actor, id).await?;
    ops::tasks::publish(state, actor, id, true, false).await
}

/// Archives a report, or brings it back.
pub async fn set_archived(state: &AppState, actor: &Actor, id: &str, archived: bool) -> AppResult<()> {
    get(state, actor, id).await?;
    let bulk = ops::table::set_archived(state, actor, &[id.to_string()], archived).await?;
    match bulk.failed.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Deletes a report (a published one only with `force`), and its
/// `.reports` project once empty.
pub async fn delete(state: &AppState, actor: &Actor, id: &str, force: bool) -> AppResult<()> {
    let t = get(state, actor, id).await?;
    if t.status == TaskStatus::Published && !force {
        return Err(AppError::invalid_status("a published report is deleted only with force", t.status.as_str()));
    }
    ops::tasks::delete(state, actor, id, true, false).await?;
    drop_if_empty(state, actor, t.project.as_deref()).await
}

/// The tags of every report that is not archived, sorted.
pub async fn tags(state: &AppState, actor: &Actor) -> AppResult<Vec<String>> {
    let filter = TaskFilter { types: vec![TaskType::Report], page_size: i64::MAX, ..Default::default() };
    let (found, _) = ops::tasks::query(state, actor, &filter).await?;
    let mut tags: Vec<String> = found.into_iter().filter(|t| !t.is_archived()).flat_map(|t| t.tags).collect();
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// The project a report belongs to: the parent of its `.reports` project.
fn owner_project(report: &Task, projects: &[Project]) -> Option<(String, String)> {
    let folder = projects.iter().find(|p| Some(&p.id) == report.project.as_ref())?;
    let name = folder.name.strip_suffix(REPORTS_FOLDER)?.strip_suffix('/')?;
    projects.iter().find(|p| p.name == name).map(|p| (p.id.clone(), p.name.clone()))
}

async fn cards(state: &AppState, actor: &Actor, reports: Vec<Task>) -> AppResult<Vec<ReportCard>> {
    let projects = ops::projects::list(state, actor).await?;
    let owners: Vec<&str> = reports.iter().map(|t| t.user.as_str()).collect();
    let names = ops::users::display_names(state, &owners).await?;
    Ok(reports
        .iter()
        .map(|t| ReportCard {
            id: t.id.clone(),
            name: t.name.clone(),
            project: owner_project(t, &projects),
            user: names.get(&t.user).cloned().unwrap_or_else(|| t.user.clone()),
            updated: t.last_update,
            status: t.status,
            comment: t.comment.clone(),
            tags: t.tags.clone(),
            archived: t.is_archived(),
        })
        .collect())
}

/// The reports the reports page lists, the most recently updated first.
pub async fn list(state: &AppState, actor: &Actor, query: &ReportQuery) -> AppResult<Vec<ReportCard>> {
    let archived = vec![ARCHIVED.to_string()];
    let filter = TaskFilter {
        types: vec![TaskType::Report],
        system_tags: if query.archived {
            TagFilter { all: archived, ..TagFilter::default() }
        } else {
            TagFilter { none: archived, ..TagFilter::default() }
        },
        search_text: Some(query.search.trim().to_string()).filter(|s| !s.is_empty()),
        order: vec![(TaskOrder::LastUpdate, true)],
        page_size: LIST_LIMIT,
        ..Default::default()
    };
    let (found, _) = ops::tasks::query(state, actor, &filter).await?;
    cards(state, actor, found).await
}

/// One report as its page shows it.
pub async fn view(state: &AppState, actor: &Actor, id: &str) -> AppResult<ReportView> {
    let t = get(state, actor, id).await?;
    let blocks = render(&t.report);
    let markdown = t.report.clone();
    let card = cards(state, actor, vec![t]).await?.pop().ok_or_else(|| AppError::not_found(Noun::Task, id))?;
    Ok(ReportView { card, markdown, blocks })
}

/// Markdown as the blocks a report page shows: each stretch between embeds
/// rendered (CommonMark with tables, strikethrough, task lists, footnotes)
/// and sanitized by `ammonia` (no scripts, styles, frames or event
/// attributes; links get `rel="noopener noreferrer"`).
pub fn render(markdown: &str) -> Vec<ReportBlock> {
    use pulldown_cmark::{html, Options, Parser};
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut cleaner = ammonia::Builder::default();
    cleaner.add_tags(["details", "summary", "input"]).add_tag_attributes("input", ["type", "checked", "disabled"]);
    split_embeds(markdown)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Markdown(text) => {
                let mut out = String::new();
                html::push_html(&mut out, Parser::new_ext(text, options));
                let clean = cleaner.clean(&out).to_string();
                (!clean.trim().is_empty()).then_some(ReportBlock::Html(clean))
            }
            Piece::Widget(w) => Some(ReportBlock::Widget(w)),
        })
        .collect()
}

/// What an embedded chart draws: the series, plots, samples or single
/// values of the tasks it names that it shows. A task that is gone is 404.
pub async fn widget_data(state: &AppState, actor: &Actor, widget: &Widget) -> AppResult<WidgetData> {
    if let Some(why) = &widget.unsupported {
        return Err(AppError::invalid(format!("this chart cannot be drawn: {why}")));
    }
    // A widget from the browser is not necessarily one `from_src` made.
    if widget.objects.is_empty() || widget.objects.len() > MAX_WIDGET_OBJECTS {
        return Err(AppError::invalid(format!("a chart draws 1 to {MAX_WIDGET_OBJECTS} tasks")));
    }
    let mut names = Vec::with_capacity(widget.objects.len());
    for id in &widget.objects {
        names.push(Owner::Task(id).name(state).await?);
    }
    let many = widget.objects.len() > 1;
    Ok(match widget.kind {
        WidgetKind::Scalar => {
            let mut out = Vec::new();
            for (id, name) in widget.objects.iter().zip(&names) {
                for s in ops::events::chart_series(state, actor, id, WIDGET_BUCKETS, None).await? {
                    if widget.shows(&s.metric, &s.variant) {
                        let variant = if many { format!("{name} · {}", s.variant) } else { s.variant.clone() };
                        out.push(crate::model::SeriesData { variant, ..s });
                    }
                }
            }
            WidgetData::Scalars(out)
        }
        WidgetKind::Plot => {
            let per_task = ops::events::compare_plots(state, actor, &widget.objects, WIDGET_EVENTS).await?;
            let shown =
                per_task.into_iter().map(|ps| ps.into_iter().filter(|p| widget.shows(&p.metric, &p.variant)).collect());
            WidgetData::Plots(names, shown.collect())
        }
        WidgetKind::Sample => {
            let mut per_task: Vec<Vec<SampleData>> = Vec::new();
            for id in &widget.objects {
                let samples = ops::events::samples(state, actor, id, WIDGET_EVENTS).await?;
                per_task.push(samples.into_iter().filter(|s| widget.shows(&s.metric, &s.variant)).collect());
            }
            WidgetData::Samples(names, per_task)
        }
        WidgetKind::Single => {
            let mut out = Vec::new();
            for id in &widget.objects {
                let (task, values) = ops::events::single_values(state, actor, Owner::Task(id)).await?;
                out.extend(
                    values
                        .into_iter()
                        .filter(|v| widget.shows(&v.metric, &v.variant))
                        .map(|value| TaskValue { task: task.clone(), value }),
                );
            }
            WidgetData::Single(out)
        }
        WidgetKind::Other(ref kind) => {
            return Err(AppError::invalid(format!("charts of type \"{kind}\" are not drawn here")));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitized_around_embeds() {
        let md = "# Results\n\nSome **bold** <script>alert(1)</script> <a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<iframe src=\"/widgets/?type=scalar&objects=t1\"></iframe>\n\n<iframe src=\"https://evil.example/\"></iframe>\n\n- [x] done";
        let blocks = render(md);
        assert_eq!(blocks.len(), 3, "{blocks:?}");
        let ReportBlock::Html(first) = &blocks[0] else { panic!("html first") };
        assert!(first.contains("<h1>Results</h1>") && first.contains("<strong>bold</strong>"), "{first}");
        assert!(first.contains("<table>"), "{first}");
        assert!(!first.contains("script") && !first.contains("javascript") && !first.contains("onclick"), "{first}");
        assert!(matches!(&blocks[1], ReportBlock::Widget(w) if w.objects == ["t1"]));
        let ReportBlock::Html(last) = &blocks[2] else { panic!("html last") };
        assert!(!last.contains("iframe") && !last.contains("evil"), "{last}");
        assert!(last.contains("checkbox"), "task lists keep their boxes: {last}");
    }
}
