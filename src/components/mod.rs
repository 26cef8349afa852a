//! Reusable widgets.

pub mod access;
pub mod bulk_bar;
pub mod chart;
pub mod compare_media;
pub mod dialog;
pub mod embed;
pub mod error;
pub mod figure;
pub mod history;
pub mod lifecycle;
pub mod live;
pub mod pager;
#[cfg(feature = "hydrate")]
pub mod plotly_js;
pub mod project_actions;
pub mod project_overview;
pub mod project_tree;
pub mod report_widget;
pub mod samples;
pub mod status;
pub mod stored;
pub mod syntax;
pub mod tag_picker;
pub mod theme;
pub mod time;

/// Groups items by a key, groups and items in first-seen order.
pub fn grouped<T: Clone, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<(K, Vec<T>)> {
    let mut out: Vec<(K, Vec<T>)> = Vec::new();
    for it in items {
        let k = key(it);
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, g)) => g.push(it.clone()),
            None => out.push((k, vec![it.clone()])),
        }
    }
    out
}
