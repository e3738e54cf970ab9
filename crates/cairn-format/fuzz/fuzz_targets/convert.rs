//! Wiki markup, Markdown, editor HTML and editor JSON from arbitrary input: nothing may panic,
//! converted storage must be well-formed, storage sent through the editor HTML mapping must come
//! back well-formed, and storage sent through the editor JSON converters must come back byte
//! for byte.

#![no_main]

use cairn_format::{
    NoContext, check_well_formed, editor_html_to_storage, editor_json_to_storage,
    markdown_to_storage, parse, storage_to_editor_html, storage_to_editor_json,
    storage_to_markdown, wiki_to_storage,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for storage in [wiki_to_storage(input), markdown_to_storage(input)] {
        assert!(
            check_well_formed(&storage).is_ok(),
            "converted storage is not well-formed: {storage}"
        );
        if let Ok(document) = parse(&storage) {
            let _ = storage_to_markdown(&document, &NoContext);
            let editor_html = storage_to_editor_html(&document, &NoContext);
            let back = editor_html_to_storage(&editor_html);
            assert!(
                back.is_ok(),
                "editor round trip failed for {storage}: {back:?}"
            );
        }
    }
    if let Ok(storage) = editor_html_to_storage(input) {
        assert!(check_well_formed(&storage).is_ok());
    }
    if let Ok(document) = parse(input) {
        let editor_json = storage_to_editor_json(&document, &NoContext);
        let back = editor_json_to_storage(&editor_json, &document);
        assert_eq!(back.as_deref(), Ok(input), "editor JSON round trip changed {input}");
    }
    let empty = parse("").expect("the empty fragment parses");
    if let Ok(storage) = editor_json_to_storage(input, &empty) {
        assert!(check_well_formed(&storage).is_ok());
    }
});
