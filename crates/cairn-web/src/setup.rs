//! The first-run setup wizard at `/setup`, served while a home has no database configured and no
//! users: what Confluence's setup wizard asks, minus its licence and driver upload. The steps are
//! the setup token (printed in the log and written to `<home>/setup-token`, so nobody else on the
//! network can take over a fresh install), the cluster's name, the database (embedded, or
//! PostgreSQL or MySQL/MariaDB by URL, a Confluence JDBC URL pasted verbatim included, with "Test
//! connection"), the content to start with, user management, and the administrator. Finishing
//! signs the administrator in; the process then serves the site without a restart.
//!
//! The wizard keeps no state between requests: every step posts the answers so far (as hidden
//! fields) and the token, which is checked each time. What the choices do (probing and creating
//! the database, writing the settings, creating the administrator and the content) is the
//! [`SetupBackend`]'s, which the binary provides.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::request::{QueryPairs, parse_query};

mod content;

pub use content::UPLOAD_PREFIX;

/// A boxed future the backend answers with.
pub type BackendFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Which database the site uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// SQLite in the home: one node only.
    Embedded,
    Postgres,
    Mysql,
}

impl DatabaseKind {
    fn parse(text: &str) -> DatabaseKind {
        match text {
            "postgres" => DatabaseKind::Postgres,
            "mysql" => DatabaseKind::Mysql,
            _ => DatabaseKind::Embedded,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Embedded => "embedded",
            DatabaseKind::Postgres => "postgres",
            DatabaseKind::Mysql => "mysql",
        }
    }
}

/// The database the person chose.
#[derive(Debug, Clone)]
pub struct DatabaseChoice {
    pub kind: DatabaseKind,
    /// Cairn's URL or a JDBC URL; empty for the embedded database.
    pub url: String,
    /// Empty: the URL's (or none).
    pub user: String,
    /// An empty password is a password when `user` is given.
    pub password: String,
}

/// What the site starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentChoice {
    Empty,
    Example,
    /// A Confluence export in the node's import folder, imported once the site runs.
    Import(ImportChoice),
}

/// The Confluence export the site starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChoice {
    /// Its name in the import folder; names starting with [`content::UPLOAD_PREFIX`] are the
    /// wizard's uploads, removed once imported.
    pub file: String,
    /// The name to show (the uploaded file's own name).
    pub shown_as: String,
}

/// The first administrator.
#[derive(Clone)]
pub struct AdministratorChoice {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
}

/// Every choice of the wizard.
#[derive(Clone)]
pub struct SetupChoices {
    pub cluster_name: String,
    pub database: DatabaseChoice,
    pub content: ContentChoice,
    pub administrator: AdministratorChoice,
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseCheck {
    /// Setup can go on; the words say what it will do there.
    Ready(String),
    /// Setup cannot go on; `may_create` offers to create the missing database.
    Problem { message: String, may_create: bool },
}

/// What the wizard's choices do, provided by the binary (it owns the home and the settings).
pub trait SetupBackend: Send + Sync + 'static {
    /// Looks at the database `choice` names.
    fn check_database(&self, choice: DatabaseChoice) -> BackendFuture<DatabaseCheck>;
    /// Creates the missing database `choice` names.
    fn create_database(&self, choice: DatabaseChoice) -> BackendFuture<Result<(), String>>;
    /// Creates or updates the tables in the database `choice` names: answers the migrations
    /// applied, in order (none when its tables were current), or what went wrong in words.
    fn prepare_database(
        &self,
        choice: DatabaseChoice,
    ) -> BackendFuture<Result<Vec<String>, String>>;
    /// Applies every choice: settings written, database prepared, administrator and content
    /// created (an import is started once the site runs). Answers the administrator's new
    /// session secret, or what went wrong in words.
    fn finish(&self, choices: SetupChoices) -> BackendFuture<Result<String, String>>;
    /// The folder Confluence exports are imported from (`<home>/import`), when there is one.
    fn import_folder(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// The largest export the wizard accepts as an upload.
    fn import_limit_bytes(&self) -> u64 {
        0
    }
}

/// The wizard of one node.
pub struct Wizard {
    token: String,
    backend: Arc<dyn SetupBackend>,
    /// Cancelled once setup is finished; the server then hands over to the site.
    finished: CancellationToken,
    /// The SQLite file the embedded choice uses, to name it on the page.
    embedded_location: String,
    /// The database the node was started with, when it was (a cluster's nodes share one): the
    /// wizard then skips its database step and says which database it uses.
    preset_database: Option<String>,
}

impl Wizard {
    pub fn new(
        token: String,
        backend: Arc<dyn SetupBackend>,
        embedded_location: String,
    ) -> Arc<Wizard> {
        Arc::new(Wizard::build(token, backend, embedded_location, None))
    }

