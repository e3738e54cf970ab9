//! The example content a new site can start with: one space, "Team Space" (`TEAM`), with a tree of
//! pages, a blog post, labels, an attachment and the macros people use most (table of contents,
//! page links, the children list, info panels, code, status, expand, tasks), so a newcomer sees
//! what a page can hold and has something to search. Written through the same use cases as any
//! author's pages.

use bytes::Bytes;
use cairn_core::{Content, ContentType, SpaceKey};

use crate::attachment::{Upload, UploadTarget};
use crate::error::Error;
use crate::page::{CreatePage, SavePage, WantedStatus};
use crate::space::CreateSpace;
use crate::{Caller, Node};

/// The example space's key.
pub const EXAMPLE_SPACE_KEY: &str = "TEAM";

/// What creating the example content did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleContent {
    Created,
    /// The space exists already (setup run again): nothing was changed.
    AlreadyThere,
}

const HOME_BODY: &str = r#"<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>This is an example space. Edit its pages, move them around, or delete the whole space once your team has its own.</p></ac:rich-text-body></ac:structured-macro>
<h2>Welcome</h2>
<p>This space keeps what the team needs to know: how to get started, how to do the recurring jobs, and what was decided in meetings.</p>
<ac:structured-macro ac:name="toc" ac:schema-version="1" />
<h2>In this space</h2>
<ul>
<li><ac:link><ri:page ri:content-title="Getting started" /></ac:link>: from nothing to a first change</li>
<li><ac:link><ri:page ri:content-title="How-to articles" /></ac:link>: the jobs the team does again and again</li>
<li><ac:link><ri:page ri:content-title="Meeting notes" /></ac:link>: what was decided</li>
</ul>
<h2>Updates</h2>
<p>News goes into the space's blog: see the <ac:link><ri:page ri:content-title="Getting started" /><ac:plain-text-link-body><![CDATA[getting started guide]]></ac:plain-text-link-body></ac:link> first.</p>"#;

const GETTING_STARTED: &str = r#"<p>Three steps take a new team member from nothing to a first change.</p>
<ol>
<li><p>Ask for an account in the team channel.</p></li>
<li><p>Clone the repository:</p>
<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:parameter ac:name="title">Clone</ac:parameter><ac:plain-text-body><![CDATA[git clone https://git.example.com/team/service.git
cd service
make test]]></ac:plain-text-body></ac:structured-macro></li>
<li><p>Pick an issue labelled <strong>good first issue</strong>.</p></li>
</ol>
<ac:structured-macro ac:name="tip" ac:schema-version="1"><ac:rich-text-body><p>Watch this space (the eye in the page's menu) to hear about new pages.</p></ac:rich-text-body></ac:structured-macro>"#;

const HOW_TO: &str = r#"<p>Step-by-step articles for the jobs the team does again and again.</p>
<ac:structured-macro ac:name="children" ac:schema-version="2" />"#;

const DEPLOY: &str = r#"<p>Status: <ac:structured-macro ac:name="status" ac:schema-version="1"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">Current</ac:parameter></ac:structured-macro></p>
<h2>Before you start</h2>
<p>Go through the attached checklist: <ac:link><ri:attachment ri:filename="release-checklist.md" /></ac:link>.</p>
<h2>Deploy</h2>
<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[./release.sh --version 1.4.0
./deploy.sh --environment production]]></ac:plain-text-body></ac:structured-macro>
<ac:structured-macro ac:name="warning" ac:schema-version="1"><ac:rich-text-body><p>Never deploy on a Friday afternoon.</p></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="expand" ac:schema-version="1"><ac:parameter ac:name="title">If something goes wrong</ac:parameter><ac:rich-text-body><p>Roll back with <code>./deploy.sh --rollback</code> and tell the on-call engineer.</p></ac:rich-text-body></ac:structured-macro>"#;

const ON_CALL: &str = r#"<p>The on-call rotation changes every Monday at 10:00.</p>
<ac:task-list>
<ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Hand over open incidents</ac:task-body></ac:task>
<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Update the pager schedule</ac:task-body></ac:task>
<ac:task><ac:task-id>3</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Check the alert thresholds</ac:task-body></ac:task>
</ac:task-list>"#;

