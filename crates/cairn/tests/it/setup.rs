//! `cairn setup`, unattended, as an administrator runs it on each database: with Confluence's JDBC
//! URLs given verbatim and the credentials apart, then `cairn serve --home H` with nothing else.

use cairn_testkit::{TestDb, TestDialect, every_dialect};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{Node, cairn, run};

every_dialect!(unattended_setup_prepares_a_home_that_serves_alone);

/// The arguments a Confluence administrator would paste for `db`: a JDBC URL and, apart, the user
/// and (empty) password. PostgreSQL's user comes from the URL's `?user=`, as JDBC allows.
fn confluence_style_database(db: &TestDb) -> Vec<String> {
    let after_credentials = |url: &str| {
        url.split_once('@')
            .map(|(_, rest)| rest.to_string())
            .expect("a server URL names its user")
    };
    match db.dialect {
        TestDialect::Sqlite => vec!["--database-url".into(), db.url.clone()],
        TestDialect::Postgres => vec![
            "--database-url".into(),
            format!(
                "jdbc:postgresql://{}?user=postgres",
                after_credentials(&db.url)
            ),
        ],
        TestDialect::Mysql => vec![
            "--database-url".into(),
            format!(
                "jdbc:mysql://{}?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8",
                after_credentials(&db.url)
            ),
            "--database-user".into(),
            "root".into(),
            "--database-password=".into(),
        ],
    }
}

async fn unattended_setup_prepares_a_home_that_serves_alone(db: TestDb) {
    let home = tempfile::tempdir().expect("temp dir");
    let setup = |extra: &[&str]| {
        let mut command = cairn();
        command
            .arg("setup")
            .arg("--home")
            .arg(home.path())
            .args(confluence_style_database(&db))
            .args(["--cluster-name", "Docs cluster", "--content", "example"])
            .args(["--admin-user", "boss", "--admin-password", "boss-password"])
            .args(["--admin-email", "boss@example.test"])
            .args(extra);
        run(&mut command)
    };
    let (ok, text) = setup(&[]);
    assert!(ok, "{text}");
    assert!(text.contains("created the example space TEAM"), "{text}");
    assert!(
        text.contains("Cairn is set up: cluster Docs cluster"),
        "{text}"
    );
    let settings = std::fs::read_to_string(home.path().join("cairn.toml")).expect("cairn.toml");
    let parsed: toml::Table = toml::from_str(&settings).expect("valid TOML");
    assert_eq!(parsed["cluster_name"].as_str(), Some("Docs cluster"));
    assert!(parsed.contains_key("database_url"), "{settings}");

    // Again, with the same choices: nothing changes, nothing fails.
    let (ok, text) = setup(&[]);
    assert!(ok, "{text}");
    assert!(text.contains("is there already"), "{text}");

    // The home alone says which database to use.
    let mut node = Node::start(cairn().arg("serve").arg("--home").arg(home.path()));
    let base = node.wait_until_serving();
    let client = cairn_testkit::anonymous_client();
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .basic_auth("boss", Some("boss-password"))
            .send()
    };
    let space = get("/rest/api/space/TEAM?expand=homepage")
        .await
        .expect("sent");
    assert_eq!(space.status(), StatusCode::OK);
    let space: Value = space.json().await.expect("json");
    assert_eq!(space["name"], "Team Space");
    let home_id = space["homepage"]["id"]
        .as_str()
        .expect("home page")
        .to_string();
    let children: Value = get(&format!("/rest/api/content/{home_id}/child/page"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let titles: Vec<&str> = children["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|page| page["title"].as_str())
        .collect();
    assert!(titles.contains(&"Getting started"), "{titles:?}");
    assert!(titles.contains(&"How-to articles"), "{titles:?}");
    let found: Value = get("/rest/api/search?cql=type%3Dpage%20and%20text~%22rollback%22")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(found["results"][0]["title"], "Deploy a release", "{found}");
    let files: Value = get(&format!(
        "/rest/api/content/{}/child/attachment",
        found["results"][0]["content"]["id"].as_str().expect("id")
    ))
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    assert_eq!(files["results"][0]["title"], "release-checklist.md");
    let cluster: Value = get("/rest/cairn/1/cluster")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(cluster["clusterName"], "Docs cluster");
    node.stop();
}

#[test]
fn setup_explains_what_it_cannot_do() {
    let home = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}?mode=rwc", home.path().join("x.db").display());
    for (arguments, words) in [
        (
            vec!["--database-url", "jdbc:oracle:thin:@db:1521:orcl"],
            "does not run on",
        ),
        (
            vec![
                "--database-url",
                sqlite.as_str(),
                "--content",
                "import:site.zip",
            ],
            "there is no export at site.zip",
        ),
        (vec!["--database-url", sqlite.as_str()], "no users yet"),
        (
            vec![
                "--database-url",
                sqlite.as_str(),
                "--admin-user",
                "boss",
                "--admin-password",
                "short",
            ],
            "at least 8 characters",
        ),
    ] {
        let (ok, text) = run(cairn()
            .arg("setup")
            .arg("--home")
            .arg(home.path())
            .args(&arguments));
        assert!(!ok, "{arguments:?}: {text}");
        assert!(text.contains(words), "{arguments:?}: {text}");
    }
}

#[tokio::test]
async fn read_only_mode_is_turned_on_and_off_from_the_command_line() {
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, text) = run(cairn().arg("setup").arg("--home").arg(home.path()).args([
        "--admin-user",
        "boss",
        "--admin-password",
        "boss-password",
    ]));
    assert!(ok, "{text}");
    let (ok, text) = run(cairn()
        .args(["admin", "read-only", "on", "--home"])
        .arg(home.path()));
    assert!(ok, "{text}");
    assert!(text.contains("read-only now"), "{text}");
    let mut node = Node::start(cairn().arg("serve").arg("--home").arg(home.path()));
    let base = node.wait_until_serving();
    let client = cairn_testkit::anonymous_client();
    let mode: Value = client
        .get(format!("{base}/rest/api/accessmode"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(mode, "READ_ONLY");
    let refused = client
        .post(format!("{base}/rest/api/space"))
        .basic_auth("boss", Some("boss-password"))
        .json(&serde_json::json!({"key": "NOPE", "name": "Nope"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    node.stop();
    let (ok, text) = run(cairn()
        .args(["admin", "read-only", "off", "--home"])
        .arg(home.path()));
    assert!(ok && text.contains("read-write now"), "{text}");
}