    /// A wizard for a node started with its database (`described`, credentials left out): the
    /// database step is skipped, as every node of the cluster already uses that database.
    pub fn with_database(
        token: String,
        backend: Arc<dyn SetupBackend>,
        described: String,
    ) -> Arc<Wizard> {
        Arc::new(Wizard::build(
            token,
            backend,
            String::new(),
            Some(described),
        ))
    }

    fn build(
        token: String,
        backend: Arc<dyn SetupBackend>,
        embedded_location: String,
        preset_database: Option<String>,
    ) -> Wizard {
        Wizard {
            token,
            backend,
            finished: CancellationToken::new(),
            embedded_location,
            preset_database,
        }
    }

    /// Whether `offered` is the setup token, compared in constant time.
    fn token_matches(&self, offered: &str) -> bool {
        let expected = self.token.as_bytes();
        let offered = offered.trim().as_bytes();
        if expected.len() != offered.len() {
            return false;
        }
        expected
            .iter()
            .zip(offered)
            .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
            == 0
    }
}

/// Serves the wizard on `listener` until setup is finished (answering `true`) or `shutdown` is
/// cancelled (answering `false`). In-flight requests complete before it returns.
pub async fn serve_wizard(
    listener: TcpListener,
    wizard: Arc<Wizard>,
    shutdown: CancellationToken,
) -> std::io::Result<bool> {
    let finished = wizard.finished.clone();
    let app = router(wizard).layer(axum::middleware::from_fn(crate::edge::security_headers));
    serve_until(listener, app, finished.clone(), shutdown)
        .await
        .map(|()| finished.is_cancelled())
}

/// Serves `app` on `listener` until `done` or `shutdown` is cancelled; requests in flight complete.
async fn serve_until(
    listener: TcpListener,
    app: Router,
    done: CancellationToken,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = done.cancelled() => {}
                _ = shutdown.cancelled() => {}
            }
        })
        .await
}

/// Serves the page of a node that waits while another node runs the wizard, until `done` or
/// `shutdown` is cancelled: every page says on which node setup is in progress (`holder()`, read
/// at each request) and reloads itself; `/readyz` and `/rest/` answer 503.
pub async fn serve_waiting(
    listener: TcpListener,
    holder: Arc<dyn Fn() -> String + Send + Sync>,
    done: CancellationToken,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let page = move || {
        let node = holder();
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta http-equiv="refresh" content="5";
                    title { "Setup in progress - Cairn" }
                    link rel="stylesheet" href="/static/cairn.css";
                }
                body {
                    header.top { span.brand { "Cairn" } }
                    main.content id="content" tabindex="-1" {
                        div.card {
                            h1.title { "Setup in progress" }
                            p id="setup-elsewhere" { "Cairn is being set up on node " code { (node) } ". Open that node's /setup to take part; this node serves the site as soon as setup is finished." }
                            p.muted { "This page reloads every few seconds." }
                        }
                    }
                }
            }
        }
    };
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/cairn.css", get(crate::ui::stylesheet))
        .route("/status", get(status))
        .fallback(move || {
            let markup = page();
            async move { html_response(StatusCode::SERVICE_UNAVAILABLE, markup) }
        })
        .layer(axum::middleware::from_fn(crate::edge::security_headers));
    serve_until(listener, app, done, shutdown).await
}

