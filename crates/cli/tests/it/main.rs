//! End-to-end tests of the `immohub` binary, tried as a new user would: `demo`, `serve`, `curl`
//! the feed with the printed key, `sync run`, change and delete a unit in the demo ERP.

// Test code may panic: clippy.toml's test exemption does not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod docs;
mod environments;
mod inbound;
mod letting;
mod multi;
mod schedules;
mod secrets;
mod support;
mod tour;
mod vacancies;
