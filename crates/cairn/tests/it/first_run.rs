//! The first start of a fresh home, as a newcomer meets it: the setup wizard in the browser (driven
//! here over real HTTP, form by form), on each database, with Confluence's JDBC URLs pasted
//! verbatim, and the site served afterwards from the same process without a restart.

use cairn_testkit::{TestDb, TestDialect, every_dialect};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

use crate::{Node, cairn};

every_dialect!(the_wizard_sets_up_a_site_and_the_same_process_serves_it);

/// A browser that does not follow redirects, so each answer can be looked at.
fn browser() -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The database fields a newcomer fills in for `db`, and whether setup creates the database.
fn database_fields(db: &TestDb) -> (Vec<(&'static str, String)>, Option<String>) {
    let after_credentials = |url: &str| url.split_once('@').expect("user").1.to_string();
    match db.dialect {
        TestDialect::Sqlite => (vec![("databaseKind", "embedded".into())], None),
        // A database that does not exist yet: the wizard offers to create it.
        TestDialect::Postgres => {
            let missing = format!("{}_wizard", after_credentials(&db.url));
            let server_url = format!("postgres://postgres@{missing}");
            (
                vec![
                    ("databaseKind", "postgres".into()),
                    ("databaseUrl", format!("jdbc:postgresql://{missing}")),
                    ("databaseUser", "postgres".into()),
                    ("databasePassword", String::new()),
                ],
                Some(server_url),
            )
        }
        TestDialect::Mysql => (
            vec![
                ("databaseKind", "mysql".into()),
                (
                    "databaseUrl",
                    format!(
                        "jdbc:mysql://{}?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8",
                        after_credentials(&db.url)
                    ),
                ),
                ("databaseUser", "root".into()),
                ("databasePassword", String::new()),
            ],
            None,
        ),
    }
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    fields: &[(&str, String)],
) -> (StatusCode, String) {
    let response = client
        .post(format!("{base}/setup"))
        .form(fields)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.text().await.expect("text"))
}

