//! Integration tests of the partner API: the real server on port 0 over a real SQLite store.
//!
//! One binary for the whole crate (every file in `tests/` would be another binary to link).
//! Set `TEST_LOG=1` to see the server's log.

// Tests may panic on failure; clippy.toml's allow-*-in-tests covers #[test] fns but not the
// helpers of an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod feeds;
mod helpers;
mod meta;
mod prospects;
mod records;
mod runs;
mod tenants;
mod webhooks;
