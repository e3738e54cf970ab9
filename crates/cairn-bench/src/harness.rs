//! The load harness: logged-in virtual users playing the action mix against a Cairn on this host,
//! through the same HTTP requests a browser makes on Cairn's UI.
//!
//! Open model: actions start on a fixed schedule ([`OpenSchedule`]) whether or not earlier ones have
//! finished, and latency runs from the intended start. Each action's choices (which page, which
//! space) come from a stream seeded by the run's seed and the action's number.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::cookie::Jar;
use reqwest::{Client, Response, StatusCode, Url, redirect};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::error::BenchError;
use crate::manifest::Manifest;
use crate::mix::{Action, ActionMix};
use crate::report::{Recorder, RunSummary};
use crate::rng::SeededRng;
use crate::schedule::{OpenSchedule, corrected_latency};

/// Refuses anything but plain HTTP to this host: the harness is a load generator.
pub fn check_local_target(target: &str) -> Result<Url, BenchError> {
    let url = Url::parse(target)
        .map_err(|error| BenchError::invalid(format!("target {target:?} is not a URL: {error}")))?;
    let local = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    if url.scheme() != "http" || !local {
        return Err(BenchError::invalid(format!(
            "target {target} refused: only http://127.0.0.1, http://localhost or http://[::1] may be loaded"
        )));
    }
    Ok(url)
}

/// One logged-in browser: two clients on one cookie jar, one following redirects (as a browser
/// does after a form), one not (for requests whose answer is the redirect itself).
#[derive(Clone)]
pub struct VirtualUser {
    pub username: String,
    follow: Client,
    no_follow: Client,
}

fn client_builder(jar: &Arc<Jar>, timeout: Duration) -> reqwest::ClientBuilder {
    // reqwest is built with rustls but without a bundled provider (see cairn-blob); plain HTTP
    // never uses it, but building a client needs one installed.
    cairn_blob::install_ring_as_tls_provider();
    Client::builder()
        .cookie_provider(jar.clone())
        .timeout(timeout)
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
}

impl VirtualUser {
    /// A browser that has not logged in (for static files).
    pub fn anonymous(timeout: Duration) -> Result<VirtualUser, BenchError> {
        let jar = Arc::new(Jar::default());
        Ok(VirtualUser {
            username: String::new(),
            follow: client_builder(&jar, timeout).build()?,
            no_follow: client_builder(&jar, timeout)
                .redirect(redirect::Policy::none())
                .build()?,
        })
    }

    /// Opens the login form and submits it, as a browser does.
    pub async fn log_in(
        base: &Url,
        username: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<VirtualUser, BenchError> {
        let mut user = VirtualUser::anonymous(timeout)?;
        user.username = username.to_string();
        let form = user
            .follow
            .get(join(
                base,
                "/login.action?os_destination=%2Fdashboard.action",
            ))
            .send()
            .await?;
        if !form.status().is_success() {
            return Err(BenchError::invalid(format!(
                "the login form answered {}",
                form.status()
            )));
        }
        form.bytes().await?;
        let response = user
            .follow
            .post(join(base, "/login.action"))
            .form(&[
                ("os_username", username),
                ("os_password", password),
                ("os_destination", "/dashboard.action"),
            ])
            .send()
            .await?;
        if response.url().path() != "/dashboard.action" {
            return Err(BenchError::invalid(format!(
                "login as {username} failed (ended at {} with {})",
                response.url().path(),
                response.status()
            )));
        }
        expect_page(response).await.map_err(BenchError::Invalid)?;
        Ok(user)
    }
}

fn join(base: &Url, path_and_query: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path_and_query)
}

/// Reads a whole answer (a browser downloads it) and checks it is a page: 2xx, not the login form.
async fn expect_page(response: Response) -> Result<Response, String> {
    let status = response.status();
    let url = response.url().clone();
    if !status.is_success() {
        return Err(format!("{status} from {}", url.path()));
    }
    if url.path() == "/login.action" && url.query().is_some_and(|q| q.contains("os_destination")) {
        return Err(format!("sent to the login page from {}", url.path()));
    }
    Ok(response)
}

