//! Partner transports. The engine hands them work and records what they report; transports
//! never touch the hub store.
//!
//! * [`webhook`]: deliveries signed per the Standard Webhooks scheme, sent with `reqwest`, and
//!   the answer classified as delivered, to be retried (with `Retry-After`), rejected or gone.
//! * [`backoff`]: exponential backoff with jitter.

pub mod backoff;
pub mod webhook;
