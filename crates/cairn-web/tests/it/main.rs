//! HTTP tests through a real server on 127.0.0.1:0, on SQLite, PostgreSQL and MySQL.

mod attachment;
mod auth;
mod client_quirks;
mod cluster;
mod cluster_balancer;
mod comment;
mod content;
mod convert;
mod copy;
mod health;
mod label;
mod layering;
mod matrix;
mod openapi;
mod permission;
mod reads;
mod search;
mod search_cluster;
mod security;
mod security_edge;
mod shapes;
mod space;
mod support;
mod ui;
mod ui_editor;
mod watch;
