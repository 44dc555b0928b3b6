//! End-to-end tests of the `immohub` binary, tried as a new user would: `demo`, `serve`, `curl`
//! the feed with the printed key, `sync run`, change and delete a unit in the demo ERP.

mod tour;
