//! Objects of entities.xml as Confluence writes them: Hibernate's generic shape, strings in CDATA
//! sections, numbers, times and statuses as plain text, references as a class, its package and
//! the referenced id.

/// Confluence's packages of the classes an export holds.
pub(crate) mod package {
    pub const PAGES: &str = "com.atlassian.confluence.pages";
    pub const SPACES: &str = "com.atlassian.confluence.spaces";
    pub const CORE: &str = "com.atlassian.confluence.core";
    pub const CONTENT: &str = "com.atlassian.confluence.content";
    pub const LABELS: &str = "com.atlassian.confluence.labels";
    pub const SECURITY: &str = "com.atlassian.confluence.security";
    pub const NOTIFICATION: &str = "com.atlassian.confluence.mail.notification";
    pub const USER: &str = "com.atlassian.confluence.user";
    pub const CROWD_USER: &str = "com.atlassian.crowd.model.user";
    pub const CROWD_GROUP: &str = "com.atlassian.crowd.model.group";
    pub const CROWD_MEMBERSHIP: &str = "com.atlassian.crowd.embedded.hibernate2";
    pub const SEARCH: &str = "com.atlassian.confluence.search.service";
    pub const LIKE: &str = "com.atlassian.confluence.like";
}

/// The start of entities.xml; `datetime` is when the export was made.
pub(crate) fn document_start(datetime: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hibernate-generic datetime=\"{}\">\n",
        escape(datetime)
    )
}

pub(crate) const DOCUMENT_END: &str = "</hibernate-generic>\n";

/// Whether XML 1.0 allows `character` in a document at all (no escape makes the others legal).
fn allowed_in_xml(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r')
        || (character >= ' ' && !matches!(character, '\u{FFFE}' | '\u{FFFF}'))
}