async fn read_page(response: Response) -> Result<(Url, bytes::Bytes), String> {
    let response = expect_page(response).await?;
    let url = response.url().clone();
    let body = response
        .bytes()
        .await
        .map_err(|error| format!("body of {}: {error}", url.path()))?;
    Ok((url, body))
}

fn transport(error: reqwest::Error) -> String {
    let path = error.url().map(|url| url.path().to_string());
    match path {
        Some(path) => format!("{} ({path})", error.without_url()),
        None => error.to_string(),
    }
}

/// Everything an action needs besides its virtual user.
pub struct Workload {
    base: Url,
    manifest: Arc<Manifest>,
    /// Makes titles and file names of this run distinct from every other run's.
    run_tag: String,
    /// Numbers created content within the run.
    created: AtomicU64,
}

impl Workload {
    pub fn new(base: Url, manifest: Arc<Manifest>) -> Workload {
        let run_tag = format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
        );
        Workload {
            base,
            manifest,
            run_tag,
            created: AtomicU64::new(0),
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        join(&self.base, path_and_query)
    }

    fn next_name(&self) -> String {
        format!(
            "{}-{}",
            self.run_tag,
            self.created.fetch_add(1, Ordering::Relaxed)
        )
    }

    async fn view(&self, user: &VirtualUser, id: i64) -> Result<(), String> {
        let response = user
            .follow
            .get(self.url(&format!("/pages/viewpage.action?pageId={id}")))
            .send()
            .await
            .map_err(transport)?;
        read_page(response).await.map(|_| ())
    }

    async fn get(&self, user: &VirtualUser, path: &str) -> Result<(Url, bytes::Bytes), String> {
        let response = user
            .follow
            .get(self.url(path))
            .send()
            .await
            .map_err(transport)?;
        read_page(response).await
    }

