//! Partner connection configuration as the engine uses it.

use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::prospect::TechnicalUser;
use immohub_domain::rules::{SyncRules, UnitTypeMapping};
use serde::{Deserialize, Serialize};

/// One partner connection (as configured in `immohub.toml`, `[[partner]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    /// Unique name, e.g. `immomio-prod`.
    pub name: String,
    /// Partner profile: `immomio`, `casavi`, `everreal` or `generic` (STM-1, STM-2).
    pub profile: PartnerProfile,
    /// Separator of composite IDs: one of `-` `_` `.` `/` `|` (GEN-1).
    #[serde(default)]
    pub separator: Separator,
    /// Client numbers synced to this partner (GEN-2). Empty syncs nothing.
    #[serde(default)]
    pub clients: Vec<String>,
    /// Usage-code → unit-type mapping (STM-4); defaults cover common ERP codes.
    #[serde(default)]
    pub unit_types: UnitTypeMapping,
    /// The ERP user every record written into the ERP for this partner carries (GEN-3), e.g.
    /// `IMMOMIO` or `042` (1–20 characters). Required for a partner that sends data in:
    /// without it the partner API refuses prospects and nothing is written.
    #[serde(default)]
    pub technical_user: Option<TechnicalUser>,
}

impl PartnerConfig {
    pub fn rules(&self) -> SyncRules {
        SyncRules {
            profile: self.profile,
            separator: self.separator,
            clients: self.clients.clone(),
            unit_types: self.unit_types.clone(),
        }
    }
}

/// Knobs of a sync run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Records per store transaction. 5,000 by default: every commit rewrites the touched index
    /// pages into SQLite's WAL, and a full load ran about 15 % faster than with 1,000
    /// (`immohub bench stammdaten`); memory grows with it (a few batches are in flight).
    pub batch_size: usize,
    /// Read everything even when a change-timestamp column allows an incremental read.
    pub full: bool,
    /// How far before the last seen change timestamp the next incremental read starts, to
    /// catch ERP transactions that committed late. Re-read rows cost a hash comparison only.
    pub overlap_seconds: i64,
    /// `manual`, `schedule`, `api`, `bench`.
    pub trigger: String,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 5000,
            full: false,
            overlap_seconds: 300,
            trigger: "manual".to_owned(),
        }
    }
}
