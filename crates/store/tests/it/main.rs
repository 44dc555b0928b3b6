//! Integration tests of the hub store. Every scenario runs on SQLite (a temporary file) and on
//! PostgreSQL (a fresh database per test, dropped afterwards).
//!
//! PostgreSQL: `IMMOHUB_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`) names
//! the server; the test databases are created through its `postgres` database. When the server
//! is unreachable the PostgreSQL tests are skipped with a note on stderr, except with
//! `CI=true`, where they fail.

// Tests may panic (clippy.toml allows it in test functions); the helpers here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod support;

mod bench;
mod environments;
mod feed;
mod inbox;
mod open;
mod rules;
mod schedules;
mod secrets;
mod shares;
mod story;
