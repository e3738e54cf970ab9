//! Every real export of the fixtures directory, imported into every database, compared with what
//! its own entities.xml says: spaces, pages and blog posts (title, status, parent, version number
//! and count), comments (container, reply, inline or footer; on pages, blog posts and imported
//! attachments), labels, attachments (every version's bytes against the zip's file),
//! restrictions, and (`against_xml_annotations.rs`) likes and space labels.
//!
//! The expectations are worked out here from the raw objects (the generic object reader only),
//! with joins written for this test, not from the importer's model.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufReader, Read};
use std::path::Path;

use cairn_blob::{BlobKey, BlobStore};
use cairn_core::{CommentLocation, ContentId, ContentStatus, ContentType, SpaceKey};
use cairn_import::xml::{ObjectReader, RawObject};
use cairn_import::{ControlCharacterFilter, Export, ImportOptions, ImportReport, import};
use cairn_store::{CommentListing, Store, Window};
use cairn_testkit::{TestDb, every_dialect};

#[path = "against_xml_annotations.rs"]
mod annotations;

every_dialect!(every_fixture_matches_its_entities_xml);

/// The objects of entities.xml, by class.
struct Objects {
    by_class: HashMap<String, Vec<RawObject>>,
}

impl Objects {
    fn read(path: &Path) -> Objects {
        let file = std::fs::File::open(path).expect("fixture");
        let mut zip = zip::ZipArchive::new(file).expect("a zip");
        let entry = zip.by_name("entities.xml").expect("entities.xml");
        let mut reader = ObjectReader::new(BufReader::new(ControlCharacterFilter::new(entry)));
        let mut by_class: HashMap<String, Vec<RawObject>> = HashMap::new();
        while let Some(object) = reader.next_object().expect("well-formed entities.xml") {
            by_class
                .entry(object.class.clone())
                .or_default()
                .push(object);
        }
        Objects { by_class }
    }

    fn of(&self, class: &str) -> &[RawObject] {
        self.by_class.get(class).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn zip_file(path: &Path, name: &str) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).expect("fixture");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut entry = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).expect("a file of the zip");
    Some(bytes)
}

/// `current`, `deleted`, or something that is not imported (a draft).
fn status(object: &RawObject) -> Option<ContentStatus> {
    match object.text_trimmed("contentStatus") {
        None | Some("current") => Some(ContentStatus::Current),
        Some("deleted") => Some(ContentStatus::Trashed),
        Some(_) => None,
    }
}

/// Old version id -> its current object's id, from either side.
fn originals(objects: &Objects, classes: &[&str]) -> HashMap<String, String> {
    let mut originals = HashMap::new();
    for class in classes {
        for object in objects.of(class) {
            for old in object.references("historicalVersions") {
                originals.insert(old.id.clone(), object.id.clone());
            }
            let original = object
                .reference("originalVersion")
                .map(|original| original.id.clone())
                .or_else(|| object.text_trimmed("originalVersionId").map(str::to_string));
            if let Some(original) = original.filter(|original| *original != object.id) {
                originals.insert(object.id.clone(), original);
            }
        }
    }
    originals
}

fn user_names(objects: &Objects) -> HashMap<String, String> {
    objects
        .of("ConfluenceUserImpl")
        .iter()
        .filter_map(|user| {
            let name = user
                .text_trimmed("name")
                .or(user.text_trimmed("lowerName"))?;
            Some((user.id.clone(), name.to_lowercase()))
        })
        .collect()
}

async fn every_fixture_matches_its_entities_xml(db: TestDb) {
    let Some(directory) = super::fixtures::fixtures_directory() else {
        return;
    };
    let store = db.store().await;
    let blob_directory = tempfile::tempdir().expect("blob directory");
    let blobs = BlobStore::open_directory(blob_directory.path())
        .await
        .expect("blob store");
    let mut names: Vec<_> = std::fs::read_dir(&directory)
        .expect("fixtures")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".zip"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let path = directory.join(&name);
        let mut export = Export::read(&path)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let report = import(&store, &blobs, &mut export, &ImportOptions::default())
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let check = Check {
            name: &name,
            path: &path,
            objects: &Objects::read(&path),
            store: &store,
            blobs: &blobs,
            report: &report,
        };
        check.run().await;
    }
}

