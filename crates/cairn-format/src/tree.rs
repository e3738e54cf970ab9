//! The lossless document tree.
//!
//! A [`Document`] owns the storage text it was parsed from and a flat, pre-order list of nodes
//! that point into it by byte range. Every byte of the source belongs to exactly one token
//! (start tag, end tag, text, CDATA section, comment or processing instruction), so writing the
//! tokens back in tree order reproduces the input byte for byte, including attribute quoting,
//! spacing and entity spelling.

use std::borrow::Cow;
use std::ops::Range;

use crate::entity::decode_references;

/// Index of a node in its [`Document`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) usize);

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// `<name …>…</name>` or `<name …/>`.
    Element,
    /// Character data between tags, with its references as written.
    Text,
    /// `<![CDATA[…]]>`.
    CData,
    /// `<!--…-->`.
    Comment,
    /// `<?…?>`.
    ProcessingInstruction,
}

/// One node, stored in pre-order: its descendants are the nodes that follow it up to
/// `subtree_end`.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    /// Bytes of the whole node in the source, end tag included.
    pub(crate) span: Range<usize>,
    /// Index one past the last descendant.
    pub(crate) subtree_end: usize,
    /// Element-only data; zeroed for other kinds.
    pub(crate) element: ElementData,
}

/// Where the parts of an element lie in the source.
#[derive(Clone, Debug, Default)]
pub(crate) struct ElementData {
    /// The qualified name, e.g. `ac:structured-macro`.
    pub(crate) name: Range<usize>,
    /// End of the start tag (one past its `>`).
    pub(crate) start_tag_end: usize,
    /// Start of the end tag; equal to `span.end` for a self-closing element.
    pub(crate) end_tag_start: usize,
    /// The element's attributes in [`Document::attributes`].
    pub(crate) attributes: Range<usize>,
}

/// An attribute as written.
#[derive(Clone, Debug)]
pub(crate) struct AttributeData {
    pub(crate) name: Range<usize>,
    /// The value between the quotes, references undecoded.
    pub(crate) value: Range<usize>,
}

/// A parsed storage fragment. Create one with [`crate::parse`].
#[derive(Clone, Debug)]
pub struct Document {
    pub(crate) source: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) attributes: Vec<AttributeData>,
}

impl Document {
    /// The storage text the document was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Writes the tree back as storage format. For a parsed document this is byte-identical to
    /// the input.
    pub fn to_storage(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        for root in self.roots() {
            root.write_storage(&mut out);
        }
        out
    }

    /// The top-level nodes of the fragment.
    pub fn roots(&self) -> Children<'_> {
        Children {
            document: self,
            next: 0,
            end: self.nodes.len(),
        }
    }

    /// All nodes in document order.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants {
            document: self,
            next: 0,
            end: self.nodes.len(),
        }
    }

    /// The node with the given id.
    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef {
            document: self,
            index: id.0,
        }
    }

    /// Number of nodes in the tree.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Copies the source with the given byte ranges replaced. Ranges must not overlap; they are
    /// applied in order of their start.
    pub fn source_with_replacements(
        &self,
        mut replacements: Vec<(Range<usize>, String)>,
    ) -> String {
        replacements.sort_by_key(|(range, _)| range.start);
        let mut out = String::with_capacity(self.source.len());
        let mut copied_up_to = 0;
        for (range, replacement) in replacements {
            if range.start < copied_up_to {
                continue;
            }
            out.push_str(&self.source[copied_up_to..range.start]);
            out.push_str(&replacement);
            copied_up_to = range.end;
        }
        out.push_str(&self.source[copied_up_to..]);
        out
    }
}

/// A borrowed handle on one node.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    document: &'a Document,
    index: usize,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRef")
            .field("kind", &self.kind())
            .field("source", &self.source())
            .finish()
    }
}

