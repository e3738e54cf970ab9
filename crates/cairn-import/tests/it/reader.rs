//! Reading exports built in code: the model joins what each Confluence version writes.

use cairn_import::{BodyType, ContentKind, Export, ExportStatus, ImportError, parse_export_time};

use crate::builder::{ExportBuilder, modern_space, plain, reference, text};

async fn read(builder: &ExportBuilder) -> Export {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = builder.write(directory.path(), "export.zip");
    Export::read(&path).await.expect("the export reads")
}

#[tokio::test]
async fn a_modern_space_export_is_joined_both_ways() {
    let mut export = read(&modern_space()).await;
    let model = export.model.clone();
    assert_eq!(export.control_characters_dropped, 2);
    assert_eq!(
        export.descriptor.get("spaceKey").map(String::as_str),
        Some("dev")
    );

    let space = &model.spaces[0];
    assert_eq!(
        (space.key.as_str(), space.name.as_str()),
        ("dev", "Development")
    );
    assert_eq!(space.home_page_id, Some(1000));
    assert_eq!(space.creator.as_deref(), Some("alice"));
    let description = space.description.clone().expect("a description body");
    assert_eq!(
        export.body_text(&description).await.expect("body"),
        "The developers' space"
    );

    let page = |id: i64| {
        model
            .contents
            .iter()
            .find(|content| content.id == id)
            .unwrap_or_else(|| panic!("content {id}"))
    };
    // Old versions by number, the draft left out, bodies linked from either side.
    let design = page(1001);
    let numbers: Vec<i32> = design
        .versions
        .iter()
        .map(|version| version.number)
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(
        design.current().title,
        "Design",
        "the control character is dropped"
    );
    assert_eq!(design.versions[0].title, "Draft design");
    assert_eq!(design.current().author.as_deref(), Some("Bob"));
    assert_eq!(design.current().message, "third");
    assert_eq!(
        design.current().created_ms,
        parse_export_time("2024-01-04 10:00:00").expect("time")
    );
    assert_eq!(design.parent_id, Some(1000));
    let current_body = design
        .current()
        .body
        .clone()
        .expect("body named by BodyContent");
    assert_eq!(current_body.body_type, BodyType::Storage);
    assert_eq!(
        export.body_text(&current_body).await.expect("body"),
        "<p>v3</p><ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a]]>b]]></ac:plain-text-body></ac:structured-macro>"
    );
    let second = design.versions[1]
        .body
        .clone()
        .expect("body listed by the old version");
    assert_eq!(export.body_text(&second).await.expect("body"), "<p>v2</p>");
    assert!(
        model
            .skipped
            .iter()
            .any(|skipped| skipped.id == "1199"
                && skipped.reason.contains("drafts are not versions")),
        "{:?}",
        model.skipped
    );

    // The parent named only by its children list; trash beside live content of the same title.
    assert_eq!(page(1002).parent_id, Some(1000));
    assert_eq!(page(1002).creator.as_deref(), Some("carol"));
    assert_eq!(page(1002).status, ExportStatus::Current);
    assert_eq!(page(1003).status, ExportStatus::Trashed);
    assert_eq!(page(1003).current().title, page(1002).current().title);
    assert_eq!(page(1500).kind, ContentKind::BlogPost);
    assert_eq!(page(1500).parent_id, None);

    // Comments: the reply's parent from the parent's children; inline and resolved from
    // properties; the comment on an attachment kept, on the attachment.
    let comment = |id: i64| {
        model
            .comments
            .iter()
            .find(|comment| comment.id == id)
            .unwrap_or_else(|| panic!("comment {id}"))
    };
    assert_eq!(comment(2000).container_id, 1001);
    assert_eq!(comment(2001).parent_id, Some(2000));
    assert!(!comment(2000).inline);
    assert!(comment(2002).inline && comment(2002).resolved);
    assert_eq!(comment(2003).container_id, 3000);

    // Labels, from either side, lower-cased.
    let mut labels: Vec<(i64, &str)> = model
        .labellings
        .iter()
        .map(|labelling| (labelling.content_id, labelling.name.as_str()))
        .collect();
    labels.sort();
    assert_eq!(labels, [(1001, "architecture"), (1500, "launch")]);

    // The attachment: versions 1 and 3 from entities.xml, their files where the zip has them.
    let attachment = &model.attachments[0];
    assert_eq!((attachment.id, attachment.container_id), (3000, 1001));
    assert_eq!(attachment.title, "diagram.png");
    let versions: Vec<(i32, Option<&str>)> = attachment
        .versions
        .iter()
        .map(|version| (version.number, version.file.as_deref()))
        .collect();
    assert_eq!(versions, [(1, None), (3, Some("attachments/1001/3000/3"))]);
    assert_eq!(attachment.current().media_type, "image/png");
    assert_eq!(attachment.current().declared_size, Some(5));
    assert_eq!(attachment.current().author.as_deref(), Some("Bob"));

    let usernames: Vec<&str> = model
        .users
        .iter()
        .map(|user| user.username.as_str())
        .collect();
    assert_eq!(usernames, ["alice", "Bob"]);
}