/// The wizard's routes: `/setup`, the assets its pages use, health endpoints that say setup is
/// pending, and everything else sent to `/setup` (or answered 503 under `/rest/`).
pub fn router(wizard: Arc<Wizard>) -> Router {
    Router::new()
        .route("/setup", get(first_screen).post(step))
        .route(
            "/setup/content",
            axum::routing::post(content::receive).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/status", get(status))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readiness))
        .route("/static/cairn.css", get(crate::ui::stylesheet))
        .route("/static/favicon.svg", get(crate::ui::favicon))
        .route("/favicon.ico", get(crate::ui::favicon))
        .fallback(elsewhere)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(wizard)
}

/// Confluence answers `/status` with `FIRST_RUN` until it is set up.
async fn status() -> Response {
    crate::error::json_body(&serde_json::json!({"state": "FIRST_RUN"}))
}

/// A cluster's wizard node is ready (a load balancer must send the newcomer to it, and only to it:
/// the waiting nodes are not); a lone node's wizard is not (nothing but setup is served).
async fn readiness(State(wizard): State<Arc<Wizard>>) -> Response {
    if wizard.preset_database.is_some() {
        return crate::error::json_body(
            &serde_json::json!({"ready": true, "setup": "setup is in progress on this node: finish it at /setup"}),
        );
    }
    not_ready().await
}

async fn not_ready() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        crate::error::json_body(
            &serde_json::json!({"ready": false, "setup": "Cairn is not set up yet: finish setup at /setup"}),
        ),
    )
        .into_response()
}

async fn elsewhere(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/rest/") {
        let error = crate::ApiError::new(
            cairn_app::ErrorCode::Busy,
            "Cairn is not set up yet: an administrator finishes setup at /setup",
        );
        let mut response = error.into_response();
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    }
    Redirect::to("/setup").into_response()
}

/// Every answer of the wizard so far, as the forms post them.
struct Answers {
    token: String,
    cluster_name: String,
    database: DatabaseChoice,
    content: ContentChoice,
}

impl Answers {
    fn from_form(form: &QueryPairs) -> Answers {
        let text = |name: &str| form.get(name).unwrap_or("").to_string();
        Answers {
            token: text("token"),
            cluster_name: text("clusterName").trim().to_string(),
            database: DatabaseChoice {
                kind: DatabaseKind::parse(form.get("databaseKind").unwrap_or("embedded")),
                url: text("databaseUrl").trim().to_string(),
                user: text("databaseUser").trim().to_string(),
                password: text("databasePassword"),
            },
            content: match form.get("content") {
                Some("example") => ContentChoice::Example,
                Some("import") => ContentChoice::Import(ImportChoice {
                    file: text("importFile").trim().to_string(),
                    shown_as: text("importName").trim().to_string(),
                }),
                _ => ContentChoice::Empty,
            },
        }
    }

    /// The answers as hidden fields, carried by the next step's form, except those named in
    /// `asked` (the step's own fields: a form must not post a name twice).
    fn hidden_except(&self, asked: &[&str]) -> Markup {
        let (content, import) = match &self.content {
            ContentChoice::Example => ("example", None),
            ContentChoice::Empty => ("empty", None),
            ContentChoice::Import(import) => ("import", Some(import)),
        };
        let fields = [
            ("token", self.token.as_str()),
            ("clusterName", self.cluster_name.as_str()),
            ("databaseKind", self.database.kind.as_str()),
            ("databaseUrl", self.database.url.as_str()),
            ("databaseUser", self.database.user.as_str()),
            ("databasePassword", self.database.password.as_str()),
            ("content", content),
            (
                "importFile",
                import.map_or("", |import| import.file.as_str()),
            ),
            (
                "importName",
                import.map_or("", |import| import.shown_as.as_str()),
            ),
        ];
        // The import's fields are carried only when there is an import.
        let carried = |name: &str, value: &str| {
            let unused_import_field = value.is_empty() && name.starts_with("import");
            !(asked.contains(&name) || unused_import_field)
        };
        html! {
            @for (name, value) in fields {
                @if carried(name, value) {
                    input type="hidden" name=(name) value=(value);
                }
            }
        }
    }

    /// Every answer as hidden fields.
    fn hidden(&self) -> Markup {
        self.hidden_except(&[])
    }
}

