//! The page editor's form, shared by create and edit, and what its post carries.
//!
//! The form follows the mount contract of `frontend/README.md`: a textarea of storage format that
//! works without script, and a `data-cairn-editor` element the bundle (served here, fingerprinted)
//! mounts on, hiding the textarea. The post says in `body_format` what `body` holds: storage from
//! the textarea, or the editor's document (`editor-json`), which is converted back to storage
//! against the storage the editor was opened with, so unedited blocks keep their exact bytes.
//!
//! Errors a person can meet here (storage that does not parse, a document that does not convert)
//! are explained in words, with line and column for storage; the form always comes back with what
//! was typed.

use std::sync::LazyLock;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::{Content, ContentId, Space};
use cairn_format::{FormatError, Malformation};
use maud::{Markup, html};

use crate::people::People;
use crate::request::QueryPairs;

const EDITOR_SCRIPT: &str = include_str!("../../assets/editor/editor.js");
const EDITOR_STYLESHEET: &str = include_str!("../../assets/editor/editor.css");

/// A fingerprint of the committed bundle. It is part of the bundle's URLs and its ETag, so a new
/// build is a new URL and browsers may keep a fetched bundle for a year.
static BUNDLE_VERSION: LazyLock<String> =
    LazyLock::new(|| fingerprint(&[EDITOR_SCRIPT.as_bytes(), EDITOR_STYLESHEET.as_bytes()]));

/// FNV-1a over the parts: stable across builds and platforms, and enough to tell two bundles
/// apart (it names a version, it protects nothing).
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub fn editor_script_url() -> String {
    format!("/assets/editor/editor.js?v={}", *BUNDLE_VERSION)
}

pub fn editor_stylesheet_url() -> String {
    format!("/assets/editor/editor.css?v={}", *BUNDLE_VERSION)
}

/// `GET /assets/editor/editor.js`.
pub async fn editor_script(headers: HeaderMap) -> Response {
    bundle_file(&headers, "text/javascript; charset=utf-8", EDITOR_SCRIPT)
}

/// `GET /assets/editor/editor.css`.
pub async fn editor_stylesheet(headers: HeaderMap) -> Response {
    bundle_file(&headers, "text/css; charset=utf-8", EDITOR_STYLESHEET)
}

fn bundle_file(headers: &HeaderMap, content_type: &'static str, body: &'static str) -> Response {
    let etag = format!("\"{}\"", *BUNDLE_VERSION);
    let already_held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    // `public` tells the edge layer these bytes are the same for everyone, so it keeps them
    // cacheable even when the request carried a session cookie.
    let cache = (header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    if already_held {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)], [cache]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::ETAG, etag),
        ],
        [cache],
        body,
    )
        .into_response()
}

/// What `body` holds in a post of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// Storage format, from the textarea (no script, or the source mode).
    Storage,
    /// The editor's document, TipTap JSON.
    EditorJson,
}

/// The body part of a posted form.
pub struct PostedBody {
    pub format: BodyFormat,
    pub body: String,
    /// The storage the editor's document was built from, when that is not a stored version (the
    /// form came back after a failed save). Trusting it gives the poster nothing they could not
    /// post directly as storage.
    pub editor_original: Option<String>,
}

impl PostedBody {
    pub fn read(form: &QueryPairs) -> PostedBody {
        let format = match form.get("body_format") {
            Some("editor-json") => BodyFormat::EditorJson,
            _ => BodyFormat::Storage,
        };
        PostedBody {
            format,
            body: form.get("body").unwrap_or("").to_string(),
            editor_original: form.get("editor_original").map(str::to_string),
        }
    }
}

/// What the body part of the form shows.
pub struct BodyField {
    /// Storage for the textarea: what a browser without script shows and posts.
    pub storage: String,
    /// The editor's initial document (JSON); `None` is the source mode, the textarea only.
    pub editor_document: Option<String>,
    /// See [`PostedBody::editor_original`].
    pub editor_original: Option<String>,
}

impl BodyField {
    /// The textarea alone.
    pub fn source(storage: String) -> BodyField {
        BodyField {
            storage,
            editor_document: None,
            editor_original: None,
        }
    }

    /// The editor over `storage`, a stored version; the textarea if it does not parse (content
    /// written before the well-formedness check), so it can still be repaired by hand. `people`
    /// are those it mentions, so mentions show their names.
    pub fn editor_over_stored(
        storage: String,
        space: &Space,
        content: Option<&Content>,
        people: &People,
    ) -> Self {
        let document = crate::render::storage_to_editor_document(
            &storage,
            Some(space.key.as_str()),
            content.map(|content| content.title.as_str()),
            content.map(|content| content.id),
            people,
        );
        BodyField {
            editor_document: document.ok(),
            storage,
            editor_original: None,
        }
    }

