//! Drafts of published pages: what a person has typed in the editor and not published yet, saved
//! every few seconds so that closing the browser loses nothing. One draft per person and page; it
//! remembers the version the edit started from, so publishing it later merges with what others
//! published meanwhile (see `cairn_format::merge_storage`) instead of overwriting it.

use cairn_core::{Content, ContentStatus, MAX_TITLE_CHARS};
use cairn_store::PageDraft;

use crate::access::{self, ContentAction};
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// What the editor holds right now.
pub struct DraftText {
    /// The version the edit started from.
    pub base_version: i32,
    pub title: String,
    /// Storage format, well-formed.
    pub body: String,
}

/// Saves the caller's draft of `content` (a current page or blog post they may edit).
pub async fn save(
    state: &Node,
    caller: &Caller,
    content: &Content,
    text: DraftText,
) -> Result<PageDraft, Error> {
    if content.status != ContentStatus::Current {
        return Err(Error::bad_request(
            "only a published page has drafts of this kind; a new page's draft is the page itself",
        ));
    }
    access::require(state, caller.user.id, content, ContentAction::Edit).await?;
    if !(1..=content.version).contains(&text.base_version) {
        return Err(Error::bad_request(format!(
            "page {} has no version {} to start a draft from",
            content.id, text.base_version
        )));
    }
    if text.title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::bad_request(format!(
            "title must be at most {MAX_TITLE_CHARS} characters"
        )));
    }
    cairn_format::check_well_formed(&text.body)
        .map_err(|error| Error::bad_request(format!("the draft is not valid storage: {error}")))?;
    let draft = PageDraft {
        content_id: content.id,
        user_id: caller.user.id,
        base_version: text.base_version,
        title: text.title,
        body: text.body,
        saved_ms: now_ms(),
    };
    state.store.save_page_draft(&draft).await?;
    Ok(draft)
}

/// The caller's draft of `content`, if they have one and may still edit the page.
pub async fn find(
    state: &Node,
    caller: &Caller,
    content: &Content,
) -> Result<Option<PageDraft>, Error> {
    let draft = state.store.page_draft(content.id, caller.user.id).await?;
    if draft.is_some()
        && !access::can_do(state, caller.user.id, content, ContentAction::Edit).await?
    {
        return Ok(None);
    }
    Ok(draft)
}

/// Throws the caller's draft of `content` away; true if there was one.
pub async fn discard(state: &Node, caller: &Caller, content: &Content) -> Result<bool, Error> {
    Ok(state
        .store
        .delete_page_draft(content.id, caller.user.id)
        .await?)
}
