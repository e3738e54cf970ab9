//! The editor document as Rust types: the same nodes, marks and attributes as the TipTap schema
//! in `frontend/src/schema.ts`, with the defaults that schema declares.
//!
//! Both directions go through this model: storage becomes a model and then JSON; JSON becomes a
//! model and then storage. Comparing two models means comparing their fresh storage (see
//! [`super::to_storage`]), so the model does not need an equality of its own.

use std::collections::{BTreeMap, BTreeSet};

/// Attributes of a plain XHTML element that the editor does not edit but keeps, by name. Only
/// names the allow-list knows for the element get here, and they are filtered again on output.
pub(crate) type HtmlAttributes = BTreeMap<String, String>;

/// What every editable macro keeps besides the parameters it surfaces as attributes.
#[derive(Clone, Debug, Default)]
pub(crate) struct MacroInfo {
    /// `ac:macro-id`, kept so that Confluence-side references to the macro still resolve.
    pub(crate) macro_id: Option<String>,
    /// `ac:schema-version`.
    pub(crate) schema_version: Option<String>,
    /// The other `ac:parameter`s, by name.
    pub(crate) parameters: BTreeMap<String, String>,
    /// Parameters that name a page as a link (`<ac:link><ri:page …/></ac:link>`, as the children
    /// macro's `page` is written by Confluence's editor) rather than as text. In `parameters`
    /// their value is the text form, `SPACE:title` or `title`, which is what the forms edit.
    pub(crate) page_links: BTreeSet<String>,
}

/// A block node.
#[derive(Clone, Debug)]
pub(crate) enum Block {
    Paragraph {
        html: HtmlAttributes,
        content: Vec<Inline>,
    },
    Heading {
        /// 1 to 6.
        level: u8,
        html: HtmlAttributes,
        content: Vec<Inline>,
    },
    BulletList {
        html: HtmlAttributes,
        items: Vec<ListItem>,
    },
    OrderedList {
        /// The first number; 1 unless the storage said otherwise.
        start: u32,
        html: HtmlAttributes,
        items: Vec<ListItem>,
    },
    TaskList {
        items: Vec<TaskItem>,
    },
    Blockquote {
        html: HtmlAttributes,
        content: Vec<Block>,
    },
    HorizontalRule,
    Table(Table),
    /// The `code` macro.
    Code {
        language: Option<String>,
        title: Option<String>,
        info: MacroInfo,
        code: String,
    },
    /// The `info`, `note`, `tip`, `warning` and `panel` macros.
    Panel {
        kind: PanelKind,
        title: Option<String>,
        info: MacroInfo,
        content: Vec<Block>,
    },
    /// The `expand` macro.
    Expand {
        title: Option<String>,
        info: MacroInfo,
        content: Vec<Block>,
    },
    /// A bodyless block macro edited through its parameters only (`toc`, `children`).
    Macro {
        name: BlockMacro,
        info: MacroInfo,
    },
    /// Storage the editor does not model, carried byte for byte.
    Raw(Raw),
}

/// A list item: a paragraph first, then any blocks (the TipTap content expression).
#[derive(Clone, Debug)]
pub(crate) struct ListItem {
    pub(crate) html: HtmlAttributes,
    pub(crate) content: Vec<Block>,
}

/// An `ac:task`.
#[derive(Clone, Debug)]
pub(crate) struct TaskItem {
    pub(crate) checked: bool,
    /// `ac:task-id`; new tasks get one when written.
    pub(crate) task_id: Option<String>,
    pub(crate) content: Vec<Block>,
}

#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) html: HtmlAttributes,
    /// The original `<colgroup>` (column widths), carried verbatim like a raw node.
    pub(crate) colgroup: Option<String>,
    pub(crate) rows: Vec<TableRow>,
}

#[derive(Clone, Debug)]
pub(crate) struct TableRow {
    pub(crate) html: HtmlAttributes,
    pub(crate) cells: Vec<TableCell>,
}

#[derive(Clone, Debug)]
pub(crate) struct TableCell {
    /// `th` rather than `td`.
    pub(crate) header: bool,
    pub(crate) colspan: u32,
    pub(crate) rowspan: u32,
    pub(crate) html: HtmlAttributes,
    pub(crate) content: Vec<Block>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PanelKind {
    Info,
    Note,
    Tip,
    Warning,
    Panel,
}

impl PanelKind {
    pub(crate) const ALL: [PanelKind; 5] = [
        PanelKind::Info,
        PanelKind::Note,
        PanelKind::Tip,
        PanelKind::Warning,
        PanelKind::Panel,
    ];