/// One wizard page.
fn wizard_page(title: &str, step_number: usize, body: Markup) -> Markup {
    const STEPS: [&str; 6] = [
        "Setup token",
        "Cluster",
        "Database",
        "Content",
        "Users",
        "Administrator",
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Cairn setup" }
                link rel="stylesheet" href="/static/cairn.css";
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            }
            body {
                header.top { span.brand { "Cairn" } }
                main.content.setup id="content" tabindex="-1" {
                    nav aria-label="Setup steps" {
                        ol.steps {
                            @for (index, name) in STEPS.iter().enumerate() {
                                li aria-current=[(index == step_number).then_some("step")] { (name) }
                            }
                        }
                    }
                    h1.title { (title) }
                    (body)
                }
            }
        }
    }
}

fn problem(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            p.notice.error role="alert" { (message) }
        }
    }
}

fn token_screen(error: Option<&str>) -> Markup {
    wizard_page(
        "Set up Cairn",
        0,
        html! {
            p { "Welcome. A few choices and this Cairn is ready: the cluster's name, the database, what to start with, and the administrator." }
            p { "To prove that you run this server, enter the setup token. Cairn printed it in its log when it started and wrote it to the file " code { "setup-token" } " in its home directory." }
            (problem(error))
            form.card method="post" action="/setup" {
                input type="hidden" name="step" value="token";
                label for="token" { "Setup token" }
                input type="text" id="token" name="token" required autocomplete="off" spellcheck="false";
                p { button.button type="submit" { "Continue" } }
            }
        },
    )
}

fn cluster_screen(answers: &Answers, error: Option<&str>) -> Markup {
    let name = if answers.cluster_name.is_empty() {
        "Cairn"
    } else {
        answers.cluster_name.as_str()
    };
    wizard_page(
        "Name the cluster",
        1,
        html! {
            p { "Every node of this site belongs to one cluster. Its name is shown on the Clustering page." }
            (problem(error))
            form.card method="post" action="/setup" {
                (answers.hidden_except(&["clusterName"]))
                input type="hidden" name="step" value="cluster";
                label for="clusterName" { "Cluster name" }
                input type="text" id="clusterName" name="clusterName" value=(name) required maxlength="100";
                p { button.button type="submit" { "Next" } }
            }
        },
    )
}

fn database_screen(wizard: &Wizard, answers: &Answers, check: Option<&DatabaseCheck>) -> Markup {
    let kind = answers.database.kind;
    let checked = |candidate: DatabaseKind| kind == candidate;
    wizard_page(
        "Choose the database",
        2,
        html! {
            p { "Drivers for PostgreSQL, MySQL and MariaDB are built in: nothing to upload, nothing to restart." }
            @match check {
                Some(DatabaseCheck::Ready(message)) => p.notice.ok role="status" id="database-check" { (message) },
                Some(DatabaseCheck::Problem { message, .. }) => p.notice.error role="alert" id="database-check" { (message) },
                None => {},
            }
            form.card method="post" action="/setup" {
                input type="hidden" name="token" value=(answers.token);
                input type="hidden" name="clusterName" value=(answers.cluster_name);
                input type="hidden" name="content" value="empty";
                fieldset {
                    legend { "Database" }
                    label.check {
                        input type="radio" name="databaseKind" value="embedded" checked[checked(DatabaseKind::Embedded)];
                        span { "Embedded (SQLite in " code { (wizard.embedded_location) } "): for one node only, good for trying Cairn" }
                    }
                    label.check {
                        input type="radio" name="databaseKind" value="postgres" checked[checked(DatabaseKind::Postgres)];
                        "PostgreSQL"
                    }
                    label.check {
                        input type="radio" name="databaseKind" value="mysql" checked[checked(DatabaseKind::Mysql)];
                        "MySQL or MariaDB"
                    }
                }
                label for="databaseUrl" { "Database URL" }
                input type="text" id="databaseUrl" name="databaseUrl" value=(answers.database.url)
                    placeholder="jdbc:postgresql://db.example.com:5432/confluence or postgres://db.example.com/cairn"
                    spellcheck="false" autocomplete="off";
                p.muted { "A JDBC URL from a Confluence configuration works as it is, e.g. "
                    code { "jdbc:mysql://host/db?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8" } "." }
                label for="databaseUser" { "Username" }
                input type="text" id="databaseUser" name="databaseUser" value=(answers.database.user) autocomplete="off";
                label for="databasePassword" { "Password" }
                input type="password" id="databasePassword" name="databasePassword" value=(answers.database.password) autocomplete="off";
                p {
                    button.button.secondary type="submit" name="step" value="test-database" { "Test connection" }
                    " "
                    @if let Some(DatabaseCheck::Problem { may_create: true, .. }) = check {
                        button.button.secondary type="submit" name="step" value="create-database" { "Create the database" }
                        " "
                    }
                    button.button type="submit" name="step" value="database" { "Next" }
                }
            }
        },
    )
}

