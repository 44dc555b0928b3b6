//! Integration tests for immohub-openimmo (one test binary, modules per area).

// Test helpers outside #[test] functions may panic too (clippy.toml only covers #[test]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod feedback;
mod fixtures;
mod package;
mod schema;
mod writer;