    async fn post_form(
        &self,
        user: &VirtualUser,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Url, String> {
        let response = user
            .follow
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .map_err(transport)?;
        read_page(response).await.map(|(url, _)| url)
    }

    /// Runs one action with choices drawn from `rng`.
    pub async fn perform(
        &self,
        action: Action,
        user: &VirtualUser,
        rng: &mut SeededRng,
    ) -> Result<(), String> {
        let manifest = &self.manifest;
        match action {
            Action::ViewPage => self.view(user, rng.pick(&manifest.pages).id).await,
            Action::ViewBlog => self.view(user, *rng.pick(&manifest.blog_posts)).await,
            Action::ViewDashboard => self.get(user, "/dashboard.action").await.map(|_| ()),
            Action::SearchCql => {
                let word = rng.pick(&manifest.search_words);
                self.get(user, &format!("/dosearchsite.action?queryString={word}"))
                    .await
                    .map(|_| ())
            }
            Action::CreateBlog => {
                let space = rng.pick(&manifest.space_keys).clone();
                self.get(
                    user,
                    &format!("/pages/createblogpost.action?spaceKey={space}"),
                )
                .await?;
                let title = format!("Load test post {}", self.next_name());
                let body = new_body(rng, 2);
                self.post_form(
                    user,
                    "/pages/createpage.action",
                    &[
                        ("spaceKey", &space),
                        ("type", "blogpost"),
                        ("title", &title),
                        ("body", &body),
                    ],
                )
                .await
                .map(|_| ())
            }
            Action::CreateAndEditPage => {
                let parent = rng.pick(&manifest.pages).clone();
                self.get(
                    user,
                    &format!(
                        "/pages/createpage.action?spaceKey={}&fromPageId={}",
                        parent.space_key, parent.id
                    ),
                )
                .await?;
                let title = format!("Load test page {}", self.next_name());
                let body = new_body(rng, 3);
                let parent_id = parent.id.to_string();
                let created = self
                    .post_form(
                        user,
                        "/pages/createpage.action",
                        &[
                            ("spaceKey", &parent.space_key),
                            ("type", "page"),
                            ("parentId", &parent_id),
                            ("title", &title),
                            ("body", &body),
                        ],
                    )
                    .await?;
                let new_id = created
                    .query_pairs()
                    .find(|(name, _)| name == "pageId")
                    .map(|(_, value)| value.into_owned())
                    .ok_or_else(|| format!("creating a page ended at {created}"))?;
                self.get(user, &format!("/pages/editpage.action?pageId={new_id}"))
                    .await?;
                let edited_body = format!("{body}<p>Edited: {}</p>", crate::text::sentence(rng, 8));
                self.post_form(
                    user,
                    "/pages/editpage.action",
                    &[
                        ("pageId", &new_id),
                        ("originalVersion", "1"),
                        ("title", &title),
                        ("body", &edited_body),
                        ("message", "load test edit"),
                    ],
                )
                .await
                .map(|_| ())
            }
            Action::CommentPage => {
                let page = rng.pick(&manifest.pages).id;
                self.view(user, page).await?;
                let text = crate::text::sentence(rng, 15);
                self.post_form(
                    user,
                    &format!("/pages/doaddcomment.action?pageId={page}"),
                    &[("comment", &text)],
                )
                .await
                .map(|_| ())
            }
            Action::ViewAttachment => {
                let attachment = rng.pick(&manifest.attachments).clone();
                self.view(user, attachment.page_id).await?;
                let filename = percent_encoding::utf8_percent_encode(
                    &attachment.filename,
                    percent_encoding::NON_ALPHANUMERIC,
                );
                self.get(
                    user,
                    &format!("/download/attachments/{}/{filename}", attachment.page_id),
                )
                .await
                .map(|_| ())
            }
            Action::UploadAttachment => {
                let page = rng.pick(&manifest.pages).id;
                self.view(user, page).await?;
                let filename = format!("upload-{}.txt", self.next_name());
                let bytes = crate::blobs::document_bytes(&filename, 2_000, rng.next_u64());
                let part = reqwest::multipart::Part::bytes(bytes)
                    .file_name(filename)
                    .mime_str("text/plain")
                    .map_err(|error| error.to_string())?;
                let form = reqwest::multipart::Form::new()
                    .part("file", part)
                    .text("comment", "load test upload");
                let response = user
                    .follow
                    .post(self.url(&format!("/pages/doattachfile.action?pageId={page}")))
                    .multipart(form)
                    .send()
                    .await
                    .map_err(transport)?;
                read_page(response).await.map(|_| ())
            }
            Action::LikePage => {
                // No likes in Cairn: a label is the closest small write on a page. The UI's form
                // answers with a redirect to the page, which an XHR-based like would not load.
                let page = rng.pick(&manifest.pages).id;
                let response = user
                    .no_follow
                    .post(self.url(&format!("/labels/addlabel.action?pageId={page}")))
                    .form(&[("labels", "liked")])
                    .send()
                    .await
                    .map_err(transport)?;
                let status = response.status();
                if status != StatusCode::SEE_OTHER && !status.is_success() {
                    return Err(format!("{status} from {}", response.url().path()));
                }
                response.bytes().await.map(|_| ()).map_err(transport)
            }
        }
    }
}

/// A small body in storage format for pages and posts created during the run.
fn new_body(rng: &mut SeededRng, paragraphs: usize) -> String {
    let mut body = String::new();
    for _ in 0..paragraphs {
        body.push_str(&format!("<p>{}</p>", crate::text::sentence(rng, 30)));
    }
    body.push_str("<ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>Created by the load harness.</p></ac:rich-text-body></ac:structured-macro>");
    body
}

/// How the harness is set up.
#[derive(Debug, Clone)]
pub struct HarnessOptions {
    pub virtual_users: usize,
    pub seed: u64,
    /// Most actions in flight at once; later arrivals wait (and the wait counts in their latency).
    pub max_in_flight: usize,
    /// Longest time one action may take before it counts as an error.
    pub action_timeout: Duration,
}

/// Logged-in virtual users and the workload, ready to run schedules.
pub struct Harness {
    users: Vec<VirtualUser>,
    workload: Arc<Workload>,
    options: HarnessOptions,
}

impl Harness {
    /// Logs in the virtual users (a few at a time).
    pub async fn connect(
        base: Url,
        manifest: Arc<Manifest>,
        options: HarnessOptions,
    ) -> Result<Harness, BenchError> {
        manifest.check()?;
        let count = options.virtual_users.clamp(1, manifest.usernames.len());
        let mut users = Vec::with_capacity(count);
        for chunk in manifest.usernames[..count].chunks(4) {
            let mut logins = JoinSet::new();
            for username in chunk {
                let (base, username, password) =
                    (base.clone(), username.clone(), manifest.password.clone());
                let timeout = options.action_timeout;
                logins.spawn(async move {
                    VirtualUser::log_in(&base, &username, &password, timeout).await
                });
            }
            while let Some(joined) = logins.join_next().await {
                let user = joined.map_err(|error| {
                    BenchError::invalid(format!("login task failed: {error}"))
                })??;
                users.push(user);
            }
        }
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(Harness {
            users,
            workload: Arc::new(Workload::new(base, manifest)),
            options,
        })
    }

