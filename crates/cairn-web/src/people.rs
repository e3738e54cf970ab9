//! The people a body mentions (`<ac:link><ri:user …/></ac:link>`), looked up before it is
//! rendered (rendering is synchronous and pure), so that a mention shows the person's display
//! name and links to their profile at `/display/~username`, whether it names them by user key
//! (what the editor writes, and Confluence Server) or by username.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use cairn_core::User;
use cairn_format::{Resource, UserDisplay, UserTarget, encode_path_segment};

use crate::AppState;
use crate::error::ApiError;

/// Most distinct people looked up for one body; further mentions show as unknown.
const MAX_PEOPLE: usize = 200;

/// Display names and profile links of the people a body mentions.
#[derive(Debug, Default, Clone)]
pub struct People {
    by_key: HashMap<String, UserDisplay>,
    by_username: HashMap<String, UserDisplay>,
}

impl People {
    /// How `target` is shown, when they were found.
    pub fn display(&self, target: &UserTarget) -> Option<UserDisplay> {
        match target {
            UserTarget::Key(key) => self.by_key.get(key).cloned(),
            UserTarget::Username(username) => {
                self.by_username.get(&username.to_lowercase()).cloned()
            }
            UserTarget::AccountId(_) => None,
        }
    }

    /// Changes when a name shown changes, for the rendered-page cache's key.
    pub fn fingerprint(&self) -> u64 {
        let mut names: Vec<(&String, &String)> = self
            .by_key
            .iter()
            .chain(&self.by_username)
            .map(|(id, display)| (id, &display.display_name))
            .collect();
        names.sort();
        let mut hasher = DefaultHasher::new();
        names.hash(&mut hasher);
        hasher.finish()
    }

    fn add(&mut self, target: &UserTarget, user: &User) {
        let display = UserDisplay {
            display_name: user.display_name.clone(),
            profile_url: Some(profile_path(&user.username)),
        };
        match target {
            UserTarget::Key(key) => self.by_key.insert(key.clone(), display),
            _ => self.by_username.insert(user.username.clone(), display),
        };
    }
}

/// `/display/~username`: Confluence's address of a person's profile (their personal space, when
/// they have one).
pub fn profile_path(username: &str) -> String {
    format!("/display/~{}", encode_path_segment(username))
}

/// The people `storage` mentions, found by user key or username; nobody when it mentions none.
pub async fn gather(state: &AppState, storage: &str) -> Result<People, ApiError> {
    let mut people = People::default();
    if !storage.contains("ri:user") {
        return Ok(people);
    }
    let Ok(document) = cairn_format::parse(storage) else {
        return Ok(people);
    };
    let targets = cairn_format::outgoing_links(&document)
        .into_iter()
        .filter_map(|resource| match resource {
            Resource::User(target) => Some(target),
            _ => None,
        })
        .take(MAX_PEOPLE);
    for target in targets {
        let user = match &target {
            UserTarget::Key(key) => state.store.find_user_by_key(key).await?,
            UserTarget::Username(username) => {
                state
                    .store
                    .find_user_by_username(&username.to_lowercase())
                    .await?
            }
            UserTarget::AccountId(_) => None,
        };
        if let Some(user) = user {
            people.add(&target, &user);
        }
    }
    Ok(people)
}
