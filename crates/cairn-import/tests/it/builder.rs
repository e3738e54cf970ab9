//! Confluence exports made in code: entities.xml in Hibernate's generic shape, attachment files,
//! and the quirks of real exports on demand.

use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

/// An export under construction.
#[derive(Default)]
pub struct ExportBuilder {
    objects: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    /// Leave entities.xml out (not an export).
    pub without_entities: bool,
    /// Cut entities.xml after this many bytes.
    pub truncate_entities_at: Option<usize>,
}

/// A text property (CDATA, with `]]>` written `]] >` as Confluence does).
pub fn text(name: &str, value: &str) -> String {
    format!(
        "<property name=\"{name}\"><![CDATA[{}]]></property>\n",
        value.replace("]]>", "]] >")
    )
}

/// A property written without CDATA, as 8.x writes numbers and statuses.
pub fn plain(name: &str, value: &str) -> String {
    format!("<property name=\"{name}\">{value}</property>\n")
}

pub fn null(name: &str) -> String {
    format!("<property name=\"{name}\"/>")
}

pub fn reference(name: &str, class: &str, id: &str) -> String {
    format!(
        "<property name=\"{name}\" class=\"{class}\" package=\"com.atlassian.confluence.pages\"><id name=\"id\">{id}</id>\n</property>\n"
    )
}

pub fn user_reference(name: &str, key: &str) -> String {
    format!(
        "<property name=\"{name}\" class=\"ConfluenceUserImpl\" package=\"com.atlassian.confluence.user\"><id name=\"key\"><![CDATA[{key}]]></id>\n</property>\n"
    )
}

pub fn collection(name: &str, class: &str, ids: &[&str]) -> String {
    let mut xml = format!("<collection name=\"{name}\" class=\"java.util.Collection\">");
    for id in ids {
        xml.push_str(&format!(
            "<element class=\"{class}\" package=\"com.atlassian.confluence.pages\"><id name=\"id\">{id}</id>\n</element>\n"
        ));
    }
    xml.push_str("</collection>\n");
    xml
}

impl ExportBuilder {
    pub fn new() -> ExportBuilder {
        ExportBuilder::default()
    }

    /// An object of `class` with `id` and the given properties (concatenated).
    pub fn object(&mut self, class: &str, id: &str, properties: &[String]) -> &mut Self {
        let id_xml = if class == "ConfluenceUserImpl" {
            format!("<id name=\"key\"><![CDATA[{id}]]></id>")
        } else {
            format!("<id name=\"id\">{id}</id>")
        };
        self.objects.push(format!(
            "<object class=\"{class}\" package=\"com.atlassian.confluence\">\n{id_xml}\n{}</object>\n",
            properties.concat()
        ));
        self
    }

    pub fn file(&mut self, name: &str, bytes: &[u8]) -> &mut Self {
        self.files.push((name.to_string(), bytes.to_vec()));
        self
    }

    pub fn entities_xml(&self) -> Vec<u8> {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hibernate-generic datetime=\"2024-01-01 00:00:00\">\n",
        );
        for object in &self.objects {
            xml.push_str(object);
        }
        xml.push_str("</hibernate-generic>\n");
        let mut bytes = xml.into_bytes();
        if let Some(cut) = self.truncate_entities_at {
            bytes.truncate(cut);
        }
        bytes
    }

    /// Writes the zip into `directory` and returns its path.
    pub fn write(&self, directory: &Path, name: &str) -> PathBuf {
        let path = directory.join(name);
        let file = std::fs::File::create(&path).expect("create the zip");
        let mut zip = zip::ZipWriter::new(file);
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("exportDescriptor.properties", options)
            .expect("descriptor");
        zip.write_all(b"exportType=space\nspaceKey=dev\n")
            .expect("descriptor");
        if !self.without_entities {
            zip.start_file("entities.xml", options).expect("entities");
            zip.write_all(&self.entities_xml()).expect("entities");
        }
        for (name, bytes) in &self.files {
            zip.start_file(name.as_str(), options).expect("file");
            zip.write_all(bytes).expect("file");
        }
        zip.finish().expect("finish the zip");
        path
    }
}

