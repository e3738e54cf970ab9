//! Exporting a space (`cairn_import::export_space`) and importing the zip again gives the same
//! space: for every real export of the fixtures directory, imported first, on every database,
//! into a fresh wiki (where every id is kept) and into the same wiki under another key (where ids
//! are mapped in order).

use cairn_blob::BlobStore;
use cairn_core::SpaceKey;
use cairn_import::{Export, ImportOptions, export_space, import};
use cairn_testkit::{TestDb, dump_space, every_dialect};

every_dialect!(every_fixture_survives_an_export_and_an_import);

async fn every_fixture_survives_an_export_and_an_import(db: TestDb) {
    let Some(directory) = super::fixtures::fixtures_directory() else {
        return;
    };
    let store = db.store().await;
    let scratch = tempfile::tempdir().expect("scratch directory");
    let blobs = BlobStore::open_directory(scratch.path().join("blobs"))
        .await
        .expect("blob store");
    let mut names: Vec<_> = std::fs::read_dir(&directory)
        .expect("fixtures")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".zip"))
        .collect();
    names.sort();
    for (index, name) in names.iter().enumerate() {
        let mut export = Export::read(&directory.join(name))
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        import(&store, &blobs, &mut export, &ImportOptions::default())
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let mut keys: Vec<SpaceKey> = Vec::new();
        for space in &export.model.spaces {
            let upper = if space.personal {
                SpaceKey::from_stored(&space.key)
            } else {
                SpaceKey::new_global(&space.key).expect("a key")
            };
            keys.push(upper);
        }
        for key in keys {
            let zip = scratch.path().join(format!("{index}-{key}.zip"));
            let summary = export_space(&store, &blobs, &key, &zip)
                .await
                .unwrap_or_else(|error| panic!("{name}: export of {key}: {error}"));
            assert!(summary.zip_bytes > 0, "{name}: {summary}");
            let original = dump_space(&store, &blobs, &key).await;

            // A fresh wiki: the same space, ids and all.
            let fresh_db = TestDb::create(db.dialect).await.expect("a second database");
            let fresh = fresh_db.store().await;
            let fresh_blobs =
                BlobStore::open_directory(scratch.path().join(format!("fresh-{index}-{key}")))
                    .await
                    .expect("blob store");
            let mut exported = Export::read(&zip)
                .await
                .unwrap_or_else(|error| panic!("{name}: the export of {key} reads back: {error}"));
            let report = import(
                &fresh,
                &fresh_blobs,
                &mut exported,
                &ImportOptions::default(),
            )
            .await
            .unwrap_or_else(|error| panic!("{name}: the export of {key} imports: {error}"));
            assert_eq!(
                report.ids_mapped, 0,
                "{name}: {key}: every id is kept\n{report}"
            );
            assert_eq!(
                dump_space(&fresh, &fresh_blobs, &key).await,
                original,
                "{name}: {key} after an export and an import into a fresh wiki"
            );
            fresh.close().await;
            drop(fresh_db);

            // The same wiki under another key: ids are mapped, everything else is the same.
            let copy_key = format!(
                "RT{index}{}",
                key.as_str().trim_start_matches('~').to_uppercase()
            );
            let mut options = ImportOptions::default();
            options
                .add_key_mapping(&format!("{key}={copy_key}"))
                .expect("a mapping");
            if key.is_personal() {
                continue;
            }
            let mut again = Export::read(&zip).await.expect("reads back");
            let report = import(&store, &blobs, &mut again, &options)
                .await
                .unwrap_or_else(|error| {
                    panic!("{name}: the export of {key} imports as {copy_key}: {error}")
                });
            assert!(
                report.ids_mapped > 0,
                "{name}: {key}: ids are mapped\n{report}"
            );
            assert_eq!(
                dump_space(&store, &blobs, &SpaceKey::from_stored(copy_key.as_str())).await,
                original,
                "{name}: {key} after an export and an import as {copy_key}"
            );
        }
    }
}
