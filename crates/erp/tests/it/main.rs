//! Integration tests of the ERP adapters (one test binary; modules by topic).
//!
//! PostgreSQL and MariaDB tests need servers at `postgres://postgres@127.0.0.1:5432/test` and
//! `mysql://root@127.0.0.1:3306/test` (override with `IMMOHUB_TEST_PG_URL` /
//! `IMMOHUB_TEST_MYSQL_URL`). Without a server they print why they are skipped, unless `CI=true`,
//! where they fail.

// Test helpers outside `#[test]` functions may panic too (clippy.toml only covers the latter).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod demo;
mod docs;
mod servers;
mod sink;
mod sqlite;
mod tenants;
