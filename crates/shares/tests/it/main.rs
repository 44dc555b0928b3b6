//! Integration tests of the share rooms: a real server on a loopback port over a SQLite hub
//! store in a temporary directory, driven over HTTP. Test names carry the rule IDs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod erp;
mod mail;
mod security;
mod tracking;
