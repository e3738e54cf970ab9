//! The shape of every REST response, pinned: each JSON response's keys and value types, recursively,
//! as the site administrator gets them from the permission matrix's requests (every read, then every
//! create and update), compared with `snapshots/rest_shapes.json`. A field that disappears, is
//! renamed or changes type fails here before a client notices; the same shapes must come from all
//! three databases.
//!
//! After a deliberate change, rewrite the snapshot with `CAIRN_UPDATE_SNAPSHOTS=1` and review the
//! diff.

use std::collections::BTreeMap;

use cairn_testkit::{TestApp, TestDb, TestDialect, every_dialect};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::matrix::{self, Body, Caller};

every_dialect!(every_rest_response_keeps_its_shape);

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/rest_shapes.json"
);

/// Keys and value types of `value`: objects keep their keys, arrays the shape of their first
/// element, scalars become their type's name.
fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => match items.first() {
            Some(first) => json!([shape(first)]),
            None => json!([]),
        },
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, item)| (key.clone(), shape(item)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

fn is_json(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

async fn every_rest_response_keeps_its_shape(db: TestDb) {
    let dialect = db.dialect;
    let app = TestApp::start(db).await;
    let fixture = matrix::fixture(&app).await;
    let admin = matrix::client_for(Caller::SiteAdmin);
    let rows = matrix::rows(&fixture);
    // Reads first, then creates and updates, in the matrix's order; deletes would take away what
    // later rows address, and their answers are empty.
    let writes = [Method::POST, Method::PUT];
    // The OpenAPI document is pinned whole by its own snapshot (openapi.rs).
    let described = |row: &&matrix::Row| row.template != "/rest/cairn/1/openapi.json";
    let ordered = rows
        .iter()
        .filter(|row| row.method == Method::GET)
        .chain(rows.iter().filter(|row| writes.contains(&row.method)))
        .filter(described);
    let mut shapes = BTreeMap::new();
    for row in ordered {
        let mut request = admin.request(row.method.clone(), app.url(&row.url));
        request = match &row.body {
            Body::None => request,
            Body::Json(value) => request.json(value),
            Body::Form(pairs) => request.form(pairs),
            Body::File => {
                request.multipart(reqwest::multipart::Form::new().part("file", matrix::file_part()))
            }
        };
        let response = request.send().await.expect("sent");
        if !is_json(&response) {
            continue;
        }
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON body");
        shapes.insert(
            format!("{} {}", row.method, row.template),
            json!({"status": status, "shape": shape(&body)}),
        );
    }
    let served = serde_json::to_string_pretty(&shapes).expect("shapes") + "\n";
    if std::env::var_os("CAIRN_UPDATE_SNAPSHOTS").is_some() {
        // One dialect writes; the others compare with what it wrote.
        if dialect == TestDialect::Sqlite {
            std::fs::write(SNAPSHOT, &served).expect("snapshot written");
        }
        return;
    }
    let pinned = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    let pinned: BTreeMap<String, Value> = serde_json::from_str(&pinned).unwrap_or_default();
    let mut differences = Vec::new();
    for (route, answer) in &shapes {
        match pinned.get(route) {
            None => differences.push(format!("{route}: not in the snapshot")),
            Some(expected) if expected != answer => {
                differences.push(format!("{route}:\n  pinned {expected}\n  served {answer}"))
            }
            Some(_) => {}
        }
    }
    for route in pinned.keys().filter(|route| !shapes.contains_key(*route)) {
        differences.push(format!("{route}: pinned but no longer answered with JSON"));
    }
    assert!(
        shapes.len() > 50,
        "only {} JSON responses were captured",
        shapes.len()
    );
    assert!(
        differences.is_empty(),
        "{} response shapes differ from {SNAPSHOT} (rewrite it with CAIRN_UPDATE_SNAPSHOTS=1 \
         if the change is deliberate):\n{}",
        differences.len(),
        differences.join("\n")
    );
}
