//! Reusable widgets.

pub mod chart;
pub mod figure;
pub mod format;
pub mod lifecycle;
pub mod live;
#[cfg(feature = "hydrate")]
pub mod plotly_js;
pub mod project_actions;
pub mod project_tree;
pub mod samples;
pub mod status;
pub mod syntax;
pub mod theme;