/// `text` escaped for element content or an attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars().filter(|character| allowed_in_xml(*character)) {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\r' => escaped.push_str("&#13;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// `text` in CDATA sections, as Confluence writes strings. A `]]>` inside the text ends one
/// section after `]]` and starts the next with `>`, so the text reads back exactly.
///
/// Text holding `]] >` is written escaped instead: readers of Confluence's older exports (Cairn's
/// among them) turn `]] >` inside CDATA back into `]]>`, which would change such text.
fn cdata(text: &str, out: &mut String) {
    if text.contains("]] >") || text.contains('\r') {
        out.push_str(&escape(text));
        return;
    }
    out.push_str("<![CDATA[");
    let clean: String = text
        .chars()
        .filter(|character| allowed_in_xml(*character))
        .collect();
    out.push_str(&clean.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// One `<object>` being written.
pub(crate) struct Object {
    xml: String,
}

impl Object {
    /// An object with a numeric id.
    pub fn new(class: &str, package: &str, id: i64) -> Object {
        Object {
            xml: format!(
                "<object class=\"{class}\" package=\"{package}\">\n<id name=\"id\">{id}</id>\n"
            ),
        }
    }

    /// A `ConfluenceUserImpl`, whose id is its user key.
    pub fn user(key: &str) -> Object {
        let mut xml = format!(
            "<object class=\"ConfluenceUserImpl\" package=\"{}\">\n<id name=\"key\">",
            package::USER
        );
        cdata(key, &mut xml);
        xml.push_str("</id>\n");
        Object { xml }
    }

    /// A string property, in CDATA.
    pub fn text(mut self, name: &str, value: &str) -> Object {
        self.xml.push_str(&format!("<property name=\"{name}\">"));
        cdata(value, &mut self.xml);
        self.xml.push_str("</property>\n");
        self
    }

    /// A number, time or status, as plain text.
    pub fn plain(mut self, name: &str, value: impl std::fmt::Display) -> Object {
        self.xml.push_str(&format!(
            "<property name=\"{name}\">{}</property>\n",
            escape(&value.to_string())
        ));
        self
    }

    /// A time (epoch milliseconds) as Confluence writes it.
    pub fn time(self, name: &str, ms: i64) -> Object {
        self.plain(name, crate::time::format_export_time(ms))
    }

    /// A property with no value.
    pub fn null(mut self, name: &str) -> Object {
        self.xml.push_str(&format!("<property name=\"{name}\"/>\n"));
        self
    }

    /// An enum value (`spaceStatus`, `type` of a notification).
    pub fn enumeration(mut self, name: &str, class: &str, package: &str, value: &str) -> Object {
        self.xml.push_str(&format!(
            "<property name=\"{name}\" enum-class=\"{class}\" package=\"{package}\">{}</property>\n",
            escape(value)
        ));
        self
    }

    /// A reference to the object of `class` with numeric `id`.
    pub fn reference(mut self, name: &str, class: &str, package: &str, id: i64) -> Object {
        self.xml.push_str(&format!(
            "<property name=\"{name}\" class=\"{class}\" package=\"{package}\"><id name=\"id\">{id}</id></property>\n"
        ));
        self
    }

    /// A reference to the user of `key`, or nothing when there is none.
    pub fn user_reference(mut self, name: &str, key: Option<&str>) -> Object {
        let Some(key) = key else {
            return self;
        };
        self.xml.push_str(&format!(
            "<property name=\"{name}\" class=\"ConfluenceUserImpl\" package=\"{}\"><id name=\"key\">",
            package::USER
        ));
        cdata(key, &mut self.xml);
        self.xml.push_str("</id></property>\n");
        self
    }

    /// A collection of references to objects of `class`.
    pub fn collection(mut self, name: &str, class: &str, package: &str, ids: &[i64]) -> Object {
        if ids.is_empty() {
            self.xml.push_str(&format!(
                "<collection name=\"{name}\" class=\"java.util.Collection\"/>\n"
            ));
            return self;
        }
        self.xml.push_str(&format!(
            "<collection name=\"{name}\" class=\"java.util.Collection\">"
        ));
        for id in ids {
            self.xml.push_str(&format!(
                "<element class=\"{class}\" package=\"{package}\"><id name=\"id\">{id}</id></element>"
            ));
        }
        self.xml.push_str("</collection>\n");
        self
    }

    /// The object's XML, closed.
    pub fn finish(mut self) -> String {
        self.xml.push_str("</object>\n");
        self.xml
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::ObjectReader;

    fn read_back(object: Object) -> crate::xml::RawObject {
        let document = format!(
            "{}{}{DOCUMENT_END}",
            document_start("2024-01-01 00:00:00"),
            object.finish()
        );
        let mut reader = ObjectReader::new(document.as_bytes());
        reader
            .next_object()
            .expect("well-formed")
            .expect("an object")
    }

    #[test]
    fn strings_read_back_exactly_whatever_they_hold() {
        for text in [
            "plain",
            "<p>a &amp; b</p>",
            "<ac:plain-text-body><![CDATA[x]]></ac:plain-text-body>",
            "]]>]]>",
            "ends with ]]",
            "written ]] > apart",
            "line\r\nbreaks\n",
            "",
            "ünïcödé ✓",
        ] {
            let object = read_back(Object::new("Page", package::PAGES, 7).text("title", text));
            assert_eq!(object.text("title"), Some(text), "{text:?}");
        }
    }

    #[test]
    fn characters_xml_forbids_are_left_out() {
        let object = read_back(Object::new("Page", package::PAGES, 7).text("title", "a\u{1}b"));
        assert_eq!(object.text("title"), Some("ab"));
    }

    #[test]
    fn references_and_collections_read_back() {
        let object = read_back(
            Object::new("Page", package::PAGES, 7)
                .reference("space", "Space", package::SPACES, 9)
                .user_reference("creator", Some("abc"))
                .collection("children", "Page", package::PAGES, &[8, 10])
                .null("position"),
        );
        assert_eq!(object.reference("space").map(|r| r.id.as_str()), Some("9"));
        assert_eq!(
            object.reference("creator").map(|r| r.class.as_str()),
            Some("ConfluenceUserImpl")
        );
        assert_eq!(object.references("children").len(), 2);
    }
}