/// Confluence 3.x and 4.x wrote other property names: `fileName`, `fileSize`, `content`,
/// `attachmentVersion`, old versions by an `originalVersion` reference, comments on an `owner`,
/// authors by name, wiki markup bodies without a `bodyType`.
#[tokio::test]
async fn an_old_export_reads_into_the_same_model() {
    let mut builder = ExportBuilder::new();
    builder
        .object(
            "Space",
            "10",
            &[
                text("key", "OLD"),
                text("name", "Old"),
                reference("homePage", "Page", "20"),
            ],
        )
        .object(
            "Page",
            "20",
            &[
                text("title", "Home"),
                reference("space", "Space", "10"),
                null_position(),
                plain("version", "2"),
                text("creatorName", "admin"),
                text("lastModifierName", "editor"),
                plain("creationDate", "2010-05-01 08:00:00.000"),
                plain("lastModificationDate", "2010-05-02 08:00:00.000"),
                text("contentStatus", "current"),
                crate::builder::collection("bodyContents", "BodyContent", &["40"]),
            ],
        )
        .object(
            "BodyContent",
            "40",
            &[
                text("body", "h1. Hello"),
                reference("content", "Page", "20"),
            ],
        )
        .object(
            "Page",
            "21",
            &[
                text("title", "Home"),
                reference("space", "Space", "10"),
                plain("version", "1"),
                text("creatorName", "admin"),
                plain("creationDate", "2010-05-01 08:00:00.000"),
                reference("originalVersion", "Page", "20"),
                text("contentStatus", "current"),
            ],
        )
        .object(
            "Comment",
            "30",
            &[
                reference("owner", "Page", "20"),
                plain("version", "1"),
                text("creatorName", "admin"),
            ],
        )
        .object(
            "Attachment",
            "50",
            &[
                text("fileName", "notes.txt"),
                text("contentType", "text/plain"),
                reference("content", "Page", "20"),
                plain("fileSize", "100"),
                plain("attachmentVersion", "2"),
                text("comment", "second"),
                text("creatorName", "admin"),
            ],
        )
        .object(
            "Attachment",
            "51",
            &[
                text("fileName", "notes.txt"),
                reference("content", "Page", "20"),
                plain("fileSize", "3"),
                plain("attachmentVersion", "1"),
                reference("originalVersion", "Attachment", "50"),
            ],
        )
        .file("attachments/20/50/1", b"one")
        .file("attachments/20/50/2", b"two, shorter than declared");
    let mut export = read(&builder).await;
    let model = export.model.clone();
    let home = &model.contents[0];
    assert_eq!(home.versions.len(), 2);
    assert_eq!(home.current().author.as_deref(), Some("editor"));
    assert_eq!(home.versions[0].author.as_deref(), Some("admin"));
    assert_eq!(home.position, None);
    let body = home.current().body.clone().expect("body");
    assert_eq!(body.body_type, BodyType::WikiMarkup);
    assert_eq!(export.body_text(&body).await.expect("text"), "h1. Hello");
    assert_eq!(model.comments[0].container_id, 20);
    let attachment = &model.attachments[0];
    assert_eq!(attachment.title, "notes.txt");
    let versions: Vec<(i32, Option<i64>, Option<&str>)> = attachment
        .versions
        .iter()
        .map(|version| {
            (
                version.number,
                version.declared_size,
                version.file.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (1, Some(3), Some("attachments/20/50/1")),
            (2, Some(100), Some("attachments/20/50/2"))
        ]
    );
    assert_eq!(attachment.current().comment, "second");
    assert_eq!(attachment.current().media_type, "text/plain");
}

fn null_position() -> String {
    crate::builder::null("position")
}

#[tokio::test]
async fn a_zip_without_entities_xml_is_refused_clearly() {
    let mut builder = modern_space();
    builder.without_entities = true;
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = builder.write(directory.path(), "no-entities.zip");
    let error = Export::read(&path).await.err().expect("refused");
    assert!(matches!(error, ImportError::NoEntities { .. }), "{error}");
    assert!(error.to_string().contains("no entities.xml"), "{error}");
}

#[tokio::test]
async fn truncated_or_malformed_input_is_an_error_not_a_panic() {
    let directory = tempfile::tempdir().expect("temporary directory");

    let mut truncated_xml = modern_space();
    let length = truncated_xml.entities_xml().len();
    truncated_xml.truncate_entities_at = Some(length / 2);
    let path = truncated_xml.write(directory.path(), "cut-xml.zip");
    let error = Export::read(&path).await.err().expect("refused");
    assert!(matches!(error, ImportError::Malformed { .. }), "{error}");

    let whole = modern_space().write(directory.path(), "whole.zip");
    let bytes = std::fs::read(&whole).expect("zip bytes");
    let cut = directory.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let error = Export::read(&cut).await.err().expect("refused");
    assert!(matches!(error, ImportError::Zip { .. }), "{error}");

    let not_zip = directory.path().join("not.zip");
    std::fs::write(&not_zip, b"this is not a zip archive").expect("write");
    assert!(matches!(
        Export::read(&not_zip).await.err(),
        Some(ImportError::Zip { .. })
    ));

    let missing = directory.path().join("missing.zip");
    assert!(matches!(
        Export::read(&missing).await.err(),
        Some(ImportError::Open { .. })
    ));
}