fn users_screen(answers: &Answers) -> Markup {
    wizard_page(
        "User management",
        4,
        html! {
            form.card method="post" action="/setup" {
                (answers.hidden())
                input type="hidden" name="step" value="users";
                fieldset {
                    legend { "Where users and groups live" }
                    label.check {
                        input type="radio" name="directory" value="internal" checked;
                        "In Cairn's own directory"
                    }
                }
                p.muted { "Connecting LDAP, Active Directory or single sign-on will be offered here once Cairn supports them; the internal directory stays available then." }
                p { button.button type="submit" { "Next" } }
            }
        },
    )
}

fn administrator_screen(answers: &Answers, form: &QueryPairs, error: Option<&str>) -> Markup {
    let field = |name: &str| form.get(name).unwrap_or("").to_string();
    wizard_page(
        "Create the administrator",
        5,
        html! {
            p { "The administrator manages the site, its users and its spaces." }
            (problem(error))
            form.card method="post" action="/setup" {
                (answers.hidden())
                input type="hidden" name="step" value="finish";
                label for="adminUsername" { "Username" }
                input type="text" id="adminUsername" name="adminUsername" value=(field("adminUsername")) required autocomplete="username";
                label for="adminFullName" { "Full name" }
                input type="text" id="adminFullName" name="adminFullName" value=(field("adminFullName")) autocomplete="name";
                label for="adminEmail" { "Email" }
                input type="email" id="adminEmail" name="adminEmail" value=(field("adminEmail")) autocomplete="email";
                label for="adminPassword" { "Password (at least 8 characters)" }
                input type="password" id="adminPassword" name="adminPassword" required minlength="8" autocomplete="new-password";
                label for="adminPasswordAgain" { "Password again" }
                input type="password" id="adminPasswordAgain" name="adminPasswordAgain" required minlength="8" autocomplete="new-password";
                p { button.button type="submit" { "Finish setup" } }
            }
        },
    )
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

async fn first_screen() -> Response {
    html_response(StatusCode::OK, token_screen(None))
}

/// Every step posts here; `step` says which form was sent.
async fn step(State(wizard): State<Arc<Wizard>>, body: Bytes) -> Response {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let answers = Answers::from_form(&form);
    if !wizard.token_matches(&answers.token) {
        tracing::warn!("a setup step was refused: wrong setup token");
        return html_response(
            StatusCode::FORBIDDEN,
            token_screen(Some(
                "That is not the setup token. Copy it from the log or from the file setup-token in the home directory.",
            )),
        );
    }
    match form.get("step").unwrap_or("token") {
        "token" => html_response(StatusCode::OK, cluster_screen(&answers, None)),
        "cluster" => {
            let name = answers.cluster_name.as_str();
            if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
                return html_response(
                    StatusCode::BAD_REQUEST,
                    cluster_screen(&answers, Some("A cluster name is 1 to 100 characters.")),
                );
            }
            match &wizard.preset_database {
                Some(described) => html_response(
                    StatusCode::OK,
                    content::screen(&wizard, &answers, Some(described), None, None),
                ),
                None => html_response(StatusCode::OK, database_screen(&wizard, &answers, None)),
            }
        }
        "test-database" => {
            let check = wizard
                .backend
                .check_database(answers.database.clone())
                .await;
            html_response(
                StatusCode::OK,
                database_screen(&wizard, &answers, Some(&check)),
            )
        }
        "create-database" => {
            let check = match wizard
                .backend
                .create_database(answers.database.clone())
                .await
            {
                Ok(()) => {
                    wizard
                        .backend
                        .check_database(answers.database.clone())
                        .await
                }
                Err(message) => DatabaseCheck::Problem {
                    message,
                    may_create: false,
                },
            };
            html_response(
                StatusCode::OK,
                database_screen(&wizard, &answers, Some(&check)),
            )
        }
        "database" => {
            let check = wizard
                .backend
                .check_database(answers.database.clone())
                .await;
            match check {
                DatabaseCheck::Ready(_) => {
                    match wizard
                        .backend
                        .prepare_database(answers.database.clone())
                        .await
                    {
                        Ok(applied) => html_response(
                            StatusCode::OK,
                            content::screen(&wizard, &answers, None, Some(&applied), None),
                        ),
                        Err(message) => html_response(
                            StatusCode::BAD_REQUEST,
                            database_screen(
                                &wizard,
                                &answers,
                                Some(&DatabaseCheck::Problem {
                                    message,
                                    may_create: false,
                                }),
                            ),
                        ),
                    }
                }
                problem @ DatabaseCheck::Problem { .. } => html_response(
                    StatusCode::BAD_REQUEST,
                    database_screen(&wizard, &answers, Some(&problem)),
                ),
            }
        }
        "content" => content::chosen(&wizard, &answers),
        "users" => html_response(StatusCode::OK, administrator_screen(&answers, &form, None)),
        "finish" => finish(&wizard, answers, &form).await,
        other => html_response(
            StatusCode::BAD_REQUEST,
            token_screen(Some(&format!(
                "There is no setup step {other:?}; start again."
            ))),
        ),
    }
}

