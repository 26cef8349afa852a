//! `/compare?ids=a,b,c`: 2–100 tasks side by side: execution,
//! hyperparameters and configuration (optionally only what differs), the
//! uncommitted changes, packages and configuration objects as side-by-side
//! diffs, metrics, overlaid scalars, a parallel-coordinates plot whose
//! axes can be chosen (constant hyperparameters start hidden) and a scatter
//! of a hyperparameter against a metric; the whole comparison exports as CSV.
//! Plots and debug samples, side by side, load when their folds open.

use crate::api::tasks::compare_tasks;
use crate::components::chart::{remembered_options, ChartControls, ScalarCharts};
use crate::components::compare_media::{ComparePlots, CompareSamples};
use crate::components::error::ErrorBox;
use crate::components::figure::FigureView;
use crate::model::format::{csv_line, fmt_number};
use crate::model::task::Comparison;
use crate::model::SeriesData;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde_json::json;
use std::collections::BTreeSet;

/// One compared field: group, label and a value per task.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    group: &'static str,
    label: String,
    values: Vec<String>,
}

impl Row {
    fn identical(&self) -> bool {
        self.values.windows(2).all(|w| w[0] == w[1])
    }
}

fn rows_of(c: &Comparison) -> Vec<Row> {
    let tasks: Vec<&crate::model::Task> = c.tasks.iter().map(|d| &d.task).collect();
    let mut rows = Vec::new();
    let mut field = |group: &'static str, label: &str, f: &dyn Fn(&crate::model::Task) -> String| {
        rows.push(Row { group, label: label.to_string(), values: tasks.iter().map(|t| f(t)).collect() });
    };
    field("Execution", "Status", &|t| t.status.state().label().to_string());
    field("Execution", "Type", &|t| t.task_type.as_str().to_string());
    field("Execution", "Repository", &|t| t.script.repository.clone());
    field("Execution", "Branch", &|t| t.script.branch.clone());
    field("Execution", "Commit", &|t| t.script.version_num.clone());
    field("Execution", "Entry point", &|t| t.script.entry_point.clone());
    field("Execution", "Working directory", &|t| t.script.working_dir.clone());
    field("Execution", "Uncommitted changes", &|t| format!("{} lines", t.script.diff.lines().count()));
    field("Execution", "Installed packages", &|t| format!("{} lines", packages(t).lines().count()));
    field("Execution", "Container image", &|t| t.container.image.clone());
    let params: BTreeSet<(String, String)> = tasks
        .iter()
        .flat_map(|t| t.hyperparams.iter().flat_map(|(s, ps)| ps.keys().map(move |n| (s.clone(), n.clone()))))
        .collect();
    for (section, name) in params {
        rows.push(Row {
            group: "Hyperparameters",
            label: format!("{section}/{name}"),
            values: tasks
                .iter()
                .map(|t| {
                    t.hyperparams.get(&section).and_then(|s| s.get(&name)).map(|h| h.value.clone()).unwrap_or_default()
                })
                .collect(),
        });
    }
    let configs: BTreeSet<String> = tasks.iter().flat_map(|t| t.configuration.keys().cloned()).collect();
    for name in configs {
        rows.push(Row {
            group: "Configuration",
            label: name.clone(),
            values: tasks
                .iter()
                .map(|t| t.configuration.get(&name).map(|c| c.value.clone()).unwrap_or_default())
                .collect(),
        });
    }
    rows
}

