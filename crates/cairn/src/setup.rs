//! `cairn setup`: the choices of Confluence's setup wizard, made without a browser. It writes the
//! cluster name and the database into the home's `cairn.toml` (so `cairn serve --home H` needs
//! nothing else), prepares the database, creates the administrator and, when asked, the example
//! content. Running it again with the same choices changes nothing.

use std::path::Path;

use anyhow::{Context, anyhow};
use clap::Args;

use crate::config::{self, Settings};
use crate::{HomeArgs, connect, init_logging, load_settings};

/// What the site starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentChoice {
    Empty,
    Example,
    Import(String),
}

fn parse_content(text: &str) -> Result<ContentChoice, String> {
    match text {
        "empty" => Ok(ContentChoice::Empty),
        "example" => Ok(ContentChoice::Example),
        other => match other.strip_prefix("import:") {
            Some(file) if !file.is_empty() => Ok(ContentChoice::Import(file.to_string())),
            _ => Err("expected empty, example or import:FILE".to_string()),
        },
    }
}

#[derive(Args, Clone)]
pub struct SetupArgs {
    #[command(flatten)]
    pub home: HomeArgs,
    /// The cluster's name, shown on the Clustering page.
    #[arg(long, env = "CAIRN_CLUSTER_NAME")]
    pub cluster_name: Option<String>,
    /// The database user, when it is not in the URL.
    #[arg(long, env = "CAIRN_DATABASE_USER")]
    pub database_user: Option<String>,
    /// The database password, when it is not in the URL (an empty password is a password).
    #[arg(long, env = "CAIRN_DATABASE_PASSWORD")]
    pub database_password: Option<String>,
    /// What the site starts with: empty, example (a space with a tree of pages) or import:FILE.
    #[arg(long, default_value = "empty", value_parser = parse_content)]
    pub content: ContentChoice,
    /// The administrator's username (created if missing).
    #[arg(long, env = "CAIRN_ADMIN_USER")]
    pub admin_user: Option<String>,
    #[arg(long, env = "CAIRN_ADMIN_PASSWORD")]
    pub admin_password: Option<String>,
    #[arg(long, env = "CAIRN_ADMIN_EMAIL", default_value = "")]
    pub admin_email: String,
    #[arg(long, env = "CAIRN_ADMIN_NAME", default_value = "")]
    pub admin_name: String,
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            character if character.is_control() => {
                quoted.push_str(&format!("\\u{:04X}", u32::from(character)));
            }
            character => quoted.push(character),
        }
    }
    quoted.push('"');
    quoted
}

