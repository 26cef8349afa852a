//! A small highlighter for configuration objects as the SDK stores them
//! (HOCON-like `dictionary` text from `connect_configuration` of a dict,
//! YAML, JSON, INI, plain text): comments, section headers, keys, and
//! value kinds (string, number, boolean/null) get their own classes.

use leptos::prelude::*;

/// One highlighted piece: a CSS class (empty for plain text) and its text.
pub type Piece = (&'static str, String);

/// The class of a scalar value.
fn value_class(v: &str) -> &'static str {
    let t = v.trim().trim_end_matches(',');
    if t.is_empty() {
        ""
    } else if t.starts_with('"') || t.starts_with('\'') {
        "s"
    } else if t.parse::<f64>().is_ok() {
        "n"
    } else if matches!(t, "true" | "false" | "null" | "None" | "True" | "False" | "~" | "yes" | "no") {
        "b"
    } else {
        ""
    }
}

/// Highlights one line.
pub fn highlight_line(line: &str) -> Vec<Piece> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let mut out: Vec<Piece> = Vec::new();
    if !indent.is_empty() {
        out.push(("", indent.to_string()));
    }
    if trimmed.starts_with('#') || trimmed.starts_with("//") || trimmed.starts_with(';') {
        out.push(("c", trimmed.to_string()));
        return out;
    }
    if trimmed.starts_with('[') && trimmed.ends_with(']') && !trimmed.contains(',') {
        out.push(("h", trimmed.to_string()));
        return out;
    }
    // `key: value`, `key = value`, `"key": value`, `- item` (the first separator outside quotes).
    let mut in_quote: Option<char> = None;
    let mut split = None;
    for (i, ch) in trimmed.char_indices() {
        match (in_quote, ch) {
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => in_quote = Some(ch),
            (None, ':' | '=') => {
                split = Some(i);
                break;
            }
            (None, '{' | '[') => break,
            _ => {}
        }
    }
    match split {
        Some(i) if i > 0 => {
            let (key, rest) = trimmed.split_at(i);
            out.push(("k", key.to_string()));
            out.push(("p", rest[..1].to_string()));
            let value = &rest[1..];
            out.push((value_class(value), value.to_string()));
        }
        _ => {
            let (dash, rest) = match trimmed.strip_prefix("- ") {
                Some(rest) => ("- ", rest),
                None => ("", trimmed),
            };
            if !dash.is_empty() {
                out.push(("p", dash.to_string()));
            }
            out.push((value_class(rest), rest.to_string()));
        }
    }
    out
}

/// A configuration object's text, highlighted line by line.
#[component]
pub fn Highlighted(text: String) -> impl IntoView {
    let lines = text
        .lines()
        .map(|line| {
            let pieces = highlight_line(line)
                .into_iter()
                .map(|(class, t)| view! { <span class=class>{t}</span> })
                .collect_view();
            view! { <span class="line">{pieces}"\n"</span> }
        })
        .collect_view();
    view! { <pre class="config syntax" data-testid="config-text">{lines}</pre> }
}

#[cfg(test)]
mod tests {
    use super::highlight_line;

    fn classes(line: &str) -> Vec<(&'static str, String)> {
        highlight_line(line).into_iter().filter(|(c, _)| !c.is_empty()).collect()
    }

    #[test]
    fn keys_values_comments_and_sections() {
        assert_eq!(classes("  lr: 0.01"), vec![("k", "lr".into()), ("p", ":".into()), ("n", " 0.01".into())]);
        assert_eq!(classes(r#""name" = "resnet""#)[2], ("s", r#" "resnet""#.into()));
        assert_eq!(classes("shuffle: true")[2].0, "b");
        assert_eq!(classes("# a comment: not a key"), vec![("c", "# a comment: not a key".into())]);
        assert_eq!(classes("[training]"), vec![("h", "[training]".into())]);
        assert_eq!(classes("- 3"), vec![("p", "- ".into()), ("n", "3".into())]);
        // A separator inside quotes is not one.
        assert_eq!(classes(r#""a:b": 1"#)[0], ("k", r#""a:b""#.into()));
    }
}
