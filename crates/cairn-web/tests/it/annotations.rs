//! What an imported Confluence space carries around its content, read through the REST API as
//! Confluence answers it: `metadata.likes`, an inline comment's `extensions.resolution`, a space's
//! `metadata.labels`, and the comments on an attachment (`/content/{attachmentId}/child/comment`),
//! which only those who may read the attachment's page see.

use std::io::Write;

use cairn_import::{Export, ImportOptions, import};
use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::call;

every_dialect!(likes_resolutions_space_labels_and_file_comments_are_read);

const PASSWORD: &str = "annotations-pass-1";

/// A space export: home page 1000 with an inline comment resolved and a like by admin, page 1001
/// readable by admin only with a file and a comment on the file, the space labelled.
const ENTITIES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2024-01-01 10:00:00">
<object class="ConfluenceUserImpl" package="com.atlassian.confluence.user"><id name="key">key-admin</id>
<property name="name"><![CDATA[admin]]></property></object>
<object class="Space" package="com.atlassian.confluence.spaces"><id name="id">100</id>
<property name="name"><![CDATA[Annotated]]></property><property name="key"><![CDATA[ann]]></property>
<property name="description" class="SpaceDescription" package="com.atlassian.confluence.spaces"><id name="id">101</id></property>
<property name="homePage" class="Page" package="com.atlassian.confluence.pages"><id name="id">1000</id></property>
<property name="creatorName"><![CDATA[admin]]></property></object>
<object class="SpaceDescription" package="com.atlassian.confluence.spaces"><id name="id">101</id>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">100</id></property></object>
<object class="Label" package="com.atlassian.confluence.labels"><id name="id">7200</id>
<property name="name"><![CDATA[engineering]]></property><property name="namespace"><![CDATA[team]]></property></object>
<object class="Labelling" package="com.atlassian.confluence.labels"><id name="id">7300</id>
<property name="label" class="Label" package="com.atlassian.confluence.labels"><id name="id">7200</id></property>
<property name="content" class="SpaceDescription" package="com.atlassian.confluence.spaces"><id name="id">101</id></property></object>
<object class="Page" package="com.atlassian.confluence.pages"><id name="id">1000</id>
<property name="title"><![CDATA[Home]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">100</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="Page" package="com.atlassian.confluence.pages"><id name="id">1001</id>
<property name="title"><![CDATA[Private]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">100</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="ContentPermissionSet" package="com.atlassian.confluence.security"><id name="id">600</id>
<property name="type"><![CDATA[View]]></property>
<property name="owningContent" class="Page" package="com.atlassian.confluence.pages"><id name="id">1001</id></property>
<collection name="contentPermissions" class="java.util.Set"><element class="ContentPermission" package="com.atlassian.confluence.security"><id name="id">601</id></element></collection></object>
<object class="ContentPermission" package="com.atlassian.confluence.security"><id name="id">601</id>
<property name="type"><![CDATA[View]]></property><property name="userName"><![CDATA[admin]]></property></object>
<object class="Attachment" package="com.atlassian.confluence.pages"><id name="id">3000</id>
<property name="title"><![CDATA[notes.txt]]></property>
<property name="containerContent" class="Page" package="com.atlassian.confluence.pages"><id name="id">1001</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="Comment" package="com.atlassian.confluence.pages"><id name="id">2003</id>
<property name="containerContent" class="Attachment" package="com.atlassian.confluence.pages"><id name="id">3000</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="Comment" package="com.atlassian.confluence.pages"><id name="id">2002</id>
<property name="containerContent" class="Page" package="com.atlassian.confluence.pages"><id name="id">1000</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[admin]]></property>
<property name="creationDate">2024-01-09 10:00:00.000</property>
<property name="contentStatus"><![CDATA[current]]></property></object>
<object class="ContentProperty" package="com.atlassian.confluence.content"><id name="id">8001</id>
<property name="name"><![CDATA[inline-comment]]></property><property name="stringValue"><![CDATA[true]]></property>
<property name="content" class="Comment" package="com.atlassian.confluence.pages"><id name="id">2002</id></property></object>
<object class="ContentProperty" package="com.atlassian.confluence.content"><id name="id">8002</id>
<property name="name"><![CDATA[status]]></property><property name="stringValue"><![CDATA[resolved]]></property>
<property name="content" class="Comment" package="com.atlassian.confluence.pages"><id name="id">2002</id></property></object>
<object class="LikeEntity" package="com.atlassian.confluence.like"><id name="id">820</id>
<property name="content" class="Page" package="com.atlassian.confluence.pages"><id name="id">1000</id></property>
<property name="user" class="ConfluenceUserImpl" package="com.atlassian.confluence.user"><id name="key">key-admin</id></property>
<property name="creationDate">2024-03-01 10:00:00.000</property></object>
</hibernate-generic>
"#;

fn export_zip(path: &std::path::Path) {
    let file = std::fs::File::create(path).expect("zip file");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("entities.xml", options).expect("zip entry");
    zip.write_all(ENTITIES.as_bytes()).expect("zip write");
    zip.start_file("attachments/1001/3000/1", options)
        .expect("zip entry");
    zip.write_all(b"the notes").expect("zip write");
    zip.finish().expect("zip finish");
}

async fn likes_resolutions_space_labels_and_file_comments_are_read(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let scratch = tempfile::tempdir().expect("scratch");
    let path = scratch.path().join("ann.zip");
    export_zip(&path);
    let mut export = Export::read(&path).await.expect("the export reads");
    let report = import(
        &app.store,
        &app.state.blobs,
        &mut export,
        &ImportOptions::default(),
    )
    .await
    .expect("the import");
    let id = |confluence: i64| report.content_ids[&confluence].to_string();
    let admin = app.admin();
    let bob = app.client_as("bob", PASSWORD);
    let get = |client: &reqwest::Client, path: String| client.get(app.url(&path));

    // Likes: a count, and whether the caller is among them.
    let likes_path = format!("/rest/api/content/{}?expand=metadata.likes", id(1000));
    let (status, page) = call(get(&admin, likes_path.clone())).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        page["metadata"]["likes"],
        json!({"count": 1, "currentUser": true})
    );
    let (_, page) = call(get(&bob, likes_path)).await;
    assert_eq!(
        page["metadata"]["likes"],
        json!({"count": 1, "currentUser": false})
    );
    let (_, page) = call(get(
        &admin,
        format!("/rest/api/content/{}?expand=metadata", id(1000)),
    ))
    .await;
    assert_eq!(page["metadata"]["_expandable"]["likes"], "", "{page}");

    // An inline comment's resolution, from its `status` property.
    let (status, comment) = call(get(
        &admin,
        format!(
            "/rest/api/content/{}?expand=extensions.resolution",
            id(2002)
        ),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{comment}");
    let resolution = &comment["extensions"]["resolution"];
    assert_eq!(resolution["status"], "resolved", "{comment}");
    assert!(resolution["lastModifiedDate"].is_string(), "{comment}");
    assert_eq!(resolution["lastModifier"]["type"], "known", "{comment}");
    let (_, comment) = call(get(&admin, format!("/rest/api/content/{}", id(2002)))).await;
    assert_eq!(
        comment["extensions"]["_expandable"]["resolution"], "",
        "{comment}"
    );
    assert!(comment["extensions"].get("resolution").is_none());

    // The space's labels.
    let (status, space) = call(get(
        &bob,
        "/rest/api/space/ANN?expand=metadata.labels".into(),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{space}");
    let labels: Vec<(Value, Value)> = space["metadata"]["labels"]["results"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|label| (label["prefix"].clone(), label["name"].clone()))
        .collect();
    assert_eq!(labels, [(json!("team"), json!("engineering"))]);
    let (_, space) = call(get(&bob, "/rest/api/space/ANN".into())).await;
    assert_eq!(space["_expandable"]["metadata"], "", "{space}");

    // The comments on the file: for admin, who may read its page; not for Bob, who may not.
    let on_file = format!("/rest/api/content/{}/child/comment", id(3000));
    let (status, listed) = call(get(&admin, on_file.clone())).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let ids: Vec<&str> = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|comment| comment["id"].as_str())
        .collect();
    assert_eq!(ids, [id(2003)]);
    let (status, _) = call(get(&bob, on_file)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(get(&bob, format!("/rest/api/content/{}", id(2003)))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a comment on a file is hidden with the file's page"
    );
    let (status, _) = call(get(&admin, format!("/rest/api/content/{}", id(2003)))).await;
    assert_eq!(status, StatusCode::OK);
}
