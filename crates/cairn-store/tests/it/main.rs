//! The repository conformance suite: the same tests on SQLite, PostgreSQL and MySQL.

mod comment;
mod concurrency;
mod content;
mod fixtures;
mod index_source;
mod journal;
mod label;
mod like;
mod probe;
mod schema;
mod space;
mod tree;
mod user;
