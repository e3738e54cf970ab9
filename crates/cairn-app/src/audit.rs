//! The audit log: who did what to which object, when, and from which address.
//!
//! Use cases describe what they did as an [`Event`] and [`record`] it once their change has
//! committed, before the request is answered: an acknowledged action has its entry. A failure to
//! write the entry is logged as an error and does not undo the action. Sign-in attempts are
//! recorded whether they succeed or not ([`record_sign_in`]).
//!
//! Site administrators read the log ([`list`], the audit screen, `/rest/api/audit`, CSV export);
//! entries older than the retention period ([`Retention`], a site setting) are pruned by the
//! cluster's journal pruning job.

use cairn_store::{
    AuditChange, AuditFilter, AuditObject, AuditRecord, Listed, NewAuditRecord, Window,
};

use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// The categories entries are filed under (Confluence's "Event type" column).
pub mod category {
    pub const SECURITY: &str = "Security";
    pub const PERMISSIONS: &str = "Permissions";
    pub const USERS_AND_GROUPS: &str = "Users and groups";
    pub const SPACES: &str = "Spaces";
    pub const PAGES: &str = "Pages";
    pub const GLOBAL_CONFIGURATION: &str = "Global configuration";
}

/// The kinds of object an entry names.
pub mod object {
    pub const USER: &str = "User";
    pub const GROUP: &str = "Group";
    pub const SPACE: &str = "Space";
    pub const PAGE: &str = "Page";
    pub const BLOG_POST: &str = "Blog post";
    pub const COMMENT: &str = "Comment";
    pub const ATTACHMENT: &str = "Attachment";
    pub const TOKEN: &str = "Personal access token";
    pub const SETTING: &str = "Setting";
    pub const ANONYMOUS: &str = "Anonymous";
}

/// The object type of `content` in the audit log.
pub fn content_object_type(content: &cairn_core::Content) -> &'static str {
    match content.content_type {
        cairn_core::ContentType::Page => object::PAGE,
        cairn_core::ContentType::BlogPost => object::BLOG_POST,
        cairn_core::ContentType::Comment => object::COMMENT,
    }
}

/// An action of category Pages on `content`, naming its space.
pub async fn content_event(node: &Node, summary: &str, content: &cairn_core::Content) -> Event {
    let mut event = Event::new(
        category::PAGES,
        summary,
        content_object_type(content),
        content.title.clone(),
    )
    .with_id(content.id.0);
    if let Ok(Some(space)) = node.store.find_space_by_id(content.space_id).await {
        event = event.associated(object::SPACE, space.key.as_str());
    }
    event
}

/// What a use case did, for its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub category: &'static str,
    pub summary: String,
    pub object: AuditObject,
    pub object_id: String,
    pub associated: Vec<AuditObject>,
    pub changed: Vec<AuditChange>,
    pub description: String,
}

impl Event {
    /// An action of `category` on the object `object_type` named `name`.
    pub fn new(
        category: &'static str,
        summary: impl Into<String>,
        object_type: &str,
        name: impl Into<String>,
    ) -> Event {
        Event {
            category,
            summary: summary.into(),
            object: AuditObject {
                name: name.into(),
                object_type: object_type.to_string(),
            },
            object_id: String::new(),
            associated: Vec::new(),
            changed: Vec::new(),
            description: String::new(),
        }
    }

    pub fn with_id(mut self, id: impl ToString) -> Event {
        self.object_id = id.to_string();
        self
    }

    /// Another object involved (the space of a page, the group of a membership).
    pub fn associated(mut self, object_type: &str, name: impl Into<String>) -> Event {
        self.associated.push(AuditObject {
            name: name.into(),
            object_type: object_type.to_string(),
        });
        self
    }

    /// A value that changed from `old` to `new` (empty for none).
    pub fn changed(
        mut self,
        name: impl Into<String>,
        old: impl Into<String>,
        new: impl Into<String>,
    ) -> Event {
        self.changed.push(AuditChange {
            name: name.into(),
            old_value: old.into(),
            new_value: new.into(),
        });
        self
    }

    pub fn described(mut self, description: impl Into<String>) -> Event {
        self.description = description.into();
        self
    }
}

