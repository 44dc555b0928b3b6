//! Tests of sealing (GEN-5) and of the master key's sources and files.

// Tests may panic (clippy.toml allows it in test functions); the helpers here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cipher;
mod key;
