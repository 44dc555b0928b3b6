//! Engine tests: the master-data run against a real SQLite hub store, with a small in-memory
//! ERP (a test double of the *ERP*, not of immohub) so that every rule can be provoked exactly.

// Test code may panic: clippy.toml's test exemption does not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod delivery;
mod memory_erp;
mod scheduler;
mod stammdaten;
mod tenants;
mod vacancies;
mod writeback;