/// A task's pip requirements as text.
fn packages(t: &crate::model::Task) -> String {
    match t.script.requirements.get("pip") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// A text field compared as a side-by-side diff: its name and each task's text.
struct TextField {
    name: String,
    texts: Vec<String>,
}

/// The fields compared line by line: uncommitted changes, packages and
/// every configuration object.
fn text_fields(c: &Comparison) -> Vec<TextField> {
    let tasks: Vec<&crate::model::Task> = c.tasks.iter().map(|d| &d.task).collect();
    let mut out = vec![
        TextField { name: "Uncommitted changes".into(), texts: tasks.iter().map(|t| t.script.diff.clone()).collect() },
        TextField { name: "Installed packages".into(), texts: tasks.iter().map(|t| packages(t)).collect() },
    ];
    let configs: BTreeSet<String> = tasks.iter().flat_map(|t| t.configuration.keys().cloned()).collect();
    for name in configs {
        let texts =
            tasks.iter().map(|t| t.configuration.get(&name).map(|c| c.value.clone()).unwrap_or_default()).collect();
        out.push(TextField { name: format!("Configuration: {name}"), texts });
    }
    out
}

/// Each text field's diff of every task against the first one.
#[component]
fn TextDiffs(fields: Vec<TextField>, names: Vec<String>) -> impl IntoView {
    fields
        .into_iter()
        .map(|f| {
            let base = f.texts.first().cloned().unwrap_or_default();
            let same = f.texts.iter().all(|t| *t == base);
            let body = if same {
                let what = if base.is_empty() { "None in any task." } else { "Identical in every task." };
                view! { <p class="muted">{what}</p> }.into_any()
            } else {
                f.texts
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, text)| {
                        let (left, right) = (names[0].clone(), names.get(i).cloned().unwrap_or_default());
                        if !crate::model::diff::diffable(&base, text) {
                            let n = crate::model::diff::MAX_DIFF_LINES;
                            return view! { <p class="muted">{format!("{right}: differs from {left}; too long to compare line by line (over {n} lines).")}</p> }.into_any();
                        }
                        let rows = crate::model::diff::side_by_side(&base, text, 3);
                        view! { <SplitDiff left right rows/> }.into_any()
                    })
                    .collect_view()
                    .into_any()
            };
            view! {
                <details class="diff-block" data-testid="compare-diff" data-field=f.name.clone() open=!same>
                    <summary>{f.name.clone()}{same.then_some(" · identical")}</summary>
                    {body}
                </details>
            }
        })
        .collect_view()
}

