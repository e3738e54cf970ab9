//! The web crate's own layering: the UI and the REST API are siblings over the application's use
//! cases, so neither reaches into the other. Read from the sources, so a new import that breaks
//! the rule fails here before review.

use std::path::{Path, PathBuf};

fn rust_files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("readable source folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn lines_naming(directory: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(directory);
    let files = rust_files_under(&root);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut offending = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            if forbidden.iter().any(|pattern| line.contains(pattern)) {
                offending.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    offending
}

#[test]
fn the_ui_never_imports_the_rest_api() {
    let offending = lines_naming("ui", &["crate::api", "super::super::api"]);
    assert!(offending.is_empty(), "{offending:#?}");
}

#[test]
fn the_rest_api_never_imports_the_ui() {
    let offending = lines_naming("api", &["crate::ui", "super::super::ui"]);
    assert!(offending.is_empty(), "{offending:#?}");
}