    /// Plays `mix` on the open `schedule` and returns the figures. `stream` separates the choices of
    /// several runs with one seed (the steps of a step-up search).
    pub async fn run_open(
        &self,
        mix: &ActionMix,
        schedule: OpenSchedule,
        stream: u64,
    ) -> Result<RunSummary, BenchError> {
        schedule.check().map_err(BenchError::Invalid)?;
        let semaphore = Arc::new(Semaphore::new(self.options.max_in_flight.max(1)));
        let mut tasks: JoinSet<(Action, Result<Duration, String>)> = JoinSet::new();
        let mut recorder = Recorder::default();
        let start = Instant::now();
        for index in 0..schedule.action_count() {
            let intended_offset = schedule.intended_offset(index);
            tokio::time::sleep_until(start + intended_offset).await;
            let mut rng = SeededRng::derive(self.options.seed ^ stream.wrapping_mul(0x9E37), index);
            let action = mix.choose(rng.next_u64());
            let user = self.users[rng.index(self.users.len())].clone();
            let (workload, semaphore) = (self.workload.clone(), semaphore.clone());
            let timeout = self.options.action_timeout;
            tasks.spawn(async move {
                let outcome = match semaphore.acquire_owned().await {
                    Ok(_permit) => {
                        match tokio::time::timeout(
                            timeout,
                            workload.perform(action, &user, &mut rng),
                        )
                        .await
                        {
                            Ok(result) => result,
                            Err(_) => Err(format!("no answer within {timeout:?}")),
                        }
                    }
                    Err(_) => Err("harness stopped".to_string()),
                };
                let latency = corrected_latency(intended_offset, start.elapsed());
                (action, outcome.map(|()| latency))
            });
            while let Some(done) = tasks.try_join_next() {
                record(&mut recorder, done);
            }
        }
        while let Some(done) = tasks.join_next().await {
            record(&mut recorder, done);
        }
        Ok(recorder.summarize(start.elapsed()))
    }

