//! Integration tests of the storage format engine, one binary with a module per area.

// A panic in a test is a failed assertion.
#![allow(clippy::unwrap_used)]

mod convert;
mod editor_document;
mod render_macros;
mod roundtrip;
mod xss;
