//! Reusable widgets.

pub mod chart;
pub mod figure;
pub mod format;
pub mod lifecycle;
pub mod live;
pub mod project_actions;
pub mod project_tree;
pub mod status;