    /// The macro name, which is also the `panelType` attribute.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PanelKind::Info => "info",
            PanelKind::Note => "note",
            PanelKind::Tip => "tip",
            PanelKind::Warning => "warning",
            PanelKind::Panel => "panel",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<PanelKind> {
        PanelKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Bodyless block macros the editor can insert and parameterise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockMacro {
    Toc,
    Children,
}

impl BlockMacro {
    pub(crate) fn name(self) -> &'static str {
        match self {
            BlockMacro::Toc => "toc",
            BlockMacro::Children => "children",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<BlockMacro> {
        [BlockMacro::Toc, BlockMacro::Children]
            .into_iter()
            .find(|known| known.name() == name)
    }
}

/// Storage carried verbatim, with what the editor shows for it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Raw {
    /// The exact original storage of one node.
    pub(crate) storage: String,
    /// Display only: the macro or element name.
    pub(crate) label: String,
    /// Display only: the macro's parameters.
    pub(crate) parameters: BTreeMap<String, String>,
}

/// An inline node with its marks.
#[derive(Clone, Debug)]
pub(crate) struct Inline {
    pub(crate) node: InlineNode,
    /// Kept sorted: the order of [`Mark`] is the nesting order on output.
    pub(crate) marks: Vec<Mark>,
}

#[derive(Clone, Debug)]
pub(crate) enum InlineNode {
    Text(String),
    HardBreak,
    Image(Image),
    /// `ac:link` to a page, an attachment or an anchor of this page.
    Link(ConfluenceLink),
    /// `ac:link` to a user.
    Mention {
        user: UserReference,
        /// Display only: the user's name, when the caller could tell it.
        label: Option<String>,
    },
    Emoticon(Emoticon),
    /// `<time datetime="…"/>`.
    Date {
        datetime: String,
    },
    /// The `status` macro.
    Status {
        colour: Option<String>,
        title: Option<String>,
        info: MacroInfo,
    },
    /// The `anchor` macro.
    Anchor {
        name: String,
        info: MacroInfo,
    },
    Raw(Raw),
}

/// Marks in nesting order: a link encloses a colour, which encloses bold, and so on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    Link { href: String },
    TextColor { color: String },
    Bold,
    Italic,
    Underline,
    Strike,
    Subscript,
    Superscript,
    Code,
}

#[derive(Clone, Debug)]
pub(crate) struct Image {
    pub(crate) source: ImageSource,
    pub(crate) width: Option<String>,
    pub(crate) height: Option<String>,
    pub(crate) align: Option<String>,
    pub(crate) alt: Option<String>,
    pub(crate) title: Option<String>,
    /// Display only: a URL the editor can load.
    pub(crate) preview_url: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum ImageSource {
    /// `ri:attachment` of the current page.
    Attachment { filename: String },
    /// `ri:url`.
    Url { url: String },
}

#[derive(Clone, Debug)]
pub(crate) struct ConfluenceLink {
    pub(crate) target: LinkTarget,
    /// `ac:anchor`.
    pub(crate) anchor: Option<String>,
    /// The link text; `None` shows the target's name.
    pub(crate) body: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum LinkTarget {
    Page {
        space_key: Option<String>,
        title: String,
    },
    Attachment {
        filename: String,
    },
    /// An anchor on the same page: `ac:link` with `ac:anchor` and no resource.
    SamePage,
}

#[derive(Clone, Debug)]
pub(crate) enum UserReference {
    Key(String),
    AccountId(String),
    Username(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Emoticon {
    pub(crate) name: String,
    /// Confluence Cloud's emoji attributes, kept when present.
    pub(crate) shortname: Option<String>,
    pub(crate) emoji_id: Option<String>,
    pub(crate) fallback: Option<String>,
}

/// Whether a text colour can be written as `style="color: …;"` exactly as given: one plain
/// value the style filter keeps, with nothing that would end the declaration.
pub(crate) fn is_plain_colour(colour: &str) -> bool {
    let declaration = format!("color: {colour}");
    colour.trim() == colour
        && !colour.contains(';')
        && crate::policy::filter_style(&declaration).as_deref() == Some(&*format!("{declaration};"))
}
