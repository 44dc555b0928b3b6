//! Rule tests of the matching crate (PRO-3 duplicate check).

// Test code may panic: clippy.toml's test exemption does not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pro3;
