//! immohub's domain: entities, composite IDs (GEN-1), money, partner profiles and every rule
//! as a pure function of (record, configuration, clock). This crate does no IO.

pub mod entity;
pub mod hash;
pub mod id;
pub mod profile;
pub mod prospect;
pub mod raw;
pub mod rules;
pub mod schedule;
pub mod tenant;
pub mod usecase;
pub mod vacancy;

pub use entity::*;
pub use id::{IdError, Separator};
pub use raw::{ErpEntity, FieldError, RawRecord};
pub use schedule::{Schedule, ScheduleError};
pub use usecase::{Direction, MaxFrequency, UseCase};