/// A small modern (Confluence 7-9 shaped) space export exercising the quirks the importer must
/// survive: space key in lower case, relations written on one side only, old versions by number,
/// a draft, trash beside live content with the same title, control characters inside CDATA, a
/// `]]>` inside a body, attachment versions with a missing and a stray file.
pub fn modern_space() -> ExportBuilder {
    let mut export = ExportBuilder::new();
    export
        .object(
            "ConfluenceUserImpl",
            "key-alice",
            &[text("name", "alice"), text("lowerName", "alice")],
        )
        .object(
            "ConfluenceUserImpl",
            "key-bob",
            &[text("name", "Bob"), text("lowerName", "bob")],
        )
        .object(
            "Space",
            "100",
            &[
                text("name", "Development"),
                text("key", "dev"),
                reference("description", "SpaceDescription", "101"),
                reference("homePage", "Page", "1000"),
                user_reference("creator", "key-alice"),
                plain("creationDate", "2024-01-01 10:00:00.000"),
            ],
        )
        .object(
            "SpaceDescription",
            "101",
            &[
                collection("bodyContents", "BodyContent", &["5101"]),
                reference("space", "Space", "100"),
            ],
        )
        .object(
            "BodyContent",
            "5101",
            &[
                text("body", "The developers' space"),
                plain("bodyType", "2"),
            ],
        );
    // Home page: lists one child only in `children` (the child does not name its parent).
    export.object(
        "Page",
        "1000",
        &[
            text("title", "Dev Home"),
            reference("space", "Space", "100"),
            plain("version", "1"),
            user_reference("creator", "key-alice"),
            plain("creationDate", "2024-01-01 10:00:00.000"),
            plain("lastModificationDate", "2024-01-01 10:00:00.000"),
            text("contentStatus", "current"),
            collection("bodyContents", "BodyContent", &["5000"]),
            collection("children", "Page", &["1002"]),
        ],
    );
    export.object(
        "BodyContent",
        "5000",
        &[text("body", "<p>Welcome</p>"), plain("bodyType", "2")],
    );
    // A page at version 3 with two old versions pointing at it by number; its body is linked from
    // the BodyContent only. A raw control character sits inside the title's CDATA.
    export.object(
        "Page",
        "1001",
        &[
            text("title", "Design\u{1}"),
            reference("space", "Space", "100"),
            reference("parent", "Page", "1000"),
            plain("position", "1"),
            plain("version", "3"),
            user_reference("creator", "key-alice"),
            user_reference("lastModifier", "key-bob"),
            plain("creationDate", "2024-01-02 10:00:00.000"),
            plain("lastModificationDate", "2024-01-04 10:00:00.000"),
            text("versionComment", "third"),
            text("contentStatus", "current"),
            collection("labellings", "Labelling", &["7001"]),
        ],
    );
    export.object(
        "BodyContent",
        "5001",
        &[
            text(
                "body",
                "<p>v3</p><ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a]]>b]]></ac:plain-text-body></ac:structured-macro>",
            ),
            plain("bodyType", "2"),
            reference("content", "Page", "1001"),
        ],
    );
    for (id, number, body_id, body) in [
        ("1101", "1", "5011", "<p>v1</p>"),
        ("1102", "2", "5012", "<p>v2\u{2}</p>"),
    ] {
        export
            .object(
                "Page",
                id,
                &[
                    text(
                        "title",
                        if number == "1" {
                            "Draft design"
                        } else {
                            "Design"
                        },
                    ),
                    reference("space", "Space", "100"),
                    plain("version", number),
                    user_reference("creator", "key-alice"),
                    user_reference("lastModifier", "key-alice"),
                    plain("creationDate", "2024-01-02 10:00:00.000"),
                    plain(
                        "lastModificationDate",
                        &format!(
                            "2024-01-0{} 10:00:00.000",
                            1 + number.parse::<i32>().expect("n")
                        ),
                    ),
                    plain("originalVersionId", "1001"),
                    text("contentStatus", "current"),
                    collection("bodyContents", "BodyContent", &[body_id]),
                ],
            )
            .object(
                "BodyContent",
                body_id,
                &[text("body", body), plain("bodyType", "2")],
            );
    }
    // An unpublished edit of 1001: a draft, not a version.
    export.object(
        "Page",
        "1199",
        &[
            text("title", "Design"),
            reference("space", "Space", "100"),
            plain("version", "4"),
            plain("originalVersionId", "1001"),
            text("contentStatus", "draft"),
        ],
    );
    // The child listed only by its parent, and a trashed page with the same title as a live one.
    export.object(
        "Page",
        "1002",
        &[
            text("title", "Notes"),
            reference("space", "Space", "100"),
            plain("position", "0"),
            plain("version", "1"),
            text("creatorName", "carol"),
            plain("creationDate", "2024-01-05 10:00:00.000"),
            text("contentStatus", "current"),
        ],
    );
    export.object(
        "Page",
        "1003",
        &[
            text("title", "Notes"),
            reference("space", "Space", "100"),
            plain("version", "2"),
            user_reference("creator", "key-bob"),
            plain("creationDate", "2024-01-06 10:00:00.000"),
            text("contentStatus", "deleted"),
        ],
    );
    export.object(
        "BlogPost",
        "1500",
        &[
            text("title", "Launch"),
            reference("space", "Space", "100"),
            plain("version", "1"),
            user_reference("creator", "key-bob"),
            plain("creationDate", "2024-02-01 09:00:00.000"),
            text("contentStatus", "current"),
            collection("bodyContents", "BodyContent", &["5500"]),
        ],
    );
    export.object(
        "BodyContent",
        "5500",
        &[text("body", "<p>We launched</p>"), plain("bodyType", "2")],
    );
    // Comments: a footer comment with a reply (named by the parent only), an inline resolved one,
    // and a comment on an attachment.
    export
        .object(
            "Comment",
            "2000",
            &[
                reference("containerContent", "Page", "1001"),
                plain("version", "1"),
                user_reference("creator", "key-bob"),
                plain("creationDate", "2024-01-07 10:00:00.000"),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["6000"]),
                collection("children", "Comment", &["2001"]),
            ],
        )
        .object(
            "BodyContent",
            "6000",
            &[text("body", "<p>Looks good</p>"), plain("bodyType", "2")],
        )
        .object(
            "Comment",
            "2001",
            &[
                reference("containerContent", "Page", "1001"),
                plain("version", "1"),
                user_reference("creator", "key-alice"),
                plain("creationDate", "2024-01-08 10:00:00.000"),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["6001"]),
            ],
        )
        .object(
            "BodyContent",
            "6001",
            &[text("body", "<p>Thanks</p>"), plain("bodyType", "2")],
        )
        .object(
            "Comment",
            "2002",
            &[
                reference("containerContent", "Page", "1001"),
                plain("version", "1"),
                user_reference("creator", "key-alice"),
                plain("creationDate", "2024-01-09 10:00:00.000"),
                text("contentStatus", "current"),
                collection("contentProperties", "ContentProperty", &["8001", "8002"]),
            ],
        )
        .object(
            "ContentProperty",
            "8001",
            &[text("name", "inline-comment"), text("stringValue", "true")],
        )
        .object(
            "ContentProperty",
            "8002",
            &[text("name", "status"), text("stringValue", "resolved")],
        )
        .object(
            "Comment",
            "2003",
            &[
                reference("containerContent", "Attachment", "3000"),
                plain("version", "1"),
                text("contentStatus", "current"),
            ],
        );
    // Labels: one named from the page's `labellings`, one from the Labelling's `content`.
    export
        .object(
            "Label",
            "7100",
            &[text("name", "Architecture"), text("namespace", "global")],
        )
        .object(
            "Label",
            "7101",
            &[text("name", "launch"), text("namespace", "global")],
        )
        .object("Labelling", "7001", &[reference("label", "Label", "7100")])
        .object(
            "Labelling",
            "7002",
            &[
                reference("label", "Label", "7101"),
                reference("content", "BlogPost", "1500"),
            ],
        );
    // An attachment at version 3: version 1 as an old object, version 2 missing from entities.xml,
    // version 3 current; file 1 missing from the zip, file 3 one byte longer than declared.
    export
        .object(
            "Attachment",
            "3000",
            &[
                text("title", "diagram.png"),
                reference("containerContent", "Page", "1001"),
                plain("version", "3"),
                user_reference("creator", "key-alice"),
                user_reference("lastModifier", "key-bob"),
                plain("creationDate", "2024-01-02 11:00:00.000"),
                plain("lastModificationDate", "2024-01-03 11:00:00.000"),
                text("versionComment", "bigger"),
                text("contentStatus", "current"),
                collection("contentProperties", "ContentProperty", &["8100", "8101"]),
            ],
        )
        .object(
            "ContentProperty",
            "8100",
            &[
                text("name", "FILESIZE"),
                null("stringValue"),
                plain("longValue", "5"),
            ],
        )
        .object(
            "ContentProperty",
            "8101",
            &[text("name", "MEDIA_TYPE"), text("stringValue", "image/png")],
        )
        .object(
            "Attachment",
            "3001",
            &[
                text("title", "diagram.png"),
                reference("containerContent", "Page", "1001"),
                plain("version", "1"),
                plain("originalVersionId", "3000"),
                text("contentStatus", "current"),
                plain("creationDate", "2024-01-02 11:00:00.000"),
            ],
        )
        .file("attachments/1001/3000/3", b"PNG-3!")
        .file("attachments/1001/3000/2", b"PNG-2")
        .file("attachments/1001/9999/1", b"stray");
    export
}