async fn the_wizard_sets_up_a_site_and_the_same_process_serves_it(db: TestDb) {
    let home = tempfile::tempdir().expect("temp dir");
    let mut node = Node::start(cairn().arg("serve").arg("--home").arg(home.path()));
    let base = node.wait_until_serving();
    let client = browser();

    // Before setup, every page leads to the wizard and the API says why it cannot answer.
    let root = client.get(format!("{base}/")).send().await.expect("sent");
    assert_eq!(root.status(), StatusCode::SEE_OTHER);
    assert_eq!(root.headers()[LOCATION], "/setup");
    let api = client
        .get(format!("{base}/rest/api/space"))
        .send()
        .await
        .expect("sent");
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(api.text().await.expect("text").contains("/setup"));
    let status = client
        .get(format!("{base}/status"))
        .send()
        .await
        .expect("sent");
    assert!(status.text().await.expect("text").contains("FIRST_RUN"));
    let page = client
        .get(format!("{base}/setup"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("text").contains("setup token"));

    // The token from the home; a wrong one is refused at every step.
    let token = std::fs::read_to_string(home.path().join("setup-token"))
        .expect("the token is written to the home")
        .trim()
        .to_string();
    let (status, _) = post(
        &client,
        &base,
        &[("step", "token".into()), ("token", "guess".into())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post(
        &client,
        &base,
        &[
            ("step", "cluster".into()),
            ("token", "guess".into()),
            ("clusterName", "x".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let mut answers: Vec<(&str, String)> = vec![("token", token.clone())];
    let with = |answers: &Vec<(&'static str, String)>, extra: &[(&'static str, &str)]| {
        let mut fields = answers.clone();
        fields.extend(extra.iter().map(|(key, value)| (*key, value.to_string())));
        fields
    };
    let (status, body) = post(&client, &base, &with(&answers, &[("step", "token")])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Name the cluster"), "{body}");
    answers.push(("clusterName", "Docs cluster".into()));
    let (status, body) = post(&client, &base, &with(&answers, &[("step", "cluster")])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Choose the database"), "{body}");

    let (fields, to_create) = database_fields(&db);
    answers.extend(fields);
    if db.dialect == TestDialect::Mysql {
        let mut wrong = answers.clone();
        wrong.retain(|(key, _)| *key != "databasePassword");
        wrong.push(("databasePassword", "not-the-password".into()));
        let (_, body) = post(&client, &base, &with(&wrong, &[("step", "test-database")])).await;
        assert!(body.contains("refused the username or password"), "{body}");
    }
    let (status, body) = post(
        &client,
        &base,
        &with(&answers, &[("step", "test-database")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    if to_create.is_some() {
        assert!(body.contains("does not exist"), "{body}");
        assert!(body.contains("Create the database"), "{body}");
        let (status, body) = post(
            &client,
            &base,
            &with(&answers, &[("step", "create-database")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("The database is empty"), "{body}");
    } else if db.dialect == TestDialect::Sqlite {
        assert!(body.contains("one node"), "{body}");
    } else {
        assert!(body.contains("The database is empty"), "{body}");
    }
    let (status, body) = post(&client, &base, &with(&answers, &[("step", "database")])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Choose what to start with"), "{body}");
    // The tables are created at this step, each migration listed as it is applied.
    assert!(body.contains("migrations applied"), "{body}");
    assert!(body.contains("0001 foundation"), "{body}");
    answers.push(("content", "example".into()));
    answers.retain(|(key, value)| *key != "content" || value == "example");
    let (status, body) = post(&client, &base, &with(&answers, &[("step", "content")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("User management"), "{body}");
    let (status, body) = post(&client, &base, &with(&answers, &[("step", "users")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Create the administrator"), "{body}");

    let administrator = [
        ("step", "finish"),
        ("adminUsername", "boss"),
        ("adminFullName", "The Boss"),
        ("adminEmail", "boss@example.test"),
        ("adminPassword", "boss-password"),
    ];
    let (status, body) = post(
        &client,
        &base,
        &with(
            &answers,
            &[
                administrator.as_slice(),
                &[("adminPasswordAgain", "other-password")],
            ]
            .concat(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("differ"), "{body}");
    let finished = client
        .post(format!("{base}/setup"))
        .form(&with(
            &answers,
            &[
                administrator.as_slice(),
                &[("adminPasswordAgain", "boss-password")],
            ]
            .concat(),
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        finished.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        finished.text().await
    );
    assert_eq!(finished.headers()[LOCATION], "/");
    let cookie = finished.headers()[SET_COOKIE]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("cookie")
        .to_string();

    // The same process now serves the site, and the administrator is signed in.
    node.wait_for_line("Cairn is serving on");
    let dashboard = client
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(dashboard.text().await.expect("text").contains("Team Space"));
    let cluster: serde_json::Value = client
        .get(format!("{base}/rest/cairn/1/cluster"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(cluster["clusterName"], "Docs cluster");
    assert!(
        !home.path().join("setup-token").exists(),
        "the token is used once"
    );
    node.stop();

    // A restart needs no wizard: the home says which database to use.
    let mut again = Node::start(cairn().arg("serve").arg("--home").arg(home.path()));
    let base = again.wait_until_serving();
    let space = client
        .get(format!("{base}/rest/api/space/TEAM"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent");
    assert_eq!(space.status(), StatusCode::OK);
    again.stop();
    if let Some(created) = to_create {
        cairn_store::Store::drop_database(&created)
            .await
            .expect("the created database is dropped");
    }
}

every_dialect!(
    nodes_sharing_a_new_database_run_one_wizard_between_them,
    a_waiting_node_takes_the_wizard_over_when_its_node_dies
);

/// Two nodes started at once on one database with no users, as a Helm chart's replicas are: one
/// takes the wizard (and alone reports ready), the other says where setup is in progress and
/// serves the site as soon as it is done.
async fn nodes_sharing_a_new_database_run_one_wizard_between_them(db: TestDb) {
    let homes = [
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    ];
    let mut nodes: Vec<Node> = homes
        .iter()
        .map(|home| {
            Node::start(
                cairn()
                    .arg("serve")
                    .arg("--home")
                    .arg(home.path())
                    .env("CAIRN_DATABASE_URL", &db.url),
            )
        })
        .collect();
    let bases: Vec<String> = nodes.iter_mut().map(Node::wait_until_serving).collect();
    let client = browser();

    // Exactly one node holds the wizard: its home has the token, it is ready, it serves /setup.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let wizard = loop {
        let holding: Vec<usize> = (0..2)
            .filter(|index| homes[*index].path().join("setup-token").exists())
            .collect();
        if holding.len() == 1 {
            break holding[0];
        }
        assert!(holding.len() < 2, "both nodes run the wizard");
        assert!(
            std::time::Instant::now() < deadline,
            "no node runs the wizard"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let waiting = 1 - wizard;
    let (wizard_base, waiting_base) = (&bases[wizard], &bases[waiting]);
    let ready = |base: &str| {
        let request = client.get(format!("{base}/readyz")).send();
        async move { request.await.expect("sent").status() }
    };
    assert_eq!(ready(wizard_base).await, StatusCode::OK);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let elsewhere = loop {
        let response = client
            .get(format!("{waiting_base}/"))
            .send()
            .await
            .expect("sent");
        let status = response.status();
        let text = response.text().await.expect("text");
        if status == StatusCode::SERVICE_UNAVAILABLE && text.contains("being set up on node") {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the other node never said where setup is: {status} {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let port = wizard_base.rsplit(':').next().expect("port");
    assert!(elsewhere.contains(&format!(":{port} (pid")), "{elsewhere}");
    assert_eq!(ready(waiting_base).await, StatusCode::SERVICE_UNAVAILABLE);

    // The wizard, without its database step.
    let token = std::fs::read_to_string(homes[wizard].path().join("setup-token"))
        .expect("token")
        .trim()
        .to_string();
    let mut answers: Vec<(&str, String)> =
        vec![("token", token), ("clusterName", "Shared cluster".into())];
    let with = |answers: &Vec<(&'static str, String)>, extra: &[(&'static str, &str)]| {
        let mut fields = answers.clone();
        fields.extend(extra.iter().map(|(key, value)| (*key, value.to_string())));
        fields
    };
    let (status, body) = post(
        &client,
        wizard_base,
        &with(&answers, &[("step", "cluster")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Choose what to start with"), "{body}");
    assert!(
        body.contains("which every node of the cluster shares"),
        "{body}"
    );
    answers.push(("content", "empty".into()));
    let (status, _) = post(
        &client,
        wizard_base,
        &with(&answers, &[("step", "content")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(
        &client,
        wizard_base,
        &with(
            &answers,
            &[
                ("step", "finish"),
                ("adminUsername", "boss"),
                ("adminFullName", "The Boss"),
                ("adminEmail", "boss@example.test"),
                ("adminPassword", "boss-password"),
                ("adminPasswordAgain", "boss-password"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    // Both nodes serve the site now, the waiting one within a few seconds.
    for base in [wizard_base, waiting_base] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let answered = cairn_testkit::anonymous_client()
                .get(format!("{base}/rest/api/user/current"))
                .basic_auth("boss", Some("boss-password"))
                .send()
                .await
                .map(|response| response.status());
            if matches!(answered, Ok(StatusCode::OK)) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{base} never served the site: {answered:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    assert!(!homes[waiting].path().join("setup-token").exists());
    // The cluster's name chosen in the wizard is every node's.
    let cluster: serde_json::Value = cairn_testkit::anonymous_client()
        .get(format!("{waiting_base}/rest/cairn/1/cluster"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(cluster["clusterName"], "Shared cluster", "{cluster}");
    for node in nodes {
        node.stop();
    }
}

/// The node running a cluster's wizard dies (SIGKILL: no release of its lease): the waiting node
/// takes the wizard over once the lease lapses, with a token of its own, and reports ready.
async fn a_waiting_node_takes_the_wizard_over_when_its_node_dies(db: TestDb) {
    let homes = [
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    ];
    let mut nodes: Vec<Option<Node>> = homes
        .iter()
        .map(|home| {
            Some(Node::start(
                cairn()
                    .arg("serve")
                    .arg("--home")
                    .arg(home.path())
                    .env("CAIRN_DATABASE_URL", &db.url),
            ))
        })
        .collect();
    let bases: Vec<String> = nodes
        .iter_mut()
        .map(|node| node.as_mut().expect("node").wait_until_serving())
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let wizard = loop {
        if let Some(index) = (0..2).find(|index| homes[*index].path().join("setup-token").exists())
        {
            break index;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no node runs the wizard"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let waiting = 1 - wizard;
    let mut dead = nodes[wizard].take().expect("wizard node");
    dead.child.kill().expect("killed");
    let _ = dead.child.wait();

    // The lease lasts 20 s without renewal; the waiting node looks every 2 s.
    let client = browser();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
    loop {
        let has_token = homes[waiting].path().join("setup-token").exists();
        let ready = client
            .get(format!("{}/readyz", bases[waiting]))
            .send()
            .await
            .map(|response| response.status());
        if has_token && matches!(ready, Ok(StatusCode::OK)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the waiting node did not take the wizard over: token {has_token}, ready {ready:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let page = client
        .get(format!("{}/setup", bases[waiting]))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    if let Some(node) = nodes[waiting].take() {
        node.stop();
    }
}