    /// The user a closed-loop page-view test uses.
    pub fn first_user(&self) -> &VirtualUser {
        &self.users[0]
    }
}

fn record(
    recorder: &mut Recorder,
    done: Result<(Action, Result<Duration, String>), tokio::task::JoinError>,
) {
    match done {
        Ok((action, Ok(latency))) => recorder.record_success(action, latency),
        Ok((action, Err(message))) => recorder.record_error(action, message),
        Err(error) => recorder.record_error(Action::ViewPage, format!("task failed: {error}")),
    }
}

/// The result of a step-up search.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepUpResult {
    pub target_p95_ms: f64,
    pub steps: Vec<(f64, RunSummary)>,
    /// The highest rate at which every action kept its p95 under the target.
    pub best_rate: Option<f64>,
}

/// What a step-up search tries and what it must keep.
#[derive(Debug, Clone)]
pub struct StepUpPlan {
    /// Rates to try, in order (see [`crate::schedule::step_rates`]).
    pub rates: Vec<f64>,
    /// How long each rate runs.
    pub step: Duration,
    pub max_actions_per_step: u64,
    /// Every action's p95 must stay under this.
    pub target_p95_ms: f64,
    /// Largest share of failed actions a passing step may have.
    pub max_error_rate: f64,
}

impl Harness {
    /// Runs the mix at each rate of the plan, stopping at the first rate where some action's p95
    /// reaches the target or errors exceed the allowed share.
    pub async fn step_up(
        &self,
        mix: &ActionMix,
        plan: &StepUpPlan,
        on_step: &mut dyn FnMut(f64, &RunSummary),
    ) -> Result<StepUpResult, BenchError> {
        let mut result = StepUpResult {
            target_p95_ms: plan.target_p95_ms,
            steps: Vec::new(),
            best_rate: None,
        };
        for (index, &rate) in plan.rates.iter().enumerate() {
            let schedule = OpenSchedule {
                rate_per_second: rate,
                duration: plan.step,
                max_actions: plan.max_actions_per_step,
            };
            let summary = self.run_open(mix, schedule, index as u64 + 1).await?;
            on_step(rate, &summary);
            let passed = summary.meets(plan.target_p95_ms, plan.max_error_rate);
            result.steps.push((rate, summary));
            if !passed {
                break;
            }
            result.best_rate = Some(rate);
        }
        Ok(result)
    }
}

/// Closed loop on one URL: `concurrency` workers fetch `path` back to back for `duration` with
/// `user`'s client; the figure is completed fetches per second. Used to set a page view of Cairn
/// against the same bytes served as a static file.
pub async fn closed_loop_get(
    base: &Url,
    user: &VirtualUser,
    path: &str,
    concurrency: usize,
    duration: Duration,
) -> RunSummary {
    let start = Instant::now();
    let deadline = start + duration;
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let client = user.follow.clone();
        let url = join(base, path);
        workers.spawn(async move {
            let mut recorder = Recorder::default();
            while Instant::now() < deadline {
                let began = Instant::now();
                let outcome = match client.get(&url).send().await {
                    Ok(response) => read_page(response).await.map(|_| ()),
                    Err(error) => Err(transport(error)),
                };
                match outcome {
                    Ok(()) => recorder.record_success(Action::ViewPage, began.elapsed()),
                    Err(message) => recorder.record_error(Action::ViewPage, message),
                }
            }
            recorder
        });
    }
    let mut total = Recorder::default();
    while let Some(Ok(recorder)) = workers.join_next().await {
        total.merge(&recorder);
    }
    total.summarize(start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_plain_http_targets_are_accepted() {
        assert!(check_local_target("http://127.0.0.1:8090").is_ok());
        assert!(check_local_target("http://localhost:8090/").is_ok());
        assert!(check_local_target("http://[::1]:8090").is_ok());
        assert!(check_local_target("http://10.0.0.1:8090").is_err());
        assert!(check_local_target("http://example.com").is_err());
        assert!(check_local_target("https://127.0.0.1:8090").is_err());
        assert!(check_local_target("http://127.0.0.1.example.com").is_err());
        assert!(check_local_target("not a url").is_err());
    }
}
