//! Who may do what and what users added around content: space permissions, restrictions, groups
//! and members, content properties, watches, inline comments; and titles that clash by case.

use cairn_blob::BlobStore;
use cairn_core::{ContentId, RestrictionOperation, SpaceKey, SpacePermission, Subject};
use cairn_import::{Export, ImportOptions, ImportReport, import};
use cairn_store::{Store, WatchTarget};
use cairn_testkit::{TestDb, every_dialect};

use crate::builder::{
    ExportBuilder, collection, modern_space, plain, reference, text, user_reference,
};

every_dialect!(
    grants_groups_properties_and_watches_are_imported,
    titles_differing_only_by_case_are_told_apart_and_malformed_bodies_noted,
);

async fn import_into(store: &Store, builder: &ExportBuilder) -> ImportReport {
    let directory = tempfile::tempdir().expect("directory");
    let blobs = BlobStore::open_directory(&directory.path().join("blobs"))
        .await
        .expect("blob store");
    let path = builder.write(directory.path(), "export.zip");
    let mut export = Export::read(&path).await.expect("the export reads");
    import(store, &blobs, &mut export, &ImportOptions::default())
        .await
        .expect("the import succeeds")
}

/// The modern space with a site export's users and groups, grants and annotations.
pub(crate) fn governed_space() -> ExportBuilder {
    let mut export = modern_space();
    export
        .object(
            "InternalUser",
            "900",
            &[
                text("name", "dave"),
                text("displayName", "Dave Doe"),
                text("emailAddress", "dave@example.com"),
            ],
        )
        .object("InternalUser", "901", &[text("name", "alice")])
        .object("InternalGroup", "400", &[text("name", "Developers")])
        .object(
            "HibernateMembership",
            "410",
            &[
                reference("parentGroup", "InternalGroup", "400"),
                reference("userMember", "InternalUser", "900"),
            ],
        )
        .object(
            "HibernateMembership",
            "411",
            &[
                reference("parentGroup", "InternalGroup", "400"),
                reference("userMember", "InternalUser", "901"),
            ],
        )
        // Space permissions: by group, by user key, anonymous, one Cairn lacks, a global one.
        .object(
            "SpacePermission",
            "500",
            &[
                reference("space", "Space", "100"),
                text("type", "VIEWSPACE"),
                text("group", "developers"),
            ],
        )
        .object(
            "SpacePermission",
            "501",
            &[
                reference("space", "Space", "100"),
                text("type", "SETSPACEPERMISSIONS"),
                user_reference("userSubject", "key-alice"),
            ],
        )
        .object(
            "SpacePermission",
            "502",
            &[reference("space", "Space", "100"), text("type", "VIEWSPACE")],
        )
        .object(
            "SpacePermission",
            "503",
            &[
                reference("space", "Space", "100"),
                text("type", "REMOVEMAIL"),
                text("group", "developers"),
            ],
        )
        .object(
            "SpacePermission",
            "504",
            &[text("type", "ADMINISTRATECONFLUENCE"), text("group", "developers")],
        )
        // Restrictions on page 1001: view by alice and the developers, edit by Bob.
        .object(
            "ContentPermissionSet",
            "600",
            &[
                text("type", "View"),
                reference("owningContent", "Page", "1001"),
                collection("contentPermissions", "ContentPermission", &["601", "602"]),
            ],
        )
        .object(
            "ContentPermission",
            "601",
            &[text("type", "View"), text("userName", "alice")],
        )
        .object(
            "ContentPermission",
            "602",
            &[text("type", "View"), text("groupName", "Developers")],
        )
        .object(
            "ContentPermissionSet",
            "610",
            &[text("type", "Edit"), reference("owningContent", "Page", "1001")],
        )
        .object(
            "ContentPermission",
            "611",
            &[
                reference("owningSet", "ContentPermissionSet", "610"),
                user_reference("userSubject", "key-bob"),
            ],
        )
        // JSON content properties: one on the page, one whose value is not JSON.
        .object(
            "CustomContentEntityObject",
            "700",
            &[
                text("title", "review-state"),
                reference("containerContent", "Page", "1001"),
                text(
                    "pluginModuleKey",
                    "com.atlassian.confluence.plugins.confluence-content-property-storage:content-property",
                ),
                plain("version", "2"),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["701"]),
            ],
        )
        .object(
            "BodyContent",
            "701",
            &[text("body", r#"{"approved":true}"#), plain("bodyType", "0")],
        )
        .object(
            "CustomContentEntityObject",
            "710",
            &[
                text("title", "broken"),
                reference("containerContent", "Page", "1001"),
                text(
                    "pluginModuleKey",
                    "com.atlassian.confluence.plugins.confluence-content-property-storage:content-property",
                ),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["711"]),
            ],
        )
        .object(
            "BodyContent",
            "711",
            &[text("body", "{not json"), plain("bodyType", "0")],
        )
        // Watches: Bob watches the page, alice the space; a like.
        .object(
            "Notification",
            "800",
            &[
                reference("content", "Page", "1001"),
                user_reference("receiver", "key-bob"),
            ],
        )
        .object(
            "Notification",
            "801",
            &[reference("space", "Space", "100"), text("userName", "alice")],
        )
        .object(
            "LikeEntity",
            "810",
            &[
                reference("content", "Page", "1001"),
                user_reference("user", "key-bob"),
            ],
        )
        // An inline comment on its marker.
        .object(
            "Comment",
            "2010",
            &[
                reference("containerContent", "Page", "1001"),
                plain("version", "1"),
                user_reference("creator", "key-bob"),
                text("contentStatus", "current"),
                collection("contentProperties", "ContentProperty", &["8201", "8202", "8203"]),
            ],
        )
        .object(
            "ContentProperty",
            "8201",
            &[text("name", "inline-marker-ref"), text("stringValue", "m-1")],
        )
        .object(
            "ContentProperty",
            "8202",
            &[
                text("name", "inline-original-selection"),
                text("stringValue", "the design"),
            ],
        )
        .object(
            "ContentProperty",
            "8203",
            &[text("name", "status"), text("stringValue", "open")],
        );
    export
}