struct Check<'a> {
    name: &'a str,
    path: &'a Path,
    objects: &'a Objects,
    store: &'a Store,
    blobs: &'a BlobStore,
    report: &'a ImportReport,
}

impl Check<'_> {
    fn id(&self, confluence: &str) -> ContentId {
        let number: i64 = confluence.parse().expect("a numeric id");
        ContentId(
            *self
                .report
                .content_ids
                .get(&number)
                .unwrap_or_else(|| panic!("{}: {confluence} was not imported", self.name)),
        )
    }

    fn imported(&self, confluence: &str) -> bool {
        confluence
            .parse::<i64>()
            .is_ok_and(|number| self.report.content_ids.contains_key(&number))
    }

    async fn run(&self) {
        let pages = self.spaces_and_pages().await;
        self.comments(&pages).await;
        self.labels(&pages).await;
        self.attachments(&pages).await;
        self.restrictions(&pages).await;
        self.likes(&pages).await;
        self.space_labels().await;
    }

    /// The space permissions the export gives `space`: (permission, user or group name, or ""
    /// for anonymous visitors), those Cairn has.
    fn space_permissions(&self, space: &RawObject) -> BTreeSet<(String, String)> {
        let users = user_names(self.objects);
        let listed: HashSet<&str> = space
            .references("permissions")
            .iter()
            .map(|permission| permission.id.as_str())
            .collect();
        self.objects
            .of("SpacePermission")
            .iter()
            .filter(|permission| {
                permission
                    .reference("space")
                    .map_or(listed.contains(permission.id.as_str()), |owner| {
                        owner.id == space.id
                    })
            })
            .filter_map(|permission| {
                let kind = cairn_core::SpacePermission::parse(permission.text_trimmed("type")?)?;
                let subject = if let Some(group) = permission.text_trimmed("group") {
                    group.to_lowercase()
                } else if let Some(user) = permission.reference("userSubject") {
                    users.get(&user.id).cloned().unwrap_or(user.id.clone())
                } else if let Some(user) = permission.text_trimmed("userName") {
                    user.to_lowercase()
                } else if permission.text_trimmed("allUsersSubject").is_some() {
                    "confluence-users".to_string()
                } else {
                    String::new()
                };
                Some((kind.as_str().to_string(), subject))
            })
            .collect()
    }

    /// Spaces, then pages and blog posts; answers the ids of the current objects imported.
    async fn spaces_and_pages(&self) -> HashSet<String> {
        let name = self.name;
        let mut space_ids = HashSet::new();
        for space in self.objects.of("Space") {
            let key = space.text_trimmed("key").expect("a space key");
            let cairn_key = if key.starts_with('~') {
                key.to_string()
            } else {
                key.to_uppercase()
            };
            let stored = self
                .store
                .find_space_by_key(&SpaceKey::from_stored(cairn_key.clone()))
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{name}: space {cairn_key}"));
            assert_eq!(
                stored.name,
                space.text_trimmed("name").unwrap_or(key),
                "{name}"
            );
            if let Some(home) = space.reference("homePage") {
                assert_eq!(stored.homepage_id, Some(self.id(&home.id)), "{name}: home");
            }
            let wanted = self.space_permissions(space);
            if !wanted.is_empty() {
                let granted: BTreeSet<(String, String)> = self
                    .store
                    .space_grants(stored.id)
                    .await
                    .expect("grants")
                    .into_iter()
                    .map(|grant| {
                        (
                            grant.permission.as_str().to_string(),
                            grant.subject_name.to_lowercase(),
                        )
                    })
                    .collect();
                assert_eq!(granted, wanted, "{name}: permissions of {cairn_key}");
            }
            space_ids.insert(space.id.clone());
        }

        let originals = originals(self.objects, &["Page", "BlogPost"]);
        let mut listed_parent: HashMap<String, String> = HashMap::new();
        for class in ["Page", "BlogPost"] {
            for object in self.objects.of(class) {
                for child in object.references("children") {
                    listed_parent.insert(child.id.clone(), object.id.clone());
                }
            }
        }
        // Version numbers of the old objects of each current object (drafts are not versions).
        let mut old_numbers: HashMap<String, BTreeSet<i64>> = HashMap::new();
        for class in ["Page", "BlogPost"] {
            for object in self.objects.of(class) {
                if let (Some(original), Some(_)) = (originals.get(&object.id), status(object)) {
                    old_numbers
                        .entry(original.clone())
                        .or_default()
                        .insert(object.number("version").unwrap_or(1));
                }
            }
        }
        let mut pages = HashSet::new();
        for class in ["Page", "BlogPost"] {
            for object in self.objects.of(class) {
                let Some(expected_status) = status(object) else {
                    continue;
                };
                if originals.contains_key(&object.id)
                    || !object
                        .reference("space")
                        .is_some_and(|space| space_ids.contains(&space.id))
                {
                    continue;
                }
                let content = self
                    .store
                    .find_content(self.id(&object.id))
                    .await
                    .expect("read")
                    .unwrap_or_else(|| panic!("{name}: {class} {}", object.id));
                let what = format!("{name}: {class} {}", object.id);
                assert_eq!(
                    content.content_type,
                    if class == "Page" {
                        ContentType::Page
                    } else {
                        ContentType::BlogPost
                    },
                    "{what}"
                );
                assert_eq!(content.status, expected_status, "{what}");
                assert_eq!(
                    content.title,
                    object.text("title").unwrap_or_default().trim(),
                    "{what}"
                );
                let number = object.number("version").unwrap_or(1);
                assert_eq!(i64::from(content.version), number, "{what}");
                let older = old_numbers
                    .get(&object.id)
                    .map(|numbers| numbers.iter().filter(|old| **old < number).count())
                    .unwrap_or(0);
                let versions = self
                    .store
                    .list_versions(content.id, Window::new(0, 1000))
                    .await
                    .expect("versions");
                assert_eq!(versions.items.len(), older + 1, "{what}: versions");
                if class == "Page" {
                    let parent = object
                        .reference("parent")
                        .map(|parent| parent.id.clone())
                        .or_else(|| listed_parent.get(&object.id).cloned())
                        .filter(|parent| self.imported(parent));
                    assert_eq!(
                        content.parent_id,
                        parent.map(|parent| self.id(&parent)),
                        "{what}: parent"
                    );
                }
                pages.insert(object.id.clone());
            }
        }
        pages
    }

    async fn comments(&self, pages: &HashSet<String>) {
        let name = self.name;
        let originals = originals(self.objects, &["Comment"]);
        let properties: HashMap<&str, &RawObject> = self
            .objects
            .of("ContentProperty")
            .iter()
            .map(|property| (property.id.as_str(), property))
            .collect();
        let mut listed_parent: HashMap<String, String> = HashMap::new();
        for comment in self.objects.of("Comment") {
            for child in comment.references("children") {
                listed_parent.insert(child.id.clone(), comment.id.clone());
            }
        }
        let mut per_container: BTreeMap<String, usize> = BTreeMap::new();
        for comment in self.objects.of("Comment") {
            if originals.contains_key(&comment.id) {
                continue;
            }
            let what = format!("{name}: comment {}", comment.id);
            let container = comment
                .reference("containerContent")
                .or_else(|| comment.reference("owner"))
                .or_else(|| comment.reference("page"));
            // On a page or blog post imported, or on an attachment imported (one with a file).
            let on_imported_container = container.is_some_and(|container| {
                pages.contains(&container.id)
                    || (container.class == "Attachment" && self.imported(&container.id))
            });
            if status(comment) != Some(ContentStatus::Current) || !on_imported_container {
                assert!(!self.imported(&comment.id), "{what} is not imported");
                continue;
            }
            let container = container.expect("a container");
            *per_container.entry(container.id.clone()).or_default() += 1;
            let stored = self
                .store
                .find_content(self.id(&comment.id))
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{what}"));
            assert_eq!(stored.content_type, ContentType::Comment, "{what}");
            let meta = self
                .store
                .comment_meta(stored.id)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{what}: its container"));
            assert_eq!(meta.container_id, self.id(&container.id), "{what}");
            let parent = comment
                .reference("parent")
                .map(|parent| parent.id.clone())
                .or_else(|| listed_parent.get(&comment.id).cloned())
                .filter(|parent| self.imported(parent));
            assert_eq!(
                stored.parent_id,
                parent.map(|parent| self.id(&parent)),
                "{what}: reply to"
            );
            let own_properties: Vec<&RawObject> = comment
                .references("contentProperties")
                .iter()
                .filter_map(|property| properties.get(property.id.as_str()).copied())
                .chain(
                    self.objects
                        .of("ContentProperty")
                        .iter()
                        .filter(|property| {
                            property
                                .reference("content")
                                .is_some_and(|owner| owner.id == comment.id)
                        }),
                )
                .collect();
            let inline = own_properties.iter().any(|property| {
                matches!(
                    (property.text("name"), property.text_trimmed("stringValue")),
                    (Some("inline-comment"), Some("true")) | (Some("inline-marker-ref"), Some(_))
                )
            });
            assert_eq!(
                meta.location,
                if inline {
                    CommentLocation::Inline
                } else {
                    CommentLocation::Footer
                },
                "{what}"
            );
        }
        for (container, expected) in per_container {
            let listed = self
                .store
                .list_comments(CommentListing {
                    container_id: self.id(&container),
                    include_replies: true,
                    location: None,
                    window: Window::new(0, 1000),
                })
                .await
                .expect("comments");
            assert_eq!(
                listed.items.len(),
                expected,
                "{name}: comments on {container}"
            );
        }
    }

    async fn labels(&self, pages: &HashSet<String>) {
        let name = self.name;
        let originals = originals(self.objects, &["Page", "BlogPost"]);
        let labels: HashMap<&str, &RawObject> = self
            .objects
            .of("Label")
            .iter()
            .map(|label| (label.id.as_str(), label))
            .collect();
        let mut listed_on: HashMap<String, String> = HashMap::new();
        for class in ["Page", "BlogPost"] {
            for object in self.objects.of(class) {
                for labelling in object.references("labellings") {
                    listed_on.insert(labelling.id.clone(), object.id.clone());
                }
            }
        }
        let mut expected: BTreeMap<String, BTreeSet<(String, String)>> = pages
            .iter()
            .map(|page| (page.clone(), BTreeSet::new()))
            .collect();
        for labelling in self.objects.of("Labelling") {
            let Some(target) = labelling
                .reference("content")
                .map(|content| content.id.clone())
                .or_else(|| listed_on.get(&labelling.id).cloned())
            else {
                continue;
            };
            let target = originals.get(&target).cloned().unwrap_or(target);
            let Some(label) = labelling
                .reference("label")
                .and_then(|label| labels.get(label.id.as_str()))
            else {
                continue;
            };
            let namespace = label.text_trimmed("namespace").unwrap_or("global");
            if let (Some(set), Some(label_name), true) = (
                expected.get_mut(&target),
                label.text_trimmed("name"),
                matches!(namespace, "global" | "my" | "team"),
            ) {
                set.insert((namespace.to_string(), label_name.to_lowercase()));
            }
        }
        for (page, wanted) in expected {
            let stored: BTreeSet<(String, String)> = self
                .store
                .labels_of(self.id(&page))
                .await
                .expect("labels")
                .into_iter()
                .map(|label| (label.prefix, label.name))
                .collect();
            assert_eq!(stored, wanted, "{name}: labels of {page}");
        }
    }

    async fn attachments(&self, pages: &HashSet<String>) {
        let name = self.name;
        let originals = originals(self.objects, &["Attachment"]);
        let number_of = |object: &RawObject| {
            object
                .number("attachmentVersion")
                .or_else(|| object.number("version"))
                .unwrap_or(1)
        };
        let mut old_versions: HashMap<String, Vec<i64>> = HashMap::new();
        for object in self.objects.of("Attachment") {
            if let (Some(original), Some(_)) = (originals.get(&object.id), status(object)) {
                old_versions
                    .entry(original.clone())
                    .or_default()
                    .push(number_of(object));
            }
        }
        let mut live_names = HashSet::new();
        for object in self.objects.of("Attachment") {
            let Some(expected_status) = status(object) else {
                continue;
            };
            if originals.contains_key(&object.id) {
                continue;
            }
            let what = format!("{name}: attachment {}", object.id);
            let Some(container) = object
                .reference("containerContent")
                .or_else(|| object.reference("content"))
                .filter(|container| pages.contains(&container.id))
            else {
                assert!(!self.imported(&object.id), "{what} is not imported");
                continue;
            };
            let current = number_of(object);
            let mut numbers: BTreeSet<i64> = old_versions
                .get(&object.id)
                .map(|numbers| {
                    numbers
                        .iter()
                        .copied()
                        .filter(|old| *old < current)
                        .collect()
                })
                .unwrap_or_default();
            numbers.insert(current);
            let files: BTreeMap<i64, Vec<u8>> = numbers
                .iter()
                .filter_map(|number| {
                    let file = format!("attachments/{}/{}/{number}", container.id, object.id);
                    zip_file(self.path, &file).map(|bytes| (*number, bytes))
                })
                .collect();
            let title = object
                .text_trimmed("title")
                .or_else(|| object.text_trimmed("fileName"))
                .unwrap_or_default();
            let second_live = expected_status == ContentStatus::Current
                && !live_names.insert((container.id.clone(), title.to_lowercase()));
            if files.is_empty() || second_live {
                assert!(!self.imported(&object.id), "{what} is not imported");
                continue;
            }
            let stored = self
                .store
                .find_attachment(self.id(&object.id))
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{what}"));
            assert_eq!(stored.title, title, "{what}");
            assert_eq!(stored.status, expected_status, "{what}");
            assert_eq!(stored.container_id, self.id(&container.id), "{what}");
            let versions = self
                .store
                .attachment_versions(stored.id)
                .await
                .expect("versions");
            let stored_numbers: BTreeSet<i64> = versions
                .iter()
                .map(|version| i64::from(version.number))
                .collect();
            assert_eq!(
                stored_numbers,
                files.keys().copied().collect::<BTreeSet<i64>>(),
                "{what}: the versions whose file is in the export"
            );
            for version in &versions {
                let bytes = self
                    .blobs
                    .get_bytes(&BlobKey::new(version.blob_key.clone()).expect("key"))
                    .await
                    .expect("the stored bytes");
                assert!(
                    bytes[..] == files[&i64::from(version.number)][..],
                    "{what}: the bytes of version {}",
                    version.number
                );
            }
        }
    }

    async fn restrictions(&self, pages: &HashSet<String>) {
        let name = self.name;
        let users = user_names(self.objects);
        let mut sets: HashMap<&str, (&str, Option<&str>)> = HashMap::new();
        let mut listed_in: HashMap<&str, &str> = HashMap::new();
        for set in self.objects.of("ContentPermissionSet") {
            if let Some(owner) = set.reference("owningContent") {
                sets.insert(
                    set.id.as_str(),
                    (owner.id.as_str(), set.text_trimmed("type")),
                );
            }
            for permission in set.references("contentPermissions") {
                listed_in.insert(permission.id.as_str(), set.id.as_str());
            }
        }
        let mut expected: BTreeMap<String, BTreeSet<(String, String)>> = pages
            .iter()
            .map(|page| (page.clone(), BTreeSet::new()))
            .collect();
        for permission in self.objects.of("ContentPermission") {
            let set = permission
                .reference("owningSet")
                .map(|set| set.id.as_str())
                .or_else(|| listed_in.get(permission.id.as_str()).copied());
            let Some((owner, set_type)) = set.and_then(|set| sets.get(set)) else {
                continue;
            };
            let operation = match permission
                .text_trimmed("type")
                .or(*set_type)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("view") => "read",
                Some("edit") => "update",
                _ => continue,
            };
            let subject = permission
                .text_trimmed("groupName")
                .map(str::to_lowercase)
                .or_else(|| {
                    permission
                        .reference("userSubject")
                        .map(|user| users.get(&user.id).cloned().unwrap_or(user.id.clone()))
                })
                .or_else(|| permission.text_trimmed("userName").map(str::to_lowercase));
            if let (Some(set), Some(subject)) = (expected.get_mut(*owner), subject) {
                set.insert((operation.to_string(), subject));
            }
        }
        for (page, wanted) in expected {
            let stored: BTreeSet<(String, String)> = self
                .store
                .content_restrictions(self.id(&page))
                .await
                .expect("restrictions")
                .into_iter()
                .map(|named| {
                    (
                        named.restriction.operation.as_str().to_string(),
                        named.subject_name.to_lowercase(),
                    )
                })
                .collect();
            assert_eq!(stored, wanted, "{name}: restrictions of {page}");
        }
    }
}