/// Records what `caller` did.
pub async fn record(node: &Node, caller: &Caller, event: Event) {
    let entry = entry(
        Some(caller.user.id.0),
        &caller.user.username,
        &caller.user.display_name,
        caller.address.as_deref(),
        caller.site_administrator,
        event,
    );
    append(&node.store, &entry).await;
}

/// Records an action taken without a signed-in request (the command line, the setup wizard's
/// first administrator), in the name of `actor`.
pub async fn record_unattended(store: &cairn_store::Store, actor: &str, event: Event) {
    let entry = entry(None, actor, actor, None, true, event);
    append(store, &entry).await;
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    Succeeded,
    Failed,
}

/// Records a sign-in attempt as `username` from `address`: a session started from the login form,
/// or credentials refused (form or HTTP Basic).
pub async fn record_sign_in(
    node: &Node,
    username: &str,
    user: Option<&cairn_core::User>,
    address: Option<&str>,
    outcome: SignIn,
) {
    let (summary, description) = match outcome {
        SignIn::Succeeded => ("User signed in", ""),
        SignIn::Failed => ("Failed sign-in attempt", "wrong username or password"),
    };
    let event =
        Event::new(category::SECURITY, summary, object::USER, username).described(description);
    let entry = entry(
        user.map(|user| user.id.0),
        username,
        user.map_or(username, |user| user.display_name.as_str()),
        address,
        false,
        event,
    );
    append(&node.store, &entry).await;
}

fn entry(
    author_id: Option<i64>,
    author_name: &str,
    author_display: &str,
    address: Option<&str>,
    sys_admin: bool,
    event: Event,
) -> NewAuditRecord {
    NewAuditRecord {
        author_id,
        author_name: author_name.to_string(),
        author_display: author_display.to_string(),
        remote_address: address.unwrap_or("").to_string(),
        category: event.category.to_string(),
        summary: event.summary,
        description: event.description,
        sys_admin,
        object: event.object,
        object_id: event.object_id,
        associated: event.associated,
        changed: event.changed,
    }
}

async fn append(store: &cairn_store::Store, entry: &NewAuditRecord) {
    if let Err(error) = store.append_audit_record(entry).await {
        tracing::error!(%error, summary = %entry.summary, object = %entry.object.name, "an audit entry could not be written");
    }
}

/// Entries matching `filter`, newest first (site administrators).
pub async fn list(
    node: &Node,
    caller: &Caller,
    filter: &AuditFilter,
    window: Window,
) -> Result<Listed<AuditRecord>, Error> {
    crate::access::require_site_administrator(caller, "read the audit log")?;
    Ok(node.store.audit_records(filter, window).await?)
}

/// Most entries one CSV export holds.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The entries matching `filter` as CSV, newest first, at most [`EXPORT_LIMIT`] (site
/// administrators).
pub async fn export_csv(
    node: &Node,
    caller: &Caller,
    filter: &AuditFilter,
) -> Result<String, Error> {
    crate::access::require_site_administrator(caller, "export the audit log")?;
    let mut csv = String::from(
        "Date,Author,Username,Remote address,Category,Summary,Description,Object type,Object,Associated objects,Changed values\n",
    );
    let mut start = 0;
    while start < EXPORT_LIMIT {
        let window = Window::new(start, 1000.min(EXPORT_LIMIT - start));
        let listed = node.store.audit_records(filter, window).await?;
        for record in &listed.items {
            csv_row(&mut csv, record);
        }
        if !listed.has_more {
            break;
        }
        start += window.limit;
    }
    Ok(csv)
}

