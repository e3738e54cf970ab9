//! Small builders shared by the suite.

use cairn_core::{ContentType, NewVersion, Space, SpaceKey, User};
use cairn_store::{NewContent, NewSpace, NewUser, Store};

pub const NOW: i64 = 1_714_566_896_789;

pub async fn user(store: &Store, username: &str) -> User {
    store
        .create_user(NewUser {
            username: username.to_string(),
            display_name: format!("{username} person"),
            email: String::new(),
            password_hash: "$argon2id$placeholder".to_string(),
            administrator: false,
            now_ms: NOW,
        })
        .await
        .expect("create user")
}

pub async fn space(store: &Store, key: &str, creator: &User) -> Space {
    store
        .create_space(NewSpace {
            space_type: cairn_core::SpaceType::Global,
            key: SpaceKey::new_global(key).expect("valid key"),
            name: format!("{key} space"),
            description: "about".to_string(),
            creator_id: creator.id,
            now_ms: NOW,
        })
        .await
        .expect("create space")
}

pub fn version_by(user: &User, message: &str) -> NewVersion {
    NewVersion {
        author_id: user.id,
        now_ms: NOW,
        message: message.to_string(),
        minor_edit: false,
    }
}

pub fn new_page(
    space: &Space,
    parent: Option<cairn_core::ContentId>,
    title: &str,
    author: &User,
) -> NewContent {
    NewContent {
        content_type: ContentType::Page,
        space_key: space.key.clone(),
        parent_id: parent,
        title: title.to_string(),
        body: format!("<p>{title}</p>"),
        version: version_by(author, ""),
    }
}