/// Two texts side by side, changed lines marked.
#[component]
fn SplitDiff(left: String, right: String, rows: Vec<crate::model::diff::DiffRow>) -> impl IntoView {
    use crate::model::diff::{DiffKind, DiffRow};
    if rows.is_empty() {
        return view! { <p class="muted">{format!("{right}: identical to {left}.")}</p> }.into_any();
    }
    let cell = |side: Option<(usize, String)>, class: &'static str| match side {
        Some((n, text)) => view! { <td class="ln">{n}</td><td class=format!("code {class}")>{text}</td> }.into_any(),
        None => view! { <td class="ln"></td><td class="code none"></td> }.into_any(),
    };
    let body = rows
        .into_iter()
        .map(|r| match r {
            DiffRow::Folded(n) => view! {
                <tr class="fold"><td colspan="4">{format!("⋯ {n} unchanged line{}", if n == 1 { "" } else { "s" })}</td></tr>
            }
            .into_any(),
            DiffRow::Line { kind, left, right } => {
                let (lc, rc, k) = match kind {
                    DiffKind::Same => ("", "", "same"),
                    DiffKind::Removed => ("del", "", "removed"),
                    DiffKind::Added => ("", "ins", "added"),
                    DiffKind::Changed => ("del", "ins", "changed"),
                };
                view! { <tr data-testid="diff-row" data-kind=k>{cell(left, lc)}{cell(right, rc)}</tr> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="split-diff">
                <thead><tr><th colspan="2">{left}</th><th colspan="2">{right}</th></tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A (metric, variant) pair and each task's last value of it.
type MetricRow = ((String, String), Vec<Option<f64>>);

/// The (metric, variant) pairs any task reported, and each task's last value.
fn metric_rows(c: &Comparison) -> Vec<MetricRow> {
    let keys: BTreeSet<(String, String)> =
        c.tasks.iter().flat_map(|d| d.metrics.iter().map(|m| (m.metric.clone(), m.variant.clone()))).collect();
    keys.into_iter()
        .map(|k| {
            let vals = c
                .tasks
                .iter()
                .map(|d| d.metrics.iter().find(|m| m.metric == k.0 && m.variant == k.1).map(|m| m.value))
                .collect();
            (k, vals)
        })
        .collect()
}

/// A hyperparameter every task gives a number for: a candidate axis.
#[derive(Debug, Clone, PartialEq)]
struct NumericParam {
    label: String,
    values: Vec<f64>,
    /// The same number in every task: an axis that tells nothing.
    constant: bool,
}

/// The numeric hyperparameters, in the table's order.
fn numeric_params(rows: &[Row]) -> Vec<NumericParam> {
    rows.iter()
        .filter(|r| r.group == "Hyperparameters")
        .filter_map(|r| {
            let values: Vec<f64> = r.values.iter().map(|v| v.trim().parse::<f64>().ok()).collect::<Option<_>>()?;
            let constant = values.windows(2).all(|w| w[0] == w[1]);
            Some(NumericParam { label: r.label.clone(), values, constant })
        })
        .collect()
}

/// A plotly parallel-coordinates figure: the chosen numeric
/// hyperparameters, then the metric.
fn parallel_coordinates(
    params: &[NumericParam],
    axes: &BTreeSet<String>,
    metric: &str,
    values: &[Option<f64>],
) -> String {
    let mut dims = Vec::new();
    for p in params.iter().filter(|p| axes.contains(&p.label)) {
        dims.push(json!({"label": p.label, "values": p.values}));
    }
    let metric_values: Vec<f64> = values.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    dims.push(json!({"label": metric, "values": metric_values}));
    json!({
        "data": [{"type": "parcoords", "dimensions": dims,
                  "line": {"color": metric_values, "colorscale": "Viridis", "showscale": true}}],
        "layout": {"margin": {"l": 80, "r": 80, "t": 40, "b": 30}}
    })
    .to_string()
}

/// A scatter of one numeric hyperparameter (x) against a metric's last
/// value (y), a marker per task with its name beside it; tasks without
/// the metric are left out.
fn scatter(param: Option<&NumericParam>, metric: &str, values: &[Option<f64>], names: &[String]) -> String {
    let Some(param) = param else { return String::new() };
    let (mut x, mut y, mut text) = (Vec::new(), Vec::new(), Vec::new());
    for ((px, v), name) in param.values.iter().zip(values).zip(names) {
        if let Some(v) = v {
            x.push(*px);
            y.push(*v);
            text.push(name.clone());
        }
    }
    json!({
        "data": [{"type": "scatter", "mode": "markers+text", "x": x, "y": y, "text": text,
                  "textposition": "top center", "marker": {"size": 10}}],
        "layout": {"xaxis": {"title": {"text": param.label}}, "yaxis": {"title": {"text": metric}},
                   "margin": {"l": 60, "r": 20, "t": 20, "b": 50}, "showlegend": false}
    })
    .to_string()
}

/// The comparison as CSV: a column per task (by name), a row per compared
/// field and per metric's last value (full precision).
fn comparison_csv(rows: &[Row], metrics: &[MetricRow], names: &[String]) -> String {
    let mut out = csv_line(std::iter::once("field".to_string()).chain(names.iter().cloned()));
    for r in rows {
        out.push_str(&csv_line(std::iter::once(format!("{}/{}", r.group, r.label)).chain(r.values.iter().cloned())));
    }
    for ((m, v), values) in metrics {
        let cells = values.iter().map(|x| x.map(|x| x.to_string()).unwrap_or_default());
        out.push_str(&csv_line(std::iter::once(format!("Metrics/{m}/{v}")).chain(cells)));
    }
    out
}

/// `/compare`.
#[component]
pub fn ComparePage() -> impl IntoView {
    let query = use_query_map();
    let ids = Memo::new(move |_| {
        query
            .read()
            .get("ids")
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    let data = Resource::new(move || ids.get(), compare_tasks);
    view! {
        <Title text="Compare · Labbook"/>
        <h1>"Compare tasks"</h1>
        <Suspense fallback=|| view! { <p>"Loading tasks…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! { <CompareView comparison=c/> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.user_message()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CompareView(comparison: Comparison) -> impl IntoView {
    let hide_identical = RwSignal::new(false);
    let rows = rows_of(&comparison);
    let metrics = metric_rows(&comparison);
    let diffs = text_fields(&comparison);
    let params = numeric_params(&rows);
    // Constant hyperparameters tell nothing: off until chosen.
    let axes = RwSignal::new(params.iter().filter(|p| !p.constant).map(|p| p.label.clone()).collect::<BTreeSet<_>>());
    let axis_choices = params
        .iter()
        .map(|p| {
            let label = p.label.clone();
            let l2 = label.clone();
            view! {
                <label class="check" data-testid="axis-choice">
                    <input type="checkbox" value=label.clone() prop:checked=move || axes.read().contains(&l2)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let l = label.clone();
                            axes.update(|a| { if on { a.insert(l); } else { a.remove(&l); } });
                        }/>
                    {p.label.clone()}{p.constant.then_some(" (constant)")}
                </label>
            }
        })
        .collect_view();
    let params = StoredValue::new(params);
    let names: Vec<String> = comparison.tasks.iter().map(|d| d.task.name.clone()).collect();
    let ids: Vec<String> = comparison.tasks.iter().map(|d| d.task.id.clone()).collect();
    let links: Vec<(String, String)> =
        comparison.tasks.iter().map(|d| (format!("/tasks/{}", d.task.id), d.task.name.clone())).collect();
    let head = move || {
        links
            .clone()
            .into_iter()
            .map(|(href, name)| view! { <th scope="col"><A href=href>{name}</A></th> })
            .collect_view()
    };
    let rows_sv = StoredValue::new(rows.clone());
    let body = move || {
        let hide = hide_identical.get();
        let mut group = "";
        rows_sv.with_value(|rows| {
            rows.iter()
                .filter(|r| !hide || !r.identical())
                .map(|r| {
                    let group_row = (r.group != group).then(|| {
                        group = r.group;
                        view! { <tr class="group"><th colspan="999">{r.group}</th></tr> }
                    });
                    let differs = !r.identical();
                    let cells = r.values.iter().map(|v| view! { <td class="mono">{v.clone()}</td> }).collect_view();
                    view! {
                        {group_row}
                        <tr data-testid="compare-row" class:differs=differs><th scope="row">{r.label.clone()}</th>{cells}</tr>
                    }
                })
                .collect_view()
        })
    };
    let metric_table = metrics
        .iter()
        .map(|((m, v), vals)| {
            let cells = vals
                .iter()
                .map(|x| view! { <td class="num">{x.map(fmt_number).unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr data-testid="compare-metric"><th scope="row">{format!("{m}/{v}")}</th>{cells}</tr> }
        })
        .collect_view();
    // Scalars: one chart per metric, a series per task and variant.
    let overlaid: Vec<SeriesData> = comparison
        .scalars
        .iter()
        .zip(&names)
        .flat_map(|(series, name)| {
            series.iter().map(move |s| SeriesData { variant: format!("{name} · {}", s.variant), ..s.clone() })
        })
        .collect();
    let chart_options = remembered_options();
    let chart_metrics: Vec<String> =
        crate::components::grouped(&overlaid, |s| s.metric.clone()).into_iter().map(|(m, _)| m).collect();
    let metric_keys: Vec<String> = metrics.iter().map(|((m, v), _)| format!("{m}/{v}")).collect();
    let chosen = RwSignal::new(metric_keys.first().cloned().unwrap_or_default());
    let metrics_sv = StoredValue::new(metrics);
    let figure = Signal::derive(move || {
        let key = chosen.get();
        metrics_sv.with_value(|ms| {
            let vals =
                ms.iter().find(|((m, v), _)| format!("{m}/{v}") == key).map(|(_, v)| v.clone()).unwrap_or_default();
            let axes = axes.get();
            params.with_value(|ps| parallel_coordinates(ps, &axes, &key, &vals))
        })
    });
    let options = metric_keys.iter().map(|k| view! { <option value=k.clone()>{k.clone()}</option> }).collect_view();
    // The scatter's x: the first hyperparameter that varies (else the first).
    let x_param =
        RwSignal::new(params.with_value(|ps| {
            ps.iter().find(|p| !p.constant).or(ps.first()).map(|p| p.label.clone()).unwrap_or_default()
        }));
    let x_options = params.with_value(|ps| {
        ps.iter()
            .map(|p| {
                let l = p.label.clone();
                view! { <option value=l.clone() selected=move || x_param.get() == l>{p.label.clone()}</option> }
            })
            .collect_view()
    });
    let has_params = params.with_value(|ps| !ps.is_empty());
    let scatter_names = names.clone();
    let scatter_figure = Signal::derive(move || {
        let key = chosen.get();
        let x = x_param.get();
        metrics_sv.with_value(|ms| {
            let vals =
                ms.iter().find(|((m, v), _)| format!("{m}/{v}") == key).map(|(_, v)| v.clone()).unwrap_or_default();
            params.with_value(|ps| scatter(ps.iter().find(|p| p.label == x), &key, &vals, &scatter_names))
        })
    });
    let csv = metrics_sv.with_value(|ms| comparison_csv(&rows, ms, &names));
    let csv_href = format!("data:text/csv;charset=utf-8,{}", crate::model::table::encode(&csv));
    let has_metrics = !metric_keys.is_empty();
    view! {
        <p class="page-links">
            <label class="check">
                <input type="checkbox" name="hide-identical" on:change=move |ev| hide_identical.set(event_target_checked(&ev))/>
                "Hide identical"
            </label>
            <a class="button" href=csv_href download="compare.csv" rel="external">"Export CSV"</a>
        </p>
        <div class="table-wrap">
            <table class="compare" aria-label="comparison">
                <thead><tr><th></th>{head()}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <h2>"Code, packages and configuration"</h2>
        <TextDiffs fields=diffs names=names.clone()/>
        <h2>"Metrics (last value)"</h2>
        <div class="table-wrap">
            <table class="compare" aria-label="metrics">
                <thead><tr><th></th>{head()}</tr></thead>
                <tbody>{metric_table}</tbody>
            </table>
        </div>
        <h2>"Scalars"</h2>
        <ChartControls options=chart_options metrics=chart_metrics/>
        <ScalarCharts series=overlaid options=chart_options embed=ids.clone()/>
        <ComparePlots ids=ids.clone() names=names.clone()/>
        <CompareSamples ids names=names.clone()/>
        {has_metrics.then(|| view! {
            <h2>"Hyperparameters against a metric"</h2>
            <label class="field">
                <span>"Metric"</span>
                <select on:change=move |ev| chosen.set(event_target_value(&ev))>{options}</select>
            </label>
            <fieldset class="axes" data-testid="axes">
                <legend>"Axes"</legend>
                {axis_choices}
            </fieldset>
            <figure class="chart" data-testid="parallel-coordinates">
                <FigureView id="parallel-coordinates" figure=figure/>
            </figure>
            {has_params.then(|| view! {
                <figure class="chart" data-testid="param-scatter">
                    <figcaption>
                        <span>"Scatter"</span>
                        <label>"x "<select aria-label="Scatter x" on:change=move |ev| x_param.set(event_target_value(&ev))>{x_options}</select></label>
                    </figcaption>
                    <FigureView id="param-scatter" figure=scatter_figure/>
                </figure>
            })}
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_column_per_task_and_defuses_formulas() {
        let rows =
            vec![Row { group: "Hyperparameters", label: "Args/lr".into(), values: vec!["0.1".into(), "=1".into()] }];
        let metrics: Vec<MetricRow> = vec![(("loss".into(), "train".into()), vec![Some(0.25), None])];
        let csv = comparison_csv(&rows, &metrics, &["a".into(), "b,c".into()]);
        assert_eq!(csv, "field,a,\"b,c\"\r\nHyperparameters/Args/lr,0.1,'=1\r\nMetrics/loss/train,0.25,\r\n");
    }

    #[test]
    fn the_scatter_leaves_out_tasks_without_the_metric() {
        let p = NumericParam { label: "Args/lr".into(), values: vec![0.1, 0.2], constant: false };
        let fig: serde_json::Value =
            serde_json::from_str(&scatter(Some(&p), "loss/train", &[None, Some(0.5)], &["a".into(), "b".into()]))
                .expect("json");
        assert_eq!(fig["data"][0]["x"], json!([0.2]));
        assert_eq!(fig["data"][0]["text"], json!(["b"]));
        assert_eq!(scatter(None, "m", &[], &[]), "");
    }
}