const MEETING_NOTES: &str = r#"<h2>Attendees</h2>
<p>The whole team.</p>
<h2>Decisions</h2>
<table><tbody>
<tr><th><p>Topic</p></th><th><p>Decision</p></th><th><p>Owner</p></th></tr>
<tr><td><p>Release cadence</p></td><td><p>Every two weeks, on Tuesdays</p></td><td><p>Release manager</p></td></tr>
<tr><td><p>Documentation</p></td><td><p>Every feature gets a how-to article</p></td><td><p>Feature author</p></td></tr>
</tbody></table>
<ac:structured-macro ac:name="note" ac:schema-version="1"><ac:rich-text-body><p>Next meeting in two weeks.</p></ac:rich-text-body></ac:structured-macro>"#;

const BLOG_POST: &str = r#"<p>This space is where the team writes things down. Pages are for what stays true for a while; this blog is for news.</p>
<p>Start with the <ac:link><ri:page ri:content-title="Getting started" /></ac:link> page.</p>"#;

const CHECKLIST: &str = "# Release checklist\n\n- [ ] Changelog written\n- [ ] Tests green on main\n- [ ] Version bumped\n- [ ] Rollback plan known\n";

/// Creates the example space and its pages as `caller` (who becomes the space's administrator),
/// unless a space with its key exists.
pub async fn create(node: &Node, caller: &Caller) -> Result<ExampleContent, Error> {
    let key = SpaceKey::from_stored(EXAMPLE_SPACE_KEY);
    if node.store.find_space_by_key(&key).await?.is_some() {
        return Ok(ExampleContent::AlreadyThere);
    }
    let space = crate::space::create(
        node,
        caller,
        CreateSpace {
            key: EXAMPLE_SPACE_KEY.to_string(),
            name: Some("Team Space".to_string()),
            description: "An example space: how a team keeps its documentation in Cairn."
                .to_string(),
        },
    )
    .await?;
    let home_id = space
        .homepage_id
        .ok_or_else(|| Error::bad_request("the example space has no home page"))?;
    let home = node
        .store
        .find_content(home_id)
        .await?
        .ok_or_else(|| Error::content_not_found(home_id))?;
    crate::page::save(
        node,
        caller,
        SavePage {
            id: home.id,
            version_number: home.version + 1,
            title: None,
            body: Some(HOME_BODY.to_string()),
            parent_id: None,
            space_key: None,
            status: WantedStatus::Unnamed,
            message: "Welcome text".to_string(),
            minor_edit: false,
            labels: None,
            properties: Vec::new(),
        },
    )
    .await?;

    let page = |title: &str, body: &str, parent: Option<&Content>, labels: &[&str]| CreatePage {
        content_type: ContentType::Page,
        space_key: key.clone(),
        parent_id: parent.map(|parent| parent.id),
        title: title.to_string(),
        body: body.to_string(),
        draft: false,
        message: String::new(),
        minor_edit: false,
        labels: labels
            .iter()
            .map(|name| ("global".to_string(), name.to_string()))
            .collect(),
        properties: Vec::new(),
    };
    crate::page::create(
        node,
        caller,
        page(
            "Getting started",
            GETTING_STARTED,
            Some(&home),
            &["onboarding"],
        ),
    )
    .await?;
    let how_to = crate::page::create(
        node,
        caller,
        page("How-to articles", HOW_TO, Some(&home), &[]),
    )
    .await?;
    let deploy = crate::page::create(
        node,
        caller,
        page(
            "Deploy a release",
            DEPLOY,
            Some(&how_to),
            &["howto", "release"],
        ),
    )
    .await?;
    crate::page::create(
        node,
        caller,
        page("Rotate the on-call", ON_CALL, Some(&how_to), &["howto"]),
    )
    .await?;
    crate::page::create(
        node,
        caller,
        page(
            "Meeting notes",
            MEETING_NOTES,
            Some(&home),
            &["meeting-notes"],
        ),
    )
    .await?;
    crate::page::create(
        node,
        caller,
        CreatePage {
            content_type: ContentType::BlogPost,
            ..page("Welcome to the Team Space", BLOG_POST, None, &["news"])
        },
    )
    .await?;

    let mut upload = Upload::start(
        node,
        caller,
        deploy,
        UploadTarget::Files {
            allow_duplicated: false,
        },
    )
    .await?;
    let bytes = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(Bytes::from_static(
        CHECKLIST.as_bytes(),
    ))]);
    upload
        .receive("release-checklist.md", Some("text/markdown"), bytes)
        .await?;
    upload
        .record(caller, "The release checklist", false)
        .await?;
    tracing::info!(space = EXAMPLE_SPACE_KEY, user = %caller.user.username, "example content created");
    Ok(ExampleContent::Created)
}
