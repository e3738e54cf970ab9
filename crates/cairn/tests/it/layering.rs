//! The crate graph ARCHITECTURE.md draws is the one the Cargo.toml files declare, and it runs one
//! way: nothing below the application layer depends on it or on the web layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `crate -> the workspace crates in its [dependencies]`, from every crates/*/Cargo.toml.
fn declared_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    let crates = workspace_root().join("crates");
    for entry in std::fs::read_dir(&crates)
        .expect("crates directory")
        .flatten()
    {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut in_dependencies = false;
        let mut dependencies = BTreeSet::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_dependencies = line == "[dependencies]";
                continue;
            }
            if in_dependencies
                && line.starts_with("cairn")
                && let Some((dependency, _)) = line.split_once('=')
            {
                dependencies.insert(dependency.trim().to_string());
            }
        }
        graph.insert(name, dependencies);
    }
    graph
}

/// The dependency table of ARCHITECTURE.md.
fn documented_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = text
        .split_once("<!-- dependencies:")
        .map(|(_, rest)| rest)
        .expect("ARCHITECTURE.md has the dependency table");
    let mut graph = BTreeMap::new();
    for line in table.lines().skip(3) {
        let Some(row) = line.strip_prefix("| `") else {
            break;
        };
        let (name, rest) = row.split_once('`').expect("a crate name in backticks");
        let listed = rest.trim_start_matches(" |").trim_end_matches('|').trim();
        let dependencies = listed
            .split(',')
            .map(str::trim)
            .filter(|dependency| !dependency.is_empty() && *dependency != "–")
            .map(str::to_string)
            .collect();
        graph.insert(name.to_string(), dependencies);
    }
    graph
}

#[test]
fn architecture_md_draws_the_declared_dependencies() {
    let declared = declared_dependencies();
    assert!(declared.contains_key("cairn-app"), "{declared:?}");
    assert_eq!(documented_dependencies(), declared);
}

#[test]
fn nothing_below_the_application_layer_depends_on_it_or_on_the_web() {
    let declared = declared_dependencies();
    for lower in [
        "cairn-core",
        "cairn-format",
        "cairn-search",
        "cairn-store",
        "cairn-blob",
        "cairn-cluster",
    ] {
        let dependencies = &declared[lower];
        assert!(
            !dependencies.contains("cairn-app") && !dependencies.contains("cairn-web"),
            "{lower} depends on {dependencies:?}"
        );
    }
    assert!(
        !declared["cairn-app"].contains("cairn-web"),
        "the application layer knows no HTTP"
    );
    assert!(
        !declared["cairn-bench"].contains("cairn-web"),
        "the bench reaches the server over HTTP, not through its crate"
    );
}
