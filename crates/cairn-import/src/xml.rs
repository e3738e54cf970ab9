//! The streaming parser of entities.xml: Hibernate's generic export shape, one object at a time.
//!
//! ```text
//! <hibernate-generic>
//!   <object class="Page" package="com.atlassian.confluence.pages">
//!     <id name="id">65538</id>
//!     <property name="title"><![CDATA[Home]]></property>
//!     <property name="space" class="Space" package="…"><id name="id">98305</id></property>
//!     <property name="position"/>
//!     <collection name="children" class="java.util.Collection">
//!       <element class="Page" package="…"><id name="id">65539</id></element>
//!     </collection>
//!   </object>
//! </hibernate-generic>
//! ```
//!
//! Every object becomes a [`RawObject`]: its class, id, and properties by name (text, null, a
//! reference to another object, or a collection of references). Nothing is joined here.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::{Deserialize, Serialize};

use crate::error::{ImportError, ImportResult};

/// The longest text one property may have (a page body, say): beyond it the export is refused
/// rather than the importer's memory exhausted.
pub const MAX_PROPERTY_BYTES: usize = 64 * 1024 * 1024;
/// The longest id or class name accepted.
const MAX_NAME_BYTES: usize = 1024;
/// The most references one collection may list.
const MAX_COLLECTION_ELEMENTS: usize = 1_000_000;

/// A reference to another object of the export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub class: String,
    pub id: String,
}

/// A property's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    /// `<property name="x"/>`
    Null,
    Text(String),
    Ref(ObjectRef),
    /// A `<collection>`: its elements that are references, in document order.
    Refs(Vec<ObjectRef>),
}

/// The properties of an object by name, in the order the export wrote them.
///
/// A list, not a map: an object has a dozen or two properties, found by a short scan, and the
/// model holds every object of an export at once while it joins them, where a map's nodes would
/// cost several times the properties themselves. For the same reason a name the model knows is
/// kept as a static string rather than a copy per object ([`Properties::keep_only`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Properties(Vec<(Cow<'static, str>, Value)>);

impl Properties {
    pub fn new() -> Properties {
        Properties(Vec::new())
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(property, _)| property == name)
            .map(|(_, value)| value)
    }

    /// Sets `name` to `value`; a property written twice keeps its last value.
    pub fn insert(&mut self, name: String, value: Value) {
        match self.0.iter_mut().find(|(property, _)| *property == name) {
            Some((_, existing)) => *existing = value,
            None => self.0.push((Cow::Owned(name), value)),
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps only the properties `known` gives a static name for, under that name, and gives
    /// back unused capacity.
    pub fn keep_only(&mut self, known: impl Fn(&str) -> Option<&'static str>) {
        let properties = std::mem::take(&mut self.0);
        self.0 = properties
            .into_iter()
            .filter_map(|(name, value)| known(&name).map(|name| (Cow::Borrowed(name), value)))
            .collect();
        self.0.shrink_to_fit();
    }
}

/// One `<object>` of entities.xml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawObject {
    pub class: String,
    pub id: String,
    pub properties: Properties,
}

impl RawObject {
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.properties.get(name) {
            Some(Value::Text(text)) => Some(text.as_str()),
            _ => None,
        }
    }

    /// A text property that is not blank, trimmed.
    pub fn text_trimmed(&self, name: &str) -> Option<&str> {
        self.text(name)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    }

    pub fn reference(&self, name: &str) -> Option<&ObjectRef> {
        match self.properties.get(name) {
            Some(Value::Ref(reference)) => Some(reference),
            _ => None,
        }
    }

    pub fn references(&self, name: &str) -> &[ObjectRef] {
        match self.properties.get(name) {
            Some(Value::Refs(references)) => references,
            _ => &[],
        }
    }

    pub fn number(&self, name: &str) -> Option<i64> {
        self.text_trimmed(name)?.parse().ok()
    }
}

