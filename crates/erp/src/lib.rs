//! ERP adapters: read a housing company's ERP through SQL views and a mapping file, and create
//! the demo ERP.
//!
//! - [`ErpSource`] connects to SQLite, PostgreSQL or MySQL/MariaDB and streams the rows of each
//!   entity as [`immohub_domain::RawRecord`]s (every value as text), all rows or only those
//!   changed since a watermark, plus key-only streams for the deletion check.
//! - [`Mapping`] is the mapping file: per entity the SQL to run (`erp/demo-mapping.toml`).
//! - [`interface`] lists the columns each view must return (`docs/ERP-INTERFACE.md`).
//! - [`ErpSink`] writes what partners send into the ERP's interface tables
//!   (`immohub_in_prospects`), idempotently by `external_ref`, with the technical user (GEN-3).
//! - [`activities`]: tracking events of share rooms as ERP activities
//!   (`immohub_in_activities`, SHR-7/SHR-10), idempotent by `external_ref` as well.
//! - [`create_demo`] builds the demo ERP, a SQLite database with the interface views and tables.
//!
//! Only this crate speaks to an ERP database.

pub mod activities;
mod convert;
pub mod demo;
mod error;
pub mod interface;
mod mapping;
pub mod sink;
mod source;
mod sqlite;
pub mod tenants;

pub use demo::{DemoOptions, DemoSummary, InvalidRecord, create_demo};
pub use error::{BoxError, ErpError, redact_url};
pub use interface::{CHANGED_COLUMN, InterfaceColumn, interface_columns, view_name};
pub use mapping::{DEMO_MAPPING_TOML, EntityMapping, Mapping};
pub use sink::{ErpSink, PROSPECTS_TABLE, PersonMatch, ProspectRow, SinkWrite};
pub use source::{Backend, CheckLine, CheckStatus, ErpSource};
pub use tenants::{TENANT_DOCUMENTS_TABLE, TENANTS_TABLE, TenantRow};