    /// The editor over storage that is not a stored version (the result of a save that failed):
    /// the post must say what the document was built from.
    pub fn editor_over_unsaved(
        storage: String,
        space: &Space,
        content: Option<&Content>,
        people: &People,
    ) -> Self {
        let mut field = BodyField::editor_over_stored(storage, space, content, people);
        if field.editor_document.is_some() {
            field.editor_original = Some(field.storage.clone());
        }
        field
    }
}

/// The change comment and minor-edit box of an edit.
pub struct ChangeNote<'a> {
    pub message: &'a str,
    pub minor_edit: bool,
}

/// Where a new page goes: its space, its parent and its labels.
pub struct Placement<'a> {
    pub spaces: &'a [Space],
    pub space: &'a Space,
    /// Pages of `space` that can be the parent; `None` for blog posts, which have none.
    pub parents: Option<&'a [Content]>,
    pub parent_id: Option<cairn_core::ContentId>,
    pub labels: &'a str,
}

/// Everything the form shows.
pub struct PageForm<'a> {
    pub action: &'a str,
    pub hidden: Vec<(&'static str, String)>,
    pub title: &'a str,
    pub body: &'a BodyField,
    pub change: Option<ChangeNote<'a>>,
    pub placement: Option<Placement<'a>>,
    pub cancel_href: &'a str,
    /// The same form in the other mode (editor or source), when there is one to link to.
    pub other_mode_href: Option<String>,
    /// The page or blog post being edited (or its draft, once saved), which images are attached
    /// to; `None` while a new page has not been saved at all.
    pub content_id: Option<ContentId>,
    /// The space it is in, for page links typed in the editor.
    pub space_key: &'a str,
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` only occur in JSON strings, where
/// their `\u` escapes mean the same, so no `</script>` or comment opener can appear.
fn script_json(json: &str) -> maud::PreEscaped<String> {
    let mut out = String::with_capacity(json.len());
    for character in json.chars() {
        match character {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            other => out.push(other),
        }
    }
    maud::PreEscaped(out)
}

pub fn page_form(form: &PageForm<'_>) -> Markup {
    let body = form.body;
    html! {
        form.card.page-editor method="post" action=(form.action) data-unsaved-warning
            data-draft-url="/pages/savedraft.action" {
            @for (name, value) in &form.hidden { input type="hidden" name=(name) value=(value); }
            input type="hidden" name="body_format" value="storage";
            @if let Some(original) = &body.editor_original {
                input type="hidden" name="editor_original" value=(original);
            }
            label for="title" { "Title" }
            input type="text" id="title" name="title" value=(form.title) required maxlength="255";
            @if let Some(placement) = &form.placement { (placement_fields(placement)) }
            @if body.editor_document.is_some() {
                // With script the editor posts the body through the hidden field, which it
                // enables; the storage is then not needed in the page, and a browser with script
                // does not parse what is inside `noscript` (a long page's form is a third smaller).
                noscript {
                    label.storage-label for="body" { "Body (Confluence storage format)" }
                    textarea.storage id="body" name="body" { (body.storage) }
                }
                input type="hidden" name="body" value="" disabled;
            } @else {
                label.storage-label for="body" { "Body (Confluence storage format)" }
                textarea.storage id="body" name="body" { (body.storage) }
            }
            @if let Some(document) = &body.editor_document {
                // The document travels as a JSON script block, not an attribute: no `&quot;` for
                // every quote, so a long page's form is far smaller and parses faster.
                script type="application/json" id="cairn-editor-document" { (script_json(document)) }
                div data-cairn-editor data-field="body" data-format-field="body_format"
                    data-label="Page content" data-document-from="cairn-editor-document"
                    data-content-id=[form.content_id.map(|id| id.0)]
                    data-space-key=(form.space_key) hidden {}
            }
            @if let Some(change) = &form.change {
                label for="message" { "What did you change?" }
                input type="text" id="message" name="message" value=(change.message);
                label.check { input type="checkbox" name="minorEdit" value="true" checked[change.minor_edit]; "Minor change (don't notify watchers)" }
            }
            p.form-actions {
                button.button type="submit" title="Save (Ctrl+S)" { "Save" }
                " "
                a.button.secondary href=(form.cancel_href) data-cancel { "Cancel" }
                " "
                span.draft-status.muted role="status" aria-live="polite" {}
                @if let Some(href) = &form.other_mode_href {
                    " "
                    @if body.editor_document.is_some() {
                        a.muted href=(href) { "Edit the storage format instead" }
                    } @else {
                        a.muted href=(href) { "Use the visual editor" }
                    }
                }
            }
        }
        @if body.editor_document.is_some() {
            link rel="stylesheet" href=(editor_stylesheet_url());
            script src=(editor_script_url()) defer {}
        }
    }
}

fn placement_fields(placement: &Placement<'_>) -> Markup {
    html! {
        label for="spaceKey" { "Space" }
        select id="spaceKey" name="spaceKey" {
            @for space in placement.spaces {
                option value=(space.key.as_str()) selected[space.id == placement.space.id] { (space.name) " (" (space.key.as_str()) ")" }
            }
        }
        @if let Some(parents) = placement.parents {
            label for="parentId" { "Parent page" }
            select id="parentId" name="parentId" data-space=(placement.space.key.as_str()) {
                option value="" selected[placement.parent_id.is_none()] { "None (top level of the space)" }
                @for parent in parents {
                    option value=(parent.id) selected[placement.parent_id == Some(parent.id)] { (parent.title) }
                }
            }
        }
        label for="labels" { "Labels" }
        input type="text" id="labels" name="labels" value=(placement.labels) placeholder="Separated by spaces or commas" maxlength="255";
    }
}

/// Label names typed into one field, separated by spaces or commas, as `(prefix, name)`.
pub fn typed_labels(text: &str) -> Vec<(String, String)> {
    text.split([' ', ','])
        .filter(|name| !name.is_empty())
        .map(|name| ("global".to_string(), name.to_string()))
        .collect()
}

/// Checks storage typed into the textarea; the error says where and what in words.
pub fn check_typed_storage(storage: &str) -> Result<(), String> {
    cairn_format::check_well_formed(storage).map_err(|error| explain_storage_error(&error))
}

/// Converts the editor's document to storage against `original`, the storage it was opened
/// with; the error is one a person can act on.
pub fn editor_document_to_storage(document: &str, original: &str) -> Result<String, String> {
    let original_document = cairn_format::parse(original).map_err(|error| {
        tracing::warn!(%error, "the storage an editor was opened with does not parse");
        "Your changes were not saved: the version of the page you started from could not be \
         read. Copy your text, reload the editor and paste it back."
            .to_string()
    })?;
    cairn_format::editor_json_to_storage(document, &original_document).map_err(|error| {
        tracing::info!(%error, "an editor document did not convert");
        explain_editor_error(&error)
    })
}

/// The document to show again after a failed conversion: the one the person sent, if it is at
/// least an editor document the bundle can load.
pub fn document_worth_showing_again(document: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(document).ok()?;
    (value.get("type").and_then(serde_json::Value::as_str) == Some("doc"))
        .then(|| document.to_string())
}

fn explain_editor_error(error: &FormatError) -> String {
    match error {
        FormatError::EditorContent { .. } => format!(
            "Your changes were not saved: lists, tables, quotes or panels are nested inside each \
             other more than {} levels deep. Move some content out of its container and save \
             again.",
            cairn_format::MAX_DEPTH
        ),
        FormatError::EditorDocument { path, .. } => format!(
            "Your changes were not saved: the editor sent content Cairn cannot store ({}). Your \
             text is still below; save again, and if this keeps happening, undo the last change \
             to that part of the page.",
            describe_document_path(path)
        ),
        FormatError::Xhtml { .. } => explain_storage_error(error),
    }
}

/// `doc.content[3].content[0].attrs.x` → "in the 4th block of the page".
fn describe_document_path(path: &str) -> String {
    let block = path
        .strip_prefix("doc.content[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|index| index.parse::<usize>().ok());
    match block {
        Some(index) => format!("in block {} of the page", index + 1),
        None => "in the page as a whole".to_string(),
    }
}

/// A storage parse error as a sentence: where (line, column) and what to change.
pub fn explain_storage_error(error: &FormatError) -> String {
    let what = error.malformation().map_or_else(
        || "it is not well-formed".to_string(),
        describe_malformation,
    );
    match error.position() {
        Some(position) => format!(
            "The page source has an error at line {}, column {}: {what}. Nothing was saved; \
             correct it and save again.",
            position.line, position.column
        ),
        None => format!("The page source has an error: {what}. Nothing was saved."),
    }
}

fn describe_malformation(malformation: &Malformation) -> String {
    match malformation {
        Malformation::UnexpectedCloseTag {
            found,
            expected: Some(expected),
        } => format!(
            "</{found}> closes an element that is not open here; <{expected}> must be closed first"
        ),
        Malformation::UnexpectedCloseTag {
            found,
            expected: None,
        } => format!("</{found}> closes an element that was never opened"),
        Malformation::UnclosedElement { name } => {
            format!("<{name}> is opened but never closed (add </{name}>)")
        }
        Malformation::InvalidTagStart => {
            "a \"<\" does not start a tag (write &lt; for a less-than sign)".to_string()
        }
        Malformation::UnterminatedStartTag { name } => {
            format!("the tag <{name} is not finished with > or />")
        }
        Malformation::UnterminatedEndTag { name } => {
            format!("the closing tag </{name} is not finished with >")
        }
        Malformation::BadAttribute { element, detail } => {
            format!("an attribute of <{element}> is not written as name=\"value\" ({detail})")
        }
        Malformation::DuplicateAttribute { element, attribute } => {
            format!("<{element}> has the attribute {attribute} twice")
        }
        Malformation::UnknownEntity { name } => format!(
            "&{name}; is not a character name a page may use (write &amp; for an ampersand)"
        ),
        Malformation::BareAmpersand => {
            "an \"&\" does not start a character reference (write &amp; for an ampersand)"
                .to_string()
        }
        Malformation::InvalidCharacterReference { reference } => {
            format!("&{reference}; is a character a page cannot hold")
        }
        Malformation::Unterminated { construct } => format!("a {construct} is never closed"),
        Malformation::UnsupportedDeclaration => {
            "declarations such as <!DOCTYPE> cannot be part of a page".to_string()
        }
        Malformation::LessThanInAttribute => {
            "an attribute value contains \"<\" (write &lt; instead)".to_string()
        }
        Malformation::TooDeep { limit } => {
            format!("elements are nested more than {limit} levels deep")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_name_line_column_and_the_fix() {
        let error = cairn_format::check_well_formed("<p>one</p>\n<p>two <strong>bold</p>")
            .expect_err("malformed");
        let message = explain_storage_error(&error);
        assert!(message.contains("line 2, column"), "{message}");
        assert!(
            message.contains("<strong> must be closed first"),
            "{message}"
        );
        assert!(!message.contains("Error parsing xhtml"), "{message}");
        let unclosed = check_typed_storage("<p>open").expect_err("malformed");
        assert!(
            unclosed.contains("<p> is opened but never closed"),
            "{unclosed}"
        );
        let ampersand = check_typed_storage("<p>fish & chips</p>").expect_err("malformed");
        assert!(ampersand.contains("&amp;"), "{ampersand}");
    }

    #[test]
    fn editor_errors_are_sentences_without_parser_detail() {
        let not_json = editor_document_to_storage("{not json", "<p>x</p>").expect_err("bad");
        assert!(
            not_json.starts_with("Your changes were not saved"),
            "{not_json}"
        );
        assert!(!not_json.contains("expected"), "{not_json}");
        let bad_block = editor_document_to_storage(
            r#"{"type":"doc","content":[{"type":"paragraph"},{"type":"nonsense"}]}"#,
            "<p>x</p>",
        )
        .expect_err("bad");
        assert!(bad_block.contains("in block 2 of the page"), "{bad_block}");
    }

    #[test]
    fn a_failed_document_is_shown_again_only_if_the_editor_can_load_it() {
        assert!(document_worth_showing_again(r#"{"type":"doc","content":[]}"#).is_some());
        assert!(document_worth_showing_again("{oops").is_none());
        assert!(document_worth_showing_again(r#"{"type":"paragraph"}"#).is_none());
    }

    #[test]
    fn a_document_in_a_script_block_cannot_close_it() {
        let json = r#"{"text":"</script><!-- & -->"}"#;
        let safe = super::script_json(json).0;
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["text"], "</script><!-- & -->");
    }

    #[test]
    fn the_fingerprint_tells_bundles_apart() {
        assert_ne!(fingerprint(&[b"a"]), fingerprint(&[b"b"]));
        assert_eq!(fingerprint(&[b"ab"]).len(), 16);
        assert!(editor_script_url().starts_with("/assets/editor/editor.js?v="));
    }

    #[test]
    fn labels_split_on_spaces_and_commas() {
        assert_eq!(
            typed_labels("ops, release  x"),
            vec![
                ("global".to_string(), "ops".to_string()),
                ("global".to_string(), "release".to_string()),
                ("global".to_string(), "x".to_string())
            ]
        );
    }
}
