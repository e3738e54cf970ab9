//! Users, groups, sessions and access tokens.

use cairn_store::{NewAccessToken, NewUser, StoreError};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, NOW};

every_dialect!(
    users_join_default_groups,
    usernames_are_unique_and_case_insensitive,
    sessions_expire_and_end,
    tokens_resolve_until_revoked
);

async fn users_join_default_groups(db: TestDb) {
    let store = db.store().await;
    let admin = store
        .create_user(NewUser {
            username: "Root".into(),
            display_name: "Site Root".into(),
            email: "root@example.test".into(),
            password_hash: "hash".into(),
            administrator: true,
            now_ms: NOW,
        })
        .await
        .expect("create admin");
    assert_eq!(admin.username, "root");
    assert_eq!(admin.user_key.len(), 32);
    let groups: Vec<String> = store
        .groups_of_user(admin.id)
        .await
        .expect("groups")
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(groups, ["confluence-administrators", "confluence-users"]);
    assert!(store.is_administrator(admin.id).await.expect("admin check"));

    let bob = fixtures::user(&store, "bob").await;
    let groups: Vec<String> = store
        .groups_of_user(bob.id)
        .await
        .expect("groups")
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(groups, ["confluence-users"]);
    assert!(!store.is_administrator(bob.id).await.expect("admin check"));
    assert_eq!(store.count_users().await.expect("count"), 2);
    let (found, hash) = store
        .find_login("BOB")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found, bob);
    assert_eq!(hash, "$argon2id$placeholder");
    assert_eq!(
        store.find_user_by_key(&bob.user_key).await.expect("query"),
        Some(bob)
    );
}

async fn usernames_are_unique_and_case_insensitive(db: TestDb) {
    let store = db.store().await;
    fixtures::user(&store, "carol").await;
    let again = store
        .create_user(NewUser {
            username: "CAROL".into(),
            display_name: String::new(),
            email: String::new(),
            password_hash: "x".into(),
            administrator: false,
            now_ms: NOW,
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::UsernameTaken(ref name)) if name == "carol"),
        "{again:?}"
    );
    let invalid = store
        .create_user(NewUser {
            username: "has space".into(),
            display_name: String::new(),
            email: String::new(),
            password_hash: "x".into(),
            administrator: false,
            now_ms: NOW,
        })
        .await;
    assert!(matches!(invalid, Err(StoreError::Invalid(_))));
    assert_eq!(store.count_users().await.expect("count"), 1);
}

async fn sessions_expire_and_end(db: TestDb) {
    let store = db.store().await;
    let dave = fixtures::user(&store, "dave").await;
    store
        .create_session("h1", dave.id, NOW, NOW + 1000)
        .await
        .expect("session");
    assert_eq!(
        store.session_user("h1", NOW + 999).await.expect("query"),
        Some(dave.id)
    );
    assert_eq!(
        store.session_user("h1", NOW + 1000).await.expect("query"),
        None,
        "expired"
    );
    assert_eq!(store.session_user("nope", NOW).await.expect("query"), None);
    store
        .create_session("h2", dave.id, NOW, NOW + 5000)
        .await
        .expect("session");
    store.delete_session("h2").await.expect("logout");
    assert_eq!(store.session_user("h2", NOW).await.expect("query"), None);
    assert_eq!(
        store
            .delete_expired_sessions(NOW + 2000)
            .await
            .expect("sweep"),
        1
    );
}

async fn tokens_resolve_until_revoked(db: TestDb) {
    let store = db.store().await;
    let erin = fixtures::user(&store, "erin").await;
    let forever = store
        .create_access_token(NewAccessToken {
            user_id: erin.id,
            name: "ci".into(),
            token_hash: "t1".into(),
            now_ms: NOW,
            expires_ms: None,
        })
        .await
        .expect("token");
    store
        .create_access_token(NewAccessToken {
            user_id: erin.id,
            name: "short".into(),
            token_hash: "t2".into(),
            now_ms: NOW,
            expires_ms: Some(NOW + 10),
        })
        .await
        .expect("token");
    assert_eq!(
        store
            .access_token_user("t1", NOW + 1_000_000)
            .await
            .expect("query"),
        Some(erin.id)
    );
    assert_eq!(
        store.access_token_user("t2", NOW + 5).await.expect("query"),
        Some(erin.id)
    );
    assert_eq!(
        store
            .access_token_user("t2", NOW + 10)
            .await
            .expect("query"),
        None
    );
    let names: Vec<String> = store
        .list_access_tokens(erin.id)
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["ci", "short"]);
    assert!(
        store
            .revoke_access_token(erin.id, forever.id)
            .await
            .expect("revoke")
    );
    assert!(
        !store
            .revoke_access_token(erin.id, forever.id)
            .await
            .expect("revoke twice")
    );
    assert_eq!(
        store.access_token_user("t1", NOW).await.expect("query"),
        None
    );
}