/// `text` (a settings file) with `key` set to `value`: an existing line is replaced, a commented
/// example of the key is followed by the setting, and otherwise the setting is appended. Other
/// lines and comments stay as they are.
fn with_setting(text: &str, key: &str, value: &str) -> String {
    let line = format!("{key} = {}", toml_string(value));
    let is_setting = |candidate: &str| {
        candidate
            .split_once('=')
            .is_some_and(|(name, _)| name.trim() == key)
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some(position) = lines.iter().position(|candidate| is_setting(candidate)) {
        lines[position] = line;
    } else if let Some(position) = lines.iter().position(|candidate| {
        candidate
            .trim_start()
            .strip_prefix('#')
            .is_some_and(|commented| is_setting(commented.trim_start()))
    }) {
        lines.insert(position + 1, line);
    } else {
        lines.push(line);
    }
    let mut written = lines.join("\n");
    written.push('\n');
    written
}

/// Writes `choices` (key and value) into the home's settings file, leaving everything else as it is.
pub fn write_choices(home: &Path, choices: &[(&str, String)]) -> anyhow::Result<()> {
    let path = home.join(config::CONFIG_FILE);
    let mut text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    for (key, value) in choices {
        text = with_setting(&text, key, value);
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the choices that belong in the home's settings file.
fn write_settings(home: &Path, args: &SetupArgs) -> anyhow::Result<()> {
    let choices: Vec<(&str, String)> = [
        ("cluster_name", args.cluster_name.as_deref()),
        ("database_url", args.home.database_url.as_deref()),
        ("database_user", args.database_user.as_deref()),
        ("database_password", args.database_password.as_deref()),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|value| (key, value.to_string())))
    .collect();
    write_choices(home, &choices)
}

pub async fn setup(args: SetupArgs) -> anyhow::Result<()> {
    if let ContentChoice::Import(file) = &args.content
        && !Path::new(file).is_file()
    {
        return Err(anyhow!("there is no export at {file}"));
    }
    // The database URL comes from --database-url or CAIRN_DATABASE_URL; either way it is written
    // into the home, so that `cairn serve` needs neither.
    let mut args = args;
    if args.home.database_url.is_none() {
        args.home.database_url = std::env::var("CAIRN_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
    }
    // Check what can be checked before anything is written.
    if let Some(url) = &args.home.database_url {
        cairn_store::DatabaseUrl::parse(
            url,
            args.database_user.as_deref(),
            args.database_password.as_deref(),
        )
        .map_err(|error| anyhow!("the database URL is not usable: {error}"))?;
    }
    // The home's settings file is created by load_settings; the choices go into it, and then the
    // settings are read back through the usual layers, as `cairn serve` will read them.
    let without_flag = HomeArgs {
        database_url: None,
        ..args.home.clone()
    };
    let created = load_settings(&without_flag, config::FlagValues::default())?;
    write_settings(&created.home, &args)?;
    let settings: Settings = load_settings(&without_flag, config::FlagValues::default())?;
    init_logging(&settings.log);
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;

    let administrator = match (&args.admin_user, &args.admin_password) {
        (Some(username), Some(password)) => {
            let existing = store.find_user_by_username(username).await?;
            match existing {
                Some(user) => user,
                None => {
                    let account = cairn_app::account::NewAccount {
                        username: username.clone(),
                        display_name: args.admin_name.clone(),
                        email: args.admin_email.clone(),
                        password: password.clone(),
                        administrator: true,
                    };
                    cairn_app::account::create_unattended(
                        &store,
                        account,
                        cairn_app::account::UNATTENDED_ACTOR,
                    )
                    .await
                    .map_err(|error| {
                        anyhow!("cannot create the administrator: {}", error.message)
                    })?
                }
            }
        }
        (Some(_), None) => return Err(anyhow!("--admin-password is needed with --admin-user")),
        (None, _) if store.count_users().await? == 0 => {
            return Err(anyhow!(
                "there are no users yet: give --admin-user and --admin-password"
            ));
        }
        (None, _) => {
            if args.content != ContentChoice::Empty {
                return Err(anyhow!(
                    "--content example and import need --admin-user (the example pages are theirs; an import runs as them)"
                ));
            }
            finish(&store, &settings).await;
            return Ok(());
        }
    };

    if let ContentChoice::Import(file) = &args.content {
        let s3_settings =
            cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
        let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
            .await
            .context("cannot open the blob store")?;
        let report = crate::import::import_showing_progress(
            &store,
            &blobs,
            Path::new(file),
            cairn_import::ImportOptions::default(),
        )
        .await;
        match report {
            Ok(report) => print!("{report}"),
            // The administrator and the settings stay: the import can be run again with `cairn
            // import confluence` or from the Import space screen.
            Err(error) => {
                store.close().await;
                return Err(error.context(
                    "setup is done but the import failed; run `cairn import confluence FILE` again",
                ));
            }
        }
    }
    if args.content == ContentChoice::Example {
        let s3_settings =
            cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
        let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
            .await
            .context("cannot open the blob store")?;
        let node = cairn_app::Node::new(store.clone(), blobs, cairn_app::NodeSettings::default());
        let caller = cairn_app::Caller {
            site_administrator: store.is_site_administrator(administrator.id).await?,
            user: administrator,
            signed_in_with_token: false,
            address: None,
        };
        let outcome = cairn_app::example::create(&node, &caller)
            .await
            .map_err(|error| anyhow!("cannot create the example content: {}", error.message))?;
        match outcome {
            cairn_app::example::ExampleContent::Created => {
                println!(
                    "created the example space {}",
                    cairn_app::example::EXAMPLE_SPACE_KEY
                )
            }
            cairn_app::example::ExampleContent::AlreadyThere => println!(
                "the example space {} is there already",
                cairn_app::example::EXAMPLE_SPACE_KEY
            ),
        }
    }
    finish(&store, &settings).await;
    Ok(())
}

async fn finish(store: &cairn_store::Store, settings: &Settings) {
    println!(
        "Cairn is set up: cluster {} on {}; start it with: cairn serve --home {}",
        settings.cluster_name,
        store.dialect().name(),
        settings.home.display()
    );
    store.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_replace_uncomment_or_append() {
        let template =
            "# Database\n# database_url = \"postgres://x\"\nlisten = \"127.0.0.1:8090\"\n";
        let written = with_setting(template, "database_url", "jdbc:mysql://h/db?a=1&b=\"2\"");
        assert_eq!(
            written,
            "# Database\n# database_url = \"postgres://x\"\ndatabase_url = \"jdbc:mysql://h/db?a=1&b=\\\"2\\\"\"\nlisten = \"127.0.0.1:8090\"\n"
        );
        let again = with_setting(&written, "database_url", "postgres://y");
        assert!(again.contains("\ndatabase_url = \"postgres://y\"\n"));
        assert_eq!(
            again.matches("database_url = \"").count(),
            2,
            "one example, one setting"
        );
        let appended = with_setting("listen = \"x\"\n", "cluster_name", "Wiki \\ prod");
        assert_eq!(
            appended,
            "listen = \"x\"\ncluster_name = \"Wiki \\\\ prod\"\n"
        );
        let parsed: toml::Table = toml::from_str(&again).expect("still TOML");
        assert_eq!(parsed["database_url"].as_str(), Some("postgres://y"));
    }

    #[test]
    fn empty_passwords_are_written() {
        let written = with_setting("", "database_password", "");
        let parsed: toml::Table = toml::from_str(&written).expect("TOML");
        assert_eq!(parsed["database_password"].as_str(), Some(""));
    }

    #[test]
    fn content_choices() {
        assert_eq!(parse_content("empty"), Ok(ContentChoice::Empty));
        assert_eq!(parse_content("example"), Ok(ContentChoice::Example));
        assert_eq!(
            parse_content("import:/tmp/site.zip"),
            Ok(ContentChoice::Import("/tmp/site.zip".into()))
        );
        assert!(parse_content("import:").is_err());
        assert!(parse_content("lots").is_err());
    }
}