/// The modern space with what users add around content: likes (of a page, of a comment, and one
/// Cloud marks withdrawn), the space's labels on its description object (a category, a global
/// label and a favourite), and a reply to the comment on the attachment.
pub fn annotated_space() -> ExportBuilder {
    let mut export = modern_space();
    annotate(&mut export);
    export
}

/// Adds [`annotated_space`]'s likes, space labels and reply to `export` (a [`modern_space`]).
pub fn annotate(export: &mut ExportBuilder) {
    export
        .object(
            "LikeEntity",
            "820",
            &[
                reference("content", "Page", "1001"),
                user_reference("user", "key-bob"),
                plain("creationDate", "2024-03-01 10:00:00.000"),
            ],
        )
        .object(
            "LikeEntity",
            "821",
            &[
                reference("content", "Comment", "2000"),
                user_reference("user", "key-alice"),
                plain("creationDate", "2024-03-02 10:00:00.000"),
                plain("liked", "true"),
            ],
        )
        .object(
            "LikeEntity",
            "822",
            &[
                reference("content", "BlogPost", "1500"),
                user_reference("user", "key-alice"),
                plain("creationDate", "2024-03-03 10:00:00.000"),
                plain("liked", "false"),
            ],
        )
        .object(
            "Label",
            "7200",
            &[text("name", "Engineering"), text("namespace", "team")],
        )
        .object(
            "Label",
            "7201",
            &[text("name", "handbook"), text("namespace", "global")],
        )
        .object(
            "Label",
            "7202",
            &[text("name", "favourite"), text("namespace", "my")],
        );
    for (labelling, label) in [("7300", "7200"), ("7301", "7201"), ("7302", "7202")] {
        export.object(
            "Labelling",
            labelling,
            &[
                reference("label", "Label", label),
                reference("content", "SpaceDescription", "101"),
                plain("creationDate", "2024-03-04 10:00:00.000"),
            ],
        );
    }
    export
        .object(
            "Comment",
            "2004",
            &[
                reference("containerContent", "Attachment", "3000"),
                reference("parent", "Comment", "2003"),
                plain("version", "1"),
                user_reference("creator", "key-bob"),
                plain("creationDate", "2024-03-05 10:00:00.000"),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["6004"]),
            ],
        )
        .object(
            "BodyContent",
            "6004",
            &[
                text("body", "<p>Which version?</p>"),
                plain("bodyType", "2"),
            ],
        );
}
