//! Integration tests of cairn-blob: one conformance suite run against every backend, plus tests
//! of what only one backend has.
//!
//! The directory backend always runs. The S3 backend runs against a real S3-compatible server
//! when `CAIRN_TEST_S3_ENDPOINT` is set (e.g. `http://127.0.0.1:5077`, started with
//! `crates/cairn-blob/tests/start-s3.sh`); each test gets a fresh bucket.

// A panic in a test is a failed test.
#![allow(clippy::unwrap_used)]

mod conformance;
mod directory;
mod s3;
mod support;
