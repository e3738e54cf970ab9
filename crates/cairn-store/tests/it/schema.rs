//! Migrations: applied once, re-runnable, safe when several nodes start together.

use cairn_testkit::{TestDb, every_dialect};
use sqlx::SqlSafeStr;

every_dialect!(
    migrations_are_current_and_rerunnable,
    concurrent_starts_migrate_once,
    a_database_a_newer_release_migrated_still_starts
);

async fn migrations_are_current_and_rerunnable(db: TestDb) {
    // Before migrating, the status reads (without creating anything) that nothing is applied.
    let fresh = cairn_store::Store::connect(&cairn_store::StoreOptions::new(db.url.clone()))
        .await
        .expect("connect");
    let before = fresh
        .migration_status()
        .await
        .expect("status of an empty database");
    assert!(
        before.applied.is_empty() && !before.is_current(),
        "{before:?}"
    );
    fresh.close().await;
    let store = db.store().await;
    let status = store.migration_status().await.expect("status");
    assert!(status.is_current(), "{status:?}");
    assert_eq!(status.applied, status.expected);
    store.migrate().await.expect("second run is a no-op");
    store.ping().await.expect("ping");
}

async fn concurrent_starts_migrate_once(db: TestDb) {
    // Three "nodes" connect and migrate a fresh database at the same moment.
    let options = cairn_store::StoreOptions::new(db.url.clone());
    let mut runs = Vec::new();
    for _ in 0..3 {
        let node = cairn_store::Store::connect(&options)
            .await
            .expect("connect");
        runs.push(tokio::spawn(
            async move { node.migrate().await.map(|()| node) },
        ));
    }
    let mut nodes = Vec::new();
    for run in runs {
        nodes.push(
            run.await
                .expect("task")
                .expect("every concurrent migration run succeeds"),
        );
    }
    let status = nodes[0].migration_status().await.expect("status");
    assert_eq!(status.applied, status.expected);
}

async fn a_database_a_newer_release_migrated_still_starts(db: TestDb) {
    // A newer release adds a migration this build does not know (expand/contract: old nodes keep
    // serving during a rolling upgrade, and may restart).
    let store = db.store().await;
    let mut newer: Vec<sqlx::migrate::Migration> =
        store.dialect().migrator().iter().cloned().collect();
    newer.push(sqlx::migrate::Migration::new(
        9_999,
        "added by a newer release".into(),
        sqlx::migrate::MigrationType::Simple,
        sqlx::AssertSqlSafe("CREATE TABLE newer_release_note (id BIGINT)").into_sql_str(),
        false,
    ));
    let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
    let mut newer = sqlx::migrate::Migrator::with_migrations(newer);
    newer.set_locking(false);
    newer.run(&pool).await.expect("the newer release migrates");
    pool.close().await;

    store
        .migrate()
        .await
        .expect("an older build still starts on the newer schema");
    let status = store.migration_status().await.expect("status");
    assert!(status.is_current(), "{status:?}");
    assert!(status.applied.contains(&9_999));
}
