//! The crate's error type.

use std::fmt;

/// A position in the source, 1-based, counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    /// Byte offset in the source.
    pub offset: usize,
}

impl Position {
    /// Computes the line and column of a byte offset.
    pub(crate) fn of_offset(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Position {
            line: before.bytes().filter(|b| *b == b'\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            offset,
        }
    }
}

/// Why a storage fragment is not well-formed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Malformation {
    /// An end tag that does not close the innermost open element.
    UnexpectedCloseTag {
        found: String,
        expected: Option<String>,
    },
    /// The input ended while elements were still open.
    UnclosedElement { name: String },
    /// A `<` that does not start a valid tag.
    InvalidTagStart,
    /// A start tag that is not closed by `>` or `/>`.
    UnterminatedStartTag { name: String },
    /// An end tag with something other than whitespace before its `>`.
    UnterminatedEndTag { name: String },
    /// An attribute that is not `name="value"` or `name='value'`.
    BadAttribute {
        element: String,
        detail: &'static str,
    },
    /// The same attribute twice on one element.
    DuplicateAttribute { element: String, attribute: String },
    /// `&name;` with a name outside the XHTML entity set.
    UnknownEntity { name: String },
    /// A `&` that does not start a well-formed reference.
    BareAmpersand,
    /// A numeric reference to a character that XML forbids.
    InvalidCharacterReference { reference: String },
    /// A comment, CDATA section or processing instruction without its terminator.
    Unterminated { construct: &'static str },
    /// `<!DOCTYPE …>` or another declaration.
    UnsupportedDeclaration,
    /// `<` inside an attribute value.
    LessThanInAttribute,
    /// More nested elements than the parser accepts.
    TooDeep { limit: usize },
}

impl fmt::Display for Malformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformation::UnexpectedCloseTag {
                found,
                expected: Some(expected),
            } => {
                write!(f, "Unexpected close tag </{found}>; expected </{expected}>")
            }
            Malformation::UnexpectedCloseTag {
                found,
                expected: None,
            } => {
                write!(f, "Unexpected close tag </{found}>; no element is open")
            }
            Malformation::UnclosedElement { name } => {
                write!(
                    f,
                    "Unexpected end of input; was expecting a close tag for element <{name}>"
                )
            }
            Malformation::InvalidTagStart => {
                write!(
                    f,
                    "Unexpected character after '<' (expected a name start character)"
                )
            }
            Malformation::UnterminatedStartTag { name } => {
                write!(
                    f,
                    "Unexpected end of start tag <{name}>; expected '>' or '/>'"
                )
            }
            Malformation::UnterminatedEndTag { name } => {
                write!(
                    f,
                    "Unexpected character in close tag </{name}>; expected '>'"
                )
            }
            Malformation::BadAttribute { element, detail } => {
                write!(f, "Malformed attribute in element <{element}>: {detail}")
            }
            Malformation::DuplicateAttribute { element, attribute } => {
                write!(
                    f,
                    "Duplicate attribute '{attribute}' in element <{element}>"
                )
            }
            Malformation::UnknownEntity { name } => {
                write!(f, "Undeclared general entity \"{name}\"")
            }
            Malformation::BareAmpersand => {
                write!(
                    f,
                    "Unexpected '&' (expected an entity or character reference ending with ';')"
                )
            }
            Malformation::InvalidCharacterReference { reference } => {
                write!(f, "Invalid character reference &{reference};")
            }
            Malformation::Unterminated { construct } => {
                write!(f, "Unexpected end of input in {construct}")
            }
            Malformation::UnsupportedDeclaration => {
                write!(f, "Unsupported markup declaration '<!'")
            }
            Malformation::LessThanInAttribute => write!(f, "Unexpected '<' in attribute value"),
            Malformation::TooDeep { limit } => {
                write!(f, "Elements nested deeper than {limit} levels")
            }
        }
    }
}

/// Everything that can fail in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The storage fragment is not well-formed XHTML.
    #[error("Error parsing xhtml: {malformation} at line {}, column {}", position.line, position.column)]
    Xhtml {
        malformation: Malformation,
        position: Position,
    },
    /// Editor HTML did not turn into valid storage: a preserved macro was corrupted, or nesting
    /// became too deep.
    #[error("editor content is not valid storage: {source}")]
    EditorContent {
        #[source]
        source: Box<FormatError>,
    },
    /// A document sent by the editor is not a valid editor document: `path` says where
    /// (`doc.content[2].attrs.level`), `reason` what is wrong.
    #[error("editor document is not valid at {path}: {reason}")]
    EditorDocument { path: String, reason: String },
}

impl FormatError {
    /// The malformation behind a parse error.
    pub fn malformation(&self) -> Option<&Malformation> {
        match self {
            FormatError::Xhtml { malformation, .. } => Some(malformation),
            FormatError::EditorContent { source } => source.malformation(),
            FormatError::EditorDocument { .. } => None,
        }
    }

    /// Where a parse error was found.
    pub fn position(&self) -> Option<Position> {
        match self {
            FormatError::Xhtml { position, .. } => Some(*position),
            FormatError::EditorContent { source } => source.position(),
            FormatError::EditorDocument { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let source = "ab\ncé<x";
        let position = Position::of_offset(source, source.find('<').unwrap_or(0));
        assert_eq!((position.line, position.column), (2, 3));
        assert_eq!(Position::of_offset("", 0).line, 1);
    }

    #[test]
    fn the_message_reads_like_confluence() {
        let error = FormatError::Xhtml {
            malformation: Malformation::UnexpectedCloseTag {
                found: "p".into(),
                expected: Some("strong".into()),
            },
            position: Position {
                line: 1,
                column: 20,
                offset: 19,
            },
        };
        assert_eq!(
            error.to_string(),
            "Error parsing xhtml: Unexpected close tag </p>; expected </strong> at line 1, column 20"
        );
    }
}
