//! Environments (GEN-4): per partner and use case the active environment, and the protocol of
//! explicit switches between production and test.
//!
//! A partner's production environment is the store connection named like the partner; its
//! test environment is the connection `<partner>@test` (own API key, feeds, cursors, record
//! states, credentials). Which one a use case runs against is stored here. A switch is
//! recorded twice, in one transaction: as an [`EnvironmentSwitch`] (who, when, from, to) and
//! as a run of the production connection with direction `switch_to_<environment>` and zero
//! counts, so that everything listing runs (CLI `protocol`, `GET /v1/runs`) shows it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// Production or test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Production,
    Test,
}

impl Environment {
    pub const ALL: [Environment; 2] = [Environment::Production, Environment::Test];

    /// `production` or `test` (stored form, CLI value).
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// German label: `Produktion` or `Test`.
    pub fn label_de(self) -> &'static str {
        match self {
            Environment::Production => "Produktion",
            Environment::Test => "Test",
        }
    }

    /// The store connection of a partner in this environment: `partner` or `partner@test`.
    pub fn connection(self, partner: &str) -> String {
        match self {
            Environment::Production => partner.to_owned(),
            Environment::Test => format!("{partner}{TEST_SUFFIX}"),
        }
    }

    /// Splits a store connection name into partner and environment.
    pub fn of_connection(connection: &str) -> (&str, Environment) {
        match connection.strip_suffix(TEST_SUFFIX) {
            Some(partner) => (partner, Environment::Test),
            None => (connection, Environment::Production),
        }
    }

    /// Direction of the run row that records a switch to this environment.
    pub fn switch_direction(self) -> &'static str {
        match self {
            Environment::Production => "switch_to_production",
            Environment::Test => "switch_to_test",
        }
    }

    /// The target of a switch run's direction (`None` for ordinary runs).
    pub fn of_switch_direction(direction: &str) -> Option<Environment> {
        Self::ALL
            .into_iter()
            .find(|e| e.switch_direction() == direction)
    }

    /// The other environment.
    pub fn other(self) -> Environment {
        match self {
            Environment::Production => Environment::Test,
            Environment::Test => Environment::Production,
        }
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Suffix of a test environment's store connection name.
pub const TEST_SUFFIX: &str = "@test";

/// The stored active environment of a partner's use case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveEnvironment {
    pub partner: String,
    pub use_case: String,
    pub environment: Environment,
    pub updated_at: DateTime<Utc>,
}

/// An explicit switch to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSwitch {
    pub partner: String,
    pub use_case: String,
    /// The environment active before (the caller's view; a different stored one is a
    /// conflict).
    pub from: Environment,
    pub to: Environment,
    /// Who switched (OS user or `--by`).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A recorded switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentSwitch {
    pub id: i64,
    pub partner: String,
    pub use_case: String,
    pub from: Environment,
    pub to: Environment,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The run row that shows the switch in the protocol.
    pub run_id: i64,
}

/// Which switches to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchFilter {
    pub partner: Option<String>,
    /// Inclusive lower bound on `at`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `at`.
    pub to: Option<DateTime<Utc>>,
    /// 0: 50.
    pub limit: u32,
}

/// Active environments and their switches. Every method is one transaction.
#[async_trait]
pub trait EnvironmentStore: Send + Sync {
    /// The stored active environment (`None`: never pinned nor switched).
    async fn active_environment(
        &self,
        partner: &str,
        use_case: &str,
    ) -> Result<Option<ActiveEnvironment>>;

    /// Every stored active environment (of one partner, or all), ordered by partner and use
    /// case.
    async fn active_environments(&self, partner: Option<&str>) -> Result<Vec<ActiveEnvironment>>;

    /// Stores `environment` as active unless one is stored already; returns the stored one.
    /// Called when a use case first runs, so that a later change of the default (enabling
    /// the test environment) never moves a running use case silently.
    async fn pin_environment(
        &self,
        partner: &str,
        use_case: &str,
        environment: Environment,
    ) -> Result<Environment>;

    /// Switches explicitly and records the switch (switch row and run row) in one
    /// transaction. A stored environment other than `s.from` is a `Conflict` (someone else
    /// switched meanwhile); `s.from == s.to` is a `Conflict` too.
    async fn switch_environment(&self, s: &NewSwitch) -> Result<EnvironmentSwitch>;

    /// Recorded switches, newest first.
    async fn environment_switches(&self, filter: &SwitchFilter) -> Result<Vec<EnvironmentSwitch>>;

    /// The switch a run row records, if it is a switch run.
    async fn environment_switch_of_run(&self, run_id: i64) -> Result<Option<EnvironmentSwitch>>;
}
