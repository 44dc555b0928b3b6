//! Rule tests of the domain crate: data-driven tables of inputs and expected decisions.

// Test code may panic: clippy.toml's test exemption does not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod entity;
mod prospect;
mod rules;
mod schedule;
mod vacancy;
