//! Crash points for the crash-safety harness.
//!
//! `IMMOHUB_CRASH_AT=<point>[:<n>]` makes the process kill itself with SIGKILL the `n`-th time
//! (default: the first) it passes `point`, e.g. `delivery.after_partner_write:3`. Without the
//! variable a crash point costs one atomic load. The points sit where a crash is most likely to
//! lose or double work: after a partner write before the cursor commit, around outbox writes,
//! around ERP write-backs. Operators never set it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

struct Armed {
    point: String,
    remaining: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var("IMMOHUB_CRASH_AT").ok()?;
            let (point, n) = match spec.rsplit_once(':') {
                Some((p, n)) => (p.to_owned(), n.parse().unwrap_or(1)),
                None => (spec, 1),
            };
            Some(Armed {
                point,
                remaining: AtomicU64::new(n.max(1)),
            })
        })
        .as_ref()
}

/// Kills the process here if the harness armed this point.
pub fn point(name: &str) {
    let Some(a) = armed() else { return };
    if a.point != name {
        return;
    }
    if a.remaining.fetch_sub(1, Ordering::SeqCst) == 1 {
        eprintln!("Absturzpunkt {name}: SIGKILL");
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        // SIGKILL cannot be caught; should raise fail, stop anyway without unwinding.
        std::process::abort();
    }
}
