//! Parse, serialize, render, extract and sanitize arbitrary input: nothing may panic, a parsed
//! document must serialize back byte for byte, and rendered or sanitized output must itself be
//! well-formed.

#![no_main]

use cairn_format::{
    NoContext, check_well_formed, extract_text, headings, outgoing_links, parse, render_to_html,
    sanitize_html,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(document) = parse(input) {
        assert_eq!(document.to_storage(), input);
        let html = render_to_html(&document, &NoContext);
        assert!(
            check_well_formed(&html).is_ok(),
            "rendered HTML is not well-formed: {html}"
        );
        let _ = extract_text(&document);
        let _ = headings(&document);
        let _ = outgoing_links(&document);
    }
    let cleaned = sanitize_html(input);
    assert!(
        check_well_formed(&cleaned).is_ok(),
        "sanitized HTML is not well-formed: {cleaned}"
    );
});