/// Where the text of an `<id>` goes when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdTarget {
    Object,
    Property,
    Element,
}

#[derive(Default)]
struct PropertyBuilder {
    name: String,
    class: Option<String>,
    id: Option<String>,
    text: String,
    saw_cdata: bool,
    cdata: String,
}

struct CollectionBuilder {
    name: String,
    elements: Vec<ObjectRef>,
    /// The element being read: its class, and its id once read.
    element: Option<(String, Option<String>)>,
}

/// Reads objects one at a time from entities.xml.
pub struct ObjectReader<R: BufRead> {
    reader: Reader<R>,
    buffer: Vec<u8>,
}

impl<R: BufRead> ObjectReader<R> {
    pub fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        ObjectReader {
            reader,
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    fn malformed(&self, message: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            position: self.reader.buffer_position(),
            message: message.into(),
        }
    }

    /// The next object, or `None` at the end of the document.
    pub fn next_object(&mut self) -> ImportResult<Option<RawObject>> {
        let mut object: Option<RawObject> = None;
        let mut property: Option<PropertyBuilder> = None;
        let mut collection: Option<CollectionBuilder> = None;
        let mut id_target: Option<IdTarget> = None;
        let mut id_text = String::new();
        loop {
            self.buffer.clear();
            let event = match self.reader.read_event_into(&mut self.buffer) {
                Ok(event) => event.into_owned(),
                Err(error) => return Err(self.malformed(error.to_string())),
            };
            match event {
                Event::Start(start)
                    if object.is_none() && start.local_name().as_ref() == b"object" =>
                {
                    object = Some(RawObject {
                        class: attribute(&start, b"class")
                            .ok_or_else(|| self.malformed("an object without a class"))?,
                        id: String::new(),
                        properties: Properties::new(),
                    });
                }
                Event::Start(start) => {
                    if object.is_none() {
                        continue;
                    }
                    match start.local_name().as_ref() {
                        b"id" => {
                            id_text.clear();
                            id_target = Some(
                                if collection
                                    .as_ref()
                                    .is_some_and(|collection| collection.element.is_some())
                                {
                                    IdTarget::Element
                                } else if property.is_some() {
                                    IdTarget::Property
                                } else {
                                    IdTarget::Object
                                },
                            );
                        }
                        b"property" if collection.is_none() => {
                            property = Some(PropertyBuilder {
                                name: attribute(&start, b"name").unwrap_or_default(),
                                class: attribute(&start, b"class"),
                                ..PropertyBuilder::default()
                            });
                        }
                        b"collection" => {
                            collection = Some(CollectionBuilder {
                                name: attribute(&start, b"name").unwrap_or_default(),
                                elements: Vec::new(),
                                element: None,
                            });
                        }
                        b"element" => {
                            if let Some(collection) = collection.as_mut() {
                                collection.element =
                                    Some((attribute(&start, b"class").unwrap_or_default(), None));
                            }
                        }
                        _ => {}
                    }
                }
                Event::Empty(start) => {
                    let Some(current) = object.as_mut() else {
                        continue;
                    };
                    match start.local_name().as_ref() {
                        b"property" if property.is_none() && collection.is_none() => {
                            let name = attribute(&start, b"name").unwrap_or_default();
                            current.properties.insert(name, Value::Null);
                        }
                        b"collection" if collection.is_none() => {
                            let name = attribute(&start, b"name").unwrap_or_default();
                            current.properties.insert(name, Value::Refs(Vec::new()));
                        }
                        _ => {}
                    }
                }
                Event::Text(text) => {
                    let decoded = text
                        .decode()
                        .map_err(|error| self.malformed(error.to_string()))?;
                    self.append_text(
                        &decoded,
                        id_target.is_some(),
                        &mut id_text,
                        property.as_mut(),
                        false,
                    )?;
                }
                Event::CData(cdata) => {
                    let decoded = cdata
                        .decode()
                        .map_err(|error| self.malformed(error.to_string()))?;
                    self.append_text(
                        &decoded,
                        id_target.is_some(),
                        &mut id_text,
                        property.as_mut(),
                        true,
                    )?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference)
                        .ok_or_else(|| self.malformed("an unknown entity reference"))?;
                    self.append_text(
                        &resolved,
                        id_target.is_some(),
                        &mut id_text,
                        property.as_mut(),
                        false,
                    )?;
                }
                Event::End(end) => {
                    let Some(current) = object.as_mut() else {
                        continue;
                    };
                    match end.local_name().as_ref() {
                        b"id" => {
                            let id = id_text.trim().to_string();
                            if id.len() > MAX_NAME_BYTES {
                                return Err(self.malformed("an id longer than 1024 bytes"));
                            }
                            match id_target.take() {
                                Some(IdTarget::Element) => {
                                    if let Some((_, element_id)) = collection
                                        .as_mut()
                                        .and_then(|collection| collection.element.as_mut())
                                    {
                                        *element_id = Some(id);
                                    }
                                }
                                Some(IdTarget::Property) => {
                                    if let Some(property) = property.as_mut() {
                                        property.id = Some(id);
                                    }
                                }
                                Some(IdTarget::Object) | None => current.id = id,
                            }
                        }
                        b"property" if collection.is_none() => {
                            if let Some(finished) = property.take() {
                                let value = match (finished.class, finished.id) {
                                    (Some(class), Some(id)) => Value::Ref(ObjectRef { class, id }),
                                    (Some(_), None) => Value::Null,
                                    (None, _) if finished.saw_cdata => {
                                        Value::Text(restore_cdata_ends(&finished.cdata))
                                    }
                                    (None, _) => Value::Text(finished.text),
                                };
                                current.properties.insert(finished.name, value);
                            }
                        }
                        b"element" => {
                            if let Some(collection) = collection.as_mut()
                                && let Some((class, Some(id))) = collection.element.take()
                            {
                                if collection.elements.len() >= MAX_COLLECTION_ELEMENTS {
                                    return Err(ImportError::TooLarge(format!(
                                        "collection {} of object {} has more than {MAX_COLLECTION_ELEMENTS} elements",
                                        collection.name, current.id
                                    )));
                                }
                                collection.elements.push(ObjectRef { class, id });
                            }
                        }
                        b"collection" => {
                            if let Some(finished) = collection.take() {
                                current
                                    .properties
                                    .insert(finished.name, Value::Refs(finished.elements));
                            }
                        }
                        b"object" => {
                            return Ok(object.take());
                        }
                        _ => {}
                    }
                }
                Event::Eof => {
                    if object.is_some() {
                        return Err(
                            self.malformed("entities.xml ends inside an object (truncated?)")
                        );
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    fn append_text(
        &self,
        text: &str,
        in_id: bool,
        id_text: &mut String,
        property: Option<&mut PropertyBuilder>,
        is_cdata: bool,
    ) -> ImportResult<()> {
        if in_id {
            if id_text.len() + text.len() > MAX_NAME_BYTES {
                return Err(self.malformed("an id longer than 1024 bytes"));
            }
            id_text.push_str(text);
            return Ok(());
        }
        let Some(property) = property else {
            return Ok(());
        };
        if property.text.len() + property.cdata.len() + text.len() > MAX_PROPERTY_BYTES {
            return Err(ImportError::TooLarge(format!(
                "property {} is longer than {MAX_PROPERTY_BYTES} bytes",
                property.name
            )));
        }
        if is_cdata {
            property.saw_cdata = true;
            property.cdata.push_str(text);
        } else {
            property.text.push_str(text);
        }
        Ok(())
    }
}

fn attribute(start: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.as_ref() == name)
        .and_then(|attribute| {
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|value| value.into_owned())
        })
        .filter(|value| value.len() <= MAX_NAME_BYTES)
}

/// `&lt;` and friends, and character references; a control character XML forbids is dropped.
fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    let name = reference.decode().ok()?;
    if let Some(number) = name.strip_prefix('#') {
        let code = match number
            .strip_prefix('x')
            .or_else(|| number.strip_prefix('X'))
        {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        let character = char::from_u32(code)?;
        if (character as u32) < 0x20 && !matches!(character, '\t' | '\n' | '\r') {
            return Some(String::new());
        }
        return Some(character.to_string());
    }
    let character = match name.as_ref() {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    };
    Some(character.to_string())
}

/// Confluence writes a `]]>` inside a CDATA section (storage format has CDATA sections of its
/// own, in code macros) as `]] >`; this puts it back.
fn restore_cdata_ends(text: &str) -> String {
    text.replace("]] >", "]]>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(xml: &str) -> Vec<RawObject> {
        let mut reader = ObjectReader::new(xml.as_bytes());
        let mut found = Vec::new();
        while let Some(object) = reader.next_object().expect("well-formed") {
            found.push(object);
        }
        found
    }

    #[test]
    fn reads_properties_references_and_collections() {
        let found = objects(
            r#"<?xml version="1.0"?><hibernate-generic datetime="x">
<object class="Page" package="p"><id name="id">7</id>
<property name="title"><![CDATA[A & <b>]]></property>
<property name="position"/>
<property name="version">3</property>
<property name="space" class="Space" package="s"><id name="id">9</id>
</property>
<collection name="children" class="java.util.Collection"><element class="Page" package="p"><id name="id">8</id>
</element><element class="Page" package="p"><id name="id">10</id></element>
</collection>
<collection name="labellings" class="java.util.Collection"/>
<property name="creator" class="ConfluenceUserImpl" package="u"><id name="key"><![CDATA[abc]]></id></property>
<property name="comment">x &amp; y &#x41;</property>
</object>
<object class="ConfluenceUserImpl" package="u"><id name="key"><![CDATA[abc]]></id></object>
</hibernate-generic>"#,
        );
        assert_eq!(found.len(), 2);
        let page = &found[0];
        assert_eq!((page.class.as_str(), page.id.as_str()), ("Page", "7"));
        assert_eq!(page.text("title"), Some("A & <b>"));
        assert_eq!(page.properties.get("position"), Some(&Value::Null));
        assert_eq!(page.number("version"), Some(3));
        assert_eq!(page.reference("space").map(|r| r.id.as_str()), Some("9"));
        let children: Vec<&str> = page
            .references("children")
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(children, ["8", "10"]);
        assert_eq!(
            page.properties.get("labellings"),
            Some(&Value::Refs(vec![]))
        );
        assert_eq!(
            page.reference("creator").map(|r| r.id.as_str()),
            Some("abc")
        );
        assert_eq!(page.text("comment"), Some("x & y A"));
        assert_eq!(found[1].id, "abc");
    }

    #[test]
    fn cdata_ends_written_apart_are_restored() {
        let found = objects(
            r#"<hibernate-generic><object class="BodyContent" package="c"><id name="id">1</id><property name="body"><![CDATA[<ac:plain-text-body><![CDATA[x]] ></ac:plain-text-body>]]></property></object></hibernate-generic>"#,
        );
        assert_eq!(
            found[0].text("body"),
            Some("<ac:plain-text-body><![CDATA[x]]></ac:plain-text-body>")
        );
    }

    #[test]
    fn a_truncated_document_is_an_error_not_a_panic() {
        let mut reader = ObjectReader::new(
            &br#"<hibernate-generic><object class="Page" package="p"><id name="id">1</id><property name="title"><![CDATA[x"#[..],
        );
        assert!(matches!(
            reader.next_object(),
            Err(ImportError::Malformed { .. })
        ));
    }
}
