//! The checks every request passes at the edge (`cairn_core::limits`), against the decoders that
//! read the request next: nothing panics, and whatever the checks let through decodes to text with
//! no refused control character and JSON no deeper than the limit.

#![no_main]

use cairn_core::limits::{
    MAX_JSON_DEPTH, check_file_name, check_json, check_name, check_percent_encoded,
    is_refused_control_byte,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(entries) => 1 + entries.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn assert_clean(text: &str, what: &str) {
    assert!(
        !text.bytes().any(is_refused_control_byte),
        "{what} let a control character through: {text:?}"
    );
}

fn strings_clean(value: &Value) {
    match value {
        Value::String(text) => assert_clean(text, "check_json"),
        Value::Array(items) => items.iter().for_each(strings_clean),
        Value::Object(entries) => {
            for (key, item) in entries {
                assert_clean(key, "check_json (key)");
                strings_clean(item);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if check_json(data).is_ok() {
        // serde_json's own recursion limit is 128; within it, a parsed value must be within ours.
        if let Ok(value) = serde_json::from_slice::<Value>(data) {
            strings_clean(&value);
            assert!(depth(&value) <= MAX_JSON_DEPTH, "JSON {} deep", depth(&value));
        }
    }
    if check_percent_encoded(data, "query").is_ok() {
        let decoded: Vec<u8> = percent_encoding::percent_decode(data).collect();
        assert!(
            !decoded.iter().copied().any(is_refused_control_byte),
            "check_percent_encoded let a control character through: {decoded:?}"
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(name) = check_file_name(text) {
            assert!(name.chars().count() <= cairn_core::limits::MAX_NAME_CHARS);
            assert!(!name.chars().any(char::is_control));
        }
        let _ = check_name("name", text);
    }
});
