//! The engine runs use cases: it reads the ERP, applies the rules of the domain crate per
//! record and partner, writes canonical entities, feed items, record states and outcomes to
//! the store, and leaves a protocol of every run. Inbound data (prospects) goes the other way:
//! from the store's inbox through the rules into the ERP's interface tables (`writeback`).

pub mod clock;
pub mod config;
pub mod crash;
pub mod delivery;
pub mod duplicates;
pub mod feedback;
pub mod launcher;
pub mod openimmo_export;
pub mod scheduler;
pub mod source;
pub mod stammdaten;
pub mod tenants;
pub mod vault;
pub mod webhooks;
pub mod writeback;

pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{PartnerConfig, SyncOptions};
pub use delivery::{DeliveryConfig, DeliveryWorker};
pub use launcher::{EngineLauncher, LaunchError, LeaseGuard, RunLauncher, Trigger, UseCaseRunner};
pub use scheduler::{ScheduledJob, Scheduler, TickReport};
pub use source::ErpRead;
pub use stammdaten::{Progress, RunSummary, SyncError, sync_leerstaende, sync_stammdaten};
pub use vault::{MemoryVault, Vault};
pub use writeback::{ErpWrite, WritebackOptions, poll_interessenten, run_interessenten};
