//! The engine runs use cases: it reads the ERP, applies the rules of the domain crate per
//! record and partner, writes canonical entities, feed items, record states and outcomes to
//! the store, and leaves a protocol of every run.

pub mod clock;
pub mod config;
pub mod launcher;
pub mod scheduler;
pub mod source;
pub mod stammdaten;

pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{PartnerConfig, SyncOptions};
pub use launcher::{EngineLauncher, LaunchError, LeaseGuard, RunLauncher, Trigger};
pub use scheduler::{ScheduledJob, Scheduler, TickReport};
pub use source::ErpRead;
pub use stammdaten::{Progress, RunSummary, SyncError, sync_stammdaten};
