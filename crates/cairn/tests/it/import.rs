//! `cairn import confluence`, run as a user runs it, on every database.

use std::io::Write;

use cairn_core::{ContentId, SpaceKey};
use cairn_testkit::{TestDb, every_dialect};

use crate::{cairn, run};

every_dialect!(a_confluence_export_imports_from_the_command_line);

/// A minimal space export: space DEMO, its home page at version 2 with its first version, and an
/// attachment with its file.
pub(crate) fn write_export(path: &std::path::Path, with_entities: bool) {
    let entities = r#"<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2024-01-01 00:00:00">
<object class="Space" package="com.atlassian.confluence.spaces"><id name="id">900001</id>
<property name="name"><![CDATA[Demo]]></property><property name="key"><![CDATA[DEMO]]></property>
<property name="homePage" class="Page" package="com.atlassian.confluence.pages"><id name="id">900100</id></property>
<property name="creatorName"><![CDATA[admin]]></property>
</object>
<object class="Page" package="com.atlassian.confluence.pages"><id name="id">900100</id>
<property name="title"><![CDATA[Demo Home]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">900001</id></property>
<property name="version">2</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="creationDate">2024-01-01 10:00:00.000</property>
<property name="lastModificationDate">2024-01-02 10:00:00.000</property>
<property name="contentStatus"><![CDATA[current]]></property>
<collection name="bodyContents" class="java.util.Collection"><element class="BodyContent" package="com.atlassian.confluence.core"><id name="id">900200</id></element></collection>
</object>
<object class="BodyContent" package="com.atlassian.confluence.core"><id name="id">900200</id>
<property name="body"><![CDATA[<p>Hello</p>]]></property><property name="bodyType">2</property></object>
<object class="Page" package="com.atlassian.confluence.pages"><id name="id">900101</id>
<property name="title"><![CDATA[Demo Home]]></property><property name="version">1</property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">900001</id></property>
<property name="originalVersionId">900100</property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="Attachment" package="com.atlassian.confluence.pages"><id name="id">900300</id>
<property name="title"><![CDATA[notes.txt]]></property><property name="version">1</property>
<property name="containerContent" class="Page" package="com.atlassian.confluence.pages"><id name="id">900100</id></property>
<property name="contentStatus"><![CDATA[current]]></property></object>
</hibernate-generic>
"#;
    let file = std::fs::File::create(path).expect("create the export");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    if with_entities {
        zip.start_file("entities.xml", options).expect("entry");
        zip.write_all(entities.as_bytes()).expect("entities");
    }
    zip.start_file("attachments/900100/900300/1", options)
        .expect("entry");
    zip.write_all(b"some notes").expect("file");
    zip.finish().expect("zip");
}

async fn a_confluence_export_imports_from_the_command_line(db: TestDb) {
    let home = tempfile::tempdir().expect("home");
    let export = home.path().join("demo.zip");
    write_export(&export, true);
    let import = |extra: &[&str]| {
        let mut command = cairn();
        command
            .args(["import", "confluence"])
            .arg(&export)
            .arg("--home")
            .arg(home.path())
            .args(["--database-url", db.url.as_str()])
            .args(extra);
        run(&mut command)
    };

    let (ok, text) = import(&["--dry-run"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("would import (dry run, nothing written)"),
        "{text}"
    );
    let store = db.store().await;
    let demo = SpaceKey::from_stored("DEMO");
    assert!(
        store
            .find_space_by_key(&demo)
            .await
            .expect("read")
            .is_none()
    );

    let (ok, text) = import(&[]);
    assert!(ok, "{text}");
    assert!(text.contains("imported:"), "{text}");
    assert!(text.contains("spaces               1"), "{text}");
    assert!(text.contains("versions             2"), "{text}");
    assert!(
        text.contains("attachments          1 (1 versions, 10 bytes)"),
        "{text}"
    );
    let space = store
        .find_space_by_key(&demo)
        .await
        .expect("read")
        .expect("the space");
    assert_eq!(
        space.homepage_id,
        Some(ContentId(900100)),
        "Confluence's id is kept"
    );
    let home_page = store
        .find_content(ContentId(900100))
        .await
        .expect("read")
        .expect("the home page");
    assert_eq!(
        (home_page.version, home_page.body.as_str()),
        (2, "<p>Hello</p>")
    );

    let (ok, text) = import(&[]);
    assert!(!ok, "{text}");
    assert!(text.contains("space key DEMO exists already"), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");

    let (ok, text) = import(&["--space-key-map", "DEMO=DEMO2"]);
    assert!(ok, "{text}");
    assert!(text.contains("space DEMO is imported as DEMO2"), "{text}");
    assert!(
        store
            .find_space_by_key(&SpaceKey::from_stored("DEMO2"))
            .await
            .expect("read")
            .is_some()
    );

    let (ok, text) = import(&["--space-key-map", "no-equals-sign"]);
    assert!(!ok && text.contains("expected OLD=NEW"), "{text}");

    write_export(&export, false);
    let (ok, text) = import(&[]);
    assert!(!ok, "{text}");
    assert!(text.contains("has no entities.xml"), "{text}");
}