fn csv_row(csv: &mut String, record: &AuditRecord) {
    let entry = &record.entry;
    let associated = entry
        .associated
        .iter()
        .map(|object| format!("{}: {}", object.object_type, object.name))
        .collect::<Vec<_>>()
        .join("; ");
    let changed = entry
        .changed
        .iter()
        .map(|change| {
            format!(
                "{}: {} -> {}",
                change.name, change.old_value, change.new_value
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let fields = [
        crate::clock::iso_utc(record.created_ms),
        entry.author_display.clone(),
        entry.author_name.clone(),
        entry.remote_address.clone(),
        entry.category.clone(),
        entry.summary.clone(),
        entry.description.clone(),
        entry.object.object_type.clone(),
        entry.object.name.clone(),
        associated,
        changed,
    ];
    let quoted: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
    csv.push_str(&quoted.join(","));
    csv.push('\n');
}

/// One CSV field (RFC 4180), with a leading formula character neutralised so a spreadsheet opens
/// the export as text.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// How long entries are kept: a number of days, months or years (Confluence's retention setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub number: u32,
    pub unit: RetentionUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionUnit {
    Days,
    Months,
    Years,
}

impl RetentionUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionUnit::Days => "DAYS",
            RetentionUnit::Months => "MONTHS",
            RetentionUnit::Years => "YEARS",
        }
    }

    pub fn parse(text: &str) -> Option<RetentionUnit> {
        match text.trim().to_ascii_uppercase().as_str() {
            "DAYS" | "DAY" => Some(RetentionUnit::Days),
            "MONTHS" | "MONTH" => Some(RetentionUnit::Months),
            "YEARS" | "YEAR" => Some(RetentionUnit::Years),
            _ => None,
        }
    }

    fn days(self) -> i64 {
        match self {
            RetentionUnit::Days => 1,
            RetentionUnit::Months => 30,
            RetentionUnit::Years => 365,
        }
    }
}

/// The site setting holding the retention (`3 YEARS`).
pub const RETENTION_SETTING: &str = "audit.retention";

/// Longest retention accepted: 20 years.
const MAX_RETENTION_DAYS: i64 = 20 * 365;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            number: 3,
            unit: RetentionUnit::Years,
        }
    }
}

impl Retention {
    /// A retention of `number` `unit`s; between one day and 20 years.
    pub fn new(number: i64, unit: RetentionUnit) -> Result<Retention, Error> {
        let days = number.saturating_mul(unit.days());
        if number < 1 || days > MAX_RETENTION_DAYS {
            return Err(Error::bad_request(
                "the retention period must be between 1 day and 20 years",
            ));
        }
        Ok(Retention {
            number: u32::try_from(number).map_err(|_| Error::bad_request("retention too long"))?,
            unit,
        })
    }

    pub fn as_setting(self) -> String {
        format!("{} {}", self.number, self.unit.as_str())
    }

    fn parse_setting(text: &str) -> Option<Retention> {
        let (number, unit) = text.trim().split_once(' ')?;
        Retention::new(number.parse().ok()?, RetentionUnit::parse(unit)?).ok()
    }

    pub fn as_millis(self) -> i64 {
        i64::from(self.number) * self.unit.days() * 24 * 3600 * 1000
    }
}

/// The retention in force.
pub async fn retention(node: &Node) -> Result<Retention, Error> {
    Ok(node
        .store
        .site_setting(RETENTION_SETTING)
        .await?
        .and_then(|text| Retention::parse_setting(&text))
        .unwrap_or_default())
}

/// Sets the retention (site administrators).
pub async fn set_retention(
    node: &Node,
    caller: &Caller,
    retention: Retention,
) -> Result<Retention, Error> {
    crate::access::require_site_administrator(caller, "change the audit log's retention")?;
    let old = self::retention(node).await?;
    node.store
        .set_site_setting(RETENTION_SETTING, &retention.as_setting(), now_ms())
        .await?;
    if old != retention {
        record(
            node,
            caller,
            Event::new(
                category::GLOBAL_CONFIGURATION,
                "Audit log retention changed",
                object::SETTING,
                "Audit log retention",
            )
            .changed("retention", old.as_setting(), retention.as_setting()),
        )
        .await;
    }
    Ok(retention)
}

/// Deletes entries past the retention period; answers how many went.
pub async fn prune(node: &Node) -> Result<u64, Error> {
    let retention = retention(node).await?;
    Ok(node
        .store
        .prune_audit_records(now_ms() - retention.as_millis())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn retention_is_bounded_and_read_back() {
        let retention = Retention::new(90, RetentionUnit::Days).expect("valid");
        assert_eq!(retention.as_setting(), "90 DAYS");
        assert_eq!(Retention::parse_setting("90 DAYS"), Some(retention));
        assert_eq!(retention.as_millis(), 90 * 86_400_000);
        assert!(Retention::new(0, RetentionUnit::Days).is_err());
        assert!(Retention::new(21, RetentionUnit::Years).is_err());
        assert!(Retention::new(20, RetentionUnit::Years).is_ok());
        assert_eq!(Retention::parse_setting("soon"), None);
        assert_eq!(Retention::default().as_setting(), "3 YEARS");
    }
}