impl<'a> NodeRef<'a> {
    fn node(&self) -> &'a Node {
        &self.document.nodes[self.index]
    }

    fn slice(&self, range: &Range<usize>) -> &'a str {
        &self.document.source[range.clone()]
    }

    /// The document this node belongs to.
    pub fn document(&self) -> &'a Document {
        self.document
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        NodeId(self.index)
    }

    /// What kind of node this is.
    pub fn kind(&self) -> NodeKind {
        self.node().kind
    }

    /// Whether this is an element.
    pub fn is_element(&self) -> bool {
        self.node().kind == NodeKind::Element
    }

    /// Whether this is an element with the given qualified name (`p`, `ac:link`).
    pub fn is_named(&self, name: &str) -> bool {
        self.is_element() && self.slice(&self.node().element.name) == name
    }

    /// The qualified element name, or `""` for other node kinds.
    pub fn name(&self) -> &'a str {
        if self.is_element() {
            self.slice(&self.node().element.name)
        } else {
            ""
        }
    }

    /// The node's bytes in the source, end tag included.
    pub fn source(&self) -> &'a str {
        self.slice(&self.node().span)
    }

    /// Byte range of the whole node in the source.
    pub fn span(&self) -> Range<usize> {
        self.node().span.clone()
    }

    /// The start tag of an element as written (`<p class="x">`), or the whole node otherwise.
    pub fn start_tag_source(&self) -> &'a str {
        let node = self.node();
        if node.kind == NodeKind::Element {
            &self.document.source[node.span.start..node.element.start_tag_end]
        } else {
            self.source()
        }
    }

    /// The end tag of an element as written, `""` when self-closing or not an element.
    pub fn end_tag_source(&self) -> &'a str {
        let node = self.node();
        if node.kind == NodeKind::Element {
            &self.document.source[node.element.end_tag_start..node.span.end]
        } else {
            ""
        }
    }

    /// The source between an element's start and end tags.
    pub fn inner_source(&self) -> &'a str {
        let node = self.node();
        if node.kind == NodeKind::Element {
            &self.document.source[node.element.start_tag_end..node.element.end_tag_start]
        } else {
            ""
        }
    }

    /// Whether the element was written `<name/>`.
    pub fn is_self_closing(&self) -> bool {
        let node = self.node();
        node.kind == NodeKind::Element && node.element.end_tag_start == node.span.end
    }

    /// The attributes of an element in source order.
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'a>> + 'a {
        let document = self.document;
        let range = if self.is_element() {
            self.node().element.attributes.clone()
        } else {
            0..0
        };
        document.attributes[range]
            .iter()
            .map(move |data| Attribute { document, data })
    }

    /// The decoded value of the named attribute.
    pub fn attribute(&self, name: &str) -> Option<Cow<'a, str>> {
        self.attributes()
            .find(|attribute| attribute.name() == name)
            .map(|attribute| attribute.value())
    }

    /// Byte range of the named attribute's raw value (between the quotes) in the source.
    pub fn attribute_value_span(&self, name: &str) -> Option<Range<usize>> {
        self.attributes()
            .find(|attribute| attribute.name() == name)
            .map(|attribute| attribute.data.value.clone())
    }

    /// Decoded text of a text node, or content of a CDATA section; `""` otherwise.
    pub fn text(&self) -> Cow<'a, str> {
        match self.kind() {
            NodeKind::Text => decode_references(self.source()),
            NodeKind::CData => {
                let raw = self.source();
                Cow::Borrowed(&raw["<![CDATA[".len()..raw.len() - "]]>".len()])
            }
            _ => Cow::Borrowed(""),
        }
    }

    /// Decoded text of all text and CDATA descendants, concatenated.
    pub fn text_content(&self) -> String {
        match self.kind() {
            NodeKind::Text | NodeKind::CData => self.text().into_owned(),
            NodeKind::Element => {
                let mut out = String::new();
                for node in self.descendants() {
                    if matches!(node.kind(), NodeKind::Text | NodeKind::CData) {
                        out.push_str(&node.text());
                    }
                }
                out
            }
            _ => String::new(),
        }
    }

    /// The direct children.
    pub fn children(&self) -> Children<'a> {
        let node = self.node();
        Children {
            document: self.document,
            next: self.index + 1,
            end: node.subtree_end,
        }
    }

    /// All descendants in document order, this node excluded.
    pub fn descendants(&self) -> Descendants<'a> {
        let node = self.node();
        Descendants {
            document: self.document,
            next: self.index + 1,
            end: node.subtree_end,
        }
    }

    /// The first child element with the given name.
    pub fn child_element(&self, name: &str) -> Option<NodeRef<'a>> {
        self.children().find(|child| child.is_named(name))
    }

    /// The first child that is an element.
    pub fn first_child_element(&self) -> Option<NodeRef<'a>> {
        self.children().find(NodeRef::is_element)
    }

    /// Appends this node's storage form to `out`, walking the tree.
    pub fn write_storage(&self, out: &mut String) {
        let node = self.node();
        if node.kind != NodeKind::Element {
            out.push_str(self.source());
            return;
        }
        out.push_str(self.start_tag_source());
        for child in self.children() {
            child.write_storage(out);
        }
        out.push_str(self.end_tag_source());
    }
}

/// An attribute of an element.
#[derive(Clone, Copy)]
pub struct Attribute<'a> {
    document: &'a Document,
    data: &'a AttributeData,
}

impl<'a> Attribute<'a> {
    /// The qualified attribute name, e.g. `ac:name`.
    pub fn name(&self) -> &'a str {
        &self.document.source[self.data.name.clone()]
    }

    /// The value as written between the quotes.
    pub fn raw_value(&self) -> &'a str {
        &self.document.source[self.data.value.clone()]
    }

    /// The value with references decoded.
    pub fn value(&self) -> Cow<'a, str> {
        decode_references(self.raw_value())
    }
}

/// Iterator over the children of a node (or the roots of a document).
#[derive(Clone)]
pub struct Children<'a> {
    document: &'a Document,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = NodeRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next = self.document.nodes[index].subtree_end;
        Some(NodeRef {
            document: self.document,
            index,
        })
    }
}

/// Iterator over nodes in document order.
#[derive(Clone)]
pub struct Descendants<'a> {
    document: &'a Document,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = NodeRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(NodeRef {
            document: self.document,
            index,
        })
    }
}

impl<'a> Descendants<'a> {
    /// Skips the descendants of the node returned last, continuing with its next sibling.
    pub fn skip_subtree_of(&mut self, node: NodeRef<'a>) {
        self.next = self.next.max(self.document.nodes[node.index].subtree_end);
    }
}