async fn grants_groups_properties_and_watches_are_imported(db: TestDb) {
    let store = db.store().await;
    let report = import_into(&store, &governed_space()).await;
    let id = |confluence: i64| ContentId(report.content_ids[&confluence]);

    // Users and groups of the site export: dave is named by no content and still comes.
    let dave = store
        .find_user_by_username("dave")
        .await
        .expect("read")
        .expect("dave, a user of the site export");
    assert!(!dave.active, "created deactivated");
    assert_eq!(dave.display_name, "Dave Doe");
    let groups: Vec<String> = store
        .groups_of_user(dave.id)
        .await
        .expect("groups")
        .into_iter()
        .map(|group| group.name)
        .collect();
    assert_eq!(groups, ["developers"]);
    assert_eq!(
        (report.groups_created, report.memberships),
        (1, 2),
        "{report}"
    );

    // Space permissions: the export's, not Cairn's defaults.
    let space = store
        .find_space_by_key(&SpaceKey::from_stored("DEV"))
        .await
        .expect("read")
        .expect("space");
    let developers = store
        .group_id_by_name("developers")
        .await
        .expect("read")
        .expect("the group");
    let alice = store
        .find_user_by_username("alice")
        .await
        .expect("read")
        .expect("alice");
    let bob = store
        .find_user_by_username("bob")
        .await
        .expect("read")
        .expect("bob");
    let mut grants: Vec<(SpacePermission, Subject)> = store
        .space_grants(space.id)
        .await
        .expect("grants")
        .into_iter()
        .map(|grant| (grant.permission, grant.subject))
        .collect();
    grants.sort();
    let mut expected = vec![
        (SpacePermission::ViewSpace, Subject::Group(developers)),
        (SpacePermission::ViewSpace, Subject::Anonymous),
        (
            SpacePermission::SetSpacePermissions,
            Subject::User(alice.id),
        ),
    ];
    expected.sort();
    assert_eq!(grants, expected);
    let skipped = |kind: &str, words: &str| {
        report
            .skipped
            .iter()
            .any(|skipped| skipped.kind == kind && skipped.reason.contains(words))
    };
    assert!(skipped("space permission", "REMOVEMAIL"), "{report}");
    assert!(skipped("global permission", "site-wide"), "{report}");
    let like = store
        .like_summary(id(1001), Some(bob.id))
        .await
        .expect("likes");
    assert_eq!((like.count, like.by_viewer), (1, true));
    assert_eq!(report.likes, 1, "{report}");

    // Restrictions: view by alice and the developers, edit by Bob.
    let mut restrictions: Vec<(RestrictionOperation, Subject)> = store
        .content_restrictions(id(1001))
        .await
        .expect("restrictions")
        .into_iter()
        .map(|named| (named.restriction.operation, named.restriction.subject))
        .collect();
    restrictions.sort();
    let mut expected = vec![
        (RestrictionOperation::Read, Subject::User(alice.id)),
        (RestrictionOperation::Read, Subject::Group(developers)),
        (RestrictionOperation::Update, Subject::User(bob.id)),
    ];
    expected.sort();
    assert_eq!(restrictions, expected);

    // Content properties: the JSON one, not the broken one; the inline comment's status.
    let property = store
        .find_property(id(1001), "review-state")
        .await
        .expect("read")
        .expect("the property");
    assert_eq!(property.value_json, r#"{"approved":true}"#);
    assert_eq!(property.version, 2);
    assert!(
        store
            .find_property(id(1001), "broken")
            .await
            .expect("read")
            .is_none()
    );
    assert!(skipped("content property", "not JSON"), "{report}");

    // Watches.
    assert!(
        store
            .is_watching(bob.id, &WatchTarget::Content(id(1001)))
            .await
            .expect("read")
    );
    assert!(
        store
            .is_watching(alice.id, &WatchTarget::Space(SpaceKey::from_stored("DEV")))
            .await
            .expect("read")
    );
    assert_eq!(report.watches, 2);

    // The inline comment keeps its marker reference and selection.
    let meta = store
        .comment_meta(id(2010))
        .await
        .expect("read")
        .expect("the inline comment");
    assert_eq!(meta.location, cairn_core::CommentLocation::Inline);
    let properties: serde_json::Value =
        serde_json::from_str(meta.inline_properties.as_deref().expect("its properties"))
            .expect("JSON");
    assert_eq!(
        properties,
        serde_json::json!({"markerRef": "m-1", "originalSelection": "the design"})
    );
    let status = store
        .find_property(id(2010), "status")
        .await
        .expect("read")
        .expect("its status");
    assert_eq!(status.value_json, r#""open""#);
}

async fn titles_differing_only_by_case_are_told_apart_and_malformed_bodies_noted(db: TestDb) {
    let store = db.store().await;
    let mut builder = modern_space();
    builder.object(
        "Page",
        "1900",
        &[
            text("title", "DESIGN"),
            reference("space", "Space", "100"),
            plain("version", "1"),
            text("contentStatus", "current"),
            collection("bodyContents", "BodyContent", &["5900"]),
        ],
    );
    builder.object(
        "BodyContent",
        "5900",
        &[text("body", "<p>never closed"), plain("bodyType", "2")],
    );
    let report = import_into(&store, &builder).await;
    let renamed = store
        .find_content(ContentId(report.content_ids[&1900]))
        .await
        .expect("read")
        .expect("the second page");
    assert_eq!(renamed.title, "DESIGN (2)");
    let kept = store
        .find_content(ContentId(report.content_ids[&1001]))
        .await
        .expect("read")
        .expect("the first page");
    assert_eq!(kept.title, "Design");
    assert_eq!(
        renamed.body, "<p>never closed",
        "a malformed body is kept as it is"
    );
    assert!(
        report.notes.iter().any(|note| note
            .starts_with("page 1900 version 1: the body is not well-formed storage format")),
        "{report}"
    );
    assert!(
        report.notes.iter().any(|note| note.contains("space DEV")
            && note.contains("\"DESIGN\" is imported as \"DESIGN (2)\"")),
        "{report}"
    );
}