async fn finish(wizard: &Wizard, answers: Answers, form: &QueryPairs) -> Response {
    let field = |name: &str| form.get(name).unwrap_or("").to_string();
    let administrator = AdministratorChoice {
        username: field("adminUsername").trim().to_string(),
        full_name: field("adminFullName").trim().to_string(),
        email: field("adminEmail").trim().to_string(),
        password: field("adminPassword"),
    };
    let refuse = |message: &str| {
        html_response(
            StatusCode::BAD_REQUEST,
            administrator_screen(&answers, form, Some(message)),
        )
    };
    if administrator.username.is_empty() {
        return refuse("The administrator needs a username.");
    }
    if administrator.password != field("adminPasswordAgain") {
        return refuse("The two passwords differ.");
    }
    if administrator.password.chars().count() < cairn_app::account::MIN_PASSWORD_CHARS {
        return refuse("The password needs at least 8 characters.");
    }
    let choices = SetupChoices {
        cluster_name: answers.cluster_name.clone(),
        database: answers.database.clone(),
        content: answers.content.clone(),
        administrator,
    };
    let imports = matches!(choices.content, ContentChoice::Import(_));
    match wizard.backend.finish(choices).await {
        Ok(session_secret) => {
            tracing::info!("setup finished: serving the site");
            wizard.finished.cancel();
            let cookie = format!(
                "{}={session_secret}; Path=/; HttpOnly; SameSite=Lax",
                crate::auth::SESSION_COOKIE
            );
            // The import runs as a long task once the site serves: its screen shows the progress.
            let next = if imports {
                "/admin/importspace.action"
            } else {
                "/"
            };
            ([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response()
        }
        Err(message) => refuse(&message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl SetupBackend for Nothing {
        fn check_database(&self, _: DatabaseChoice) -> BackendFuture<DatabaseCheck> {
            Box::pin(async { DatabaseCheck::Ready(String::new()) })
        }
        fn create_database(&self, _: DatabaseChoice) -> BackendFuture<Result<(), String>> {
            Box::pin(async { Ok(()) })
        }
        fn prepare_database(
            &self,
            _: DatabaseChoice,
        ) -> BackendFuture<Result<Vec<String>, String>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn finish(&self, _: SetupChoices) -> BackendFuture<Result<String, String>> {
            Box::pin(async { Ok(String::new()) })
        }
    }

    #[test]
    fn only_the_exact_token_passes() {
        let wizard = Wizard::new("abc123".into(), Arc::new(Nothing), String::new());
        assert!(wizard.token_matches("abc123"));
        assert!(wizard.token_matches(" abc123\n"), "pasted with whitespace");
        assert!(!wizard.token_matches("abc124"));
        assert!(!wizard.token_matches("abc12"));
        assert!(!wizard.token_matches(""));
    }
}
