//! The pager under a table: previous and next links and where the page is.

use leptos::prelude::*;
use leptos_router::components::A;

/// "‹ Previous", "Page 2 of 5 · 230 tasks", "Next ›", then `extra` (a page
/// size picker, say). `page` is zero-based; `href(n)` links page `n`.
pub fn pager(
    page: i64,
    page_size: i64,
    total: i64,
    noun: &'static str,
    href: impl Fn(i64) -> String,
    extra: impl IntoView + 'static,
) -> impl IntoView {
    let pages = ((total + page_size - 1) / page_size.max(1)).max(1);
    let prev = (page > 0).then(|| view! { <A href=href(page - 1)>"‹ Previous"</A> });
    let next = (page + 1 < pages).then(|| view! { <A href=href(page + 1)>"Next ›"</A> });
    view! {
        <nav class="pager" aria-label="pages">
            {prev}
            <span>{format!("Page {} of {pages} · {total} {noun}", page + 1)}</span>
            {next}
            {extra}
        </nav>
    }
}
