//! `/models/:id`: one model: where its weights are (with a download), its
//! framework, project, creating task, labels, design and metadata.

use crate::api::tasks::get_model;
use crate::components::error::PageError;
use crate::model::format::fmt_time;
use crate::model::model::ModelDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The model page.
#[component]
pub fn ModelPage() -> impl IntoView {
    let params = use_params_map();
    let model = Resource::new(move || params.read().get("id").unwrap_or_default(), get_model);
    view! {
        <Title text=move || match model.get() {
            Some(Ok(d)) => format!("{} · Labbook", d.model.name),
            Some(Err(e)) => crate::components::error::error_title(&e),
            None => "Model · Labbook".to_string(),
        }/>
        <Suspense fallback=|| view! { <p>"Loading model…"</p> }>
            {move || Suspend::new(async move {
                match model.await {
                    Ok(d) => view! { <ModelView detail=d/> }.into_any(),
                    Err(e) => view! { <PageError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A JSON map as name/value rows.
fn map_rows(map: &serde_json::Map<String, serde_json::Value>) -> impl IntoView {
    map.iter()
        .map(|(k, v)| {
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            view! { <tr><th scope="row" class="mono">{k.clone()}</th><td class="mono">{v}</td></tr> }
        })
        .collect_view()
}

#[component]
fn ModelView(detail: ModelDetail) -> impl IntoView {
    let m = detail.model;
    let project_link = |p: &crate::model::Project| {
        let href = format!("/projects/{}", p.id);
        let name = p.name.clone();
        view! { <A href=href>{name}</A> }
    };
    let crumb = detail.project.as_ref().map(project_link);
    let project = detail.project.as_ref().map(project_link);
    let creator = detail.creator.map(|(id, name)| {
        let href = format!("/tasks/{id}?tab=artifacts");
        view! { <A href=href>{name}</A> }
    });
    let download =
        detail.download.map(|url| view! { <a class="button" href=url rel="external" download="">"Download"</a> });
    let design = m.design.get("design").and_then(|d| d.as_str()).map(str::to_string).unwrap_or_else(|| {
        if m.design.is_empty() {
            String::new()
        } else {
            serde_json::Value::Object(m.design.clone()).to_string()
        }
    });
    let state = m.state_label();
    view! {
        <nav class="crumbs" aria-label="breadcrumb"><A href="/">"Projects"</A>" › "{crumb}</nav>
        <header class="task-head"><h1>{m.name.clone()}</h1><span class="muted">"model · "{state}</span></header>
        <table class="fields" aria-label="model">
            <tbody>
                <tr><th scope="row">"ID"</th><td class="mono">{m.id.clone()}</td></tr>
                <tr><th scope="row">"URI"</th><td class="mono" data-testid="model-uri">{m.uri.clone()}" "{download}</td></tr>
                <tr><th scope="row">"Framework"</th><td>{m.framework.clone().unwrap_or_default()}</td></tr>
                <tr><th scope="row">"Project"</th><td>{project}</td></tr>
                <tr><th scope="row">"Created by"</th><td data-testid="model-creator">{creator}</td></tr>
                <tr><th scope="row">"Created"</th><td>{fmt_time(m.created)}</td></tr>
                <tr><th scope="row">"Updated"</th><td>{fmt_time(m.last_update)}</td></tr>
                <tr><th scope="row">"Tags"</th><td>{m.tags.join(", ")}</td></tr>
                <tr><th scope="row">"Comment"</th><td>{m.comment.clone()}</td></tr>
            </tbody>
        </table>
        <h2>"Labels"</h2>
        <table class="params" aria-label="labels"><tbody>{map_rows(&m.labels)}</tbody></table>
        <h2>"Metadata"</h2>
        <table class="params" aria-label="metadata"><tbody>{map_rows(&m.metadata)}</tbody></table>
        <h2>"Design"</h2>
        <pre data-testid="model-design">{design}</pre>
    }
}
