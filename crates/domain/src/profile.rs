//! Partner profiles (STM-1, STM-2): which entities a partner receives and which tenant
//! preconditions apply.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a partner sees in its change feed. Persons appear as tenants and/or owners.
///
/// [`FeedKind::Prospect`] and [`FeedKind::AcceptedTenant`] are the inbound kinds (partner → ERP):
/// they are no feeds and no profile lists them, but their records have outcomes in the protocol like every other record (GEN-7,
/// GEN-8), so [`FeedKind::parse`] knows it; [`FeedKind::ALL`] holds the outbound feeds only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Client,
    Property,
    Building,
    Unit,
    Lease,
    Tenant,
    Ownership,
    Owner,
    /// Open vacancies (use case `leerstaende`, VAC-2).
    Vacancy,
    /// Prospects sent in by the partner (PRO-2): inbound, not a feed.
    Prospect,
    /// Tenants accepted at the partner, with dossier (TEN-1): inbound, not a feed.
    AcceptedTenant,
}

impl FeedKind {
    pub const ALL: [FeedKind; 9] = [
        FeedKind::Client,
        FeedKind::Property,
        FeedKind::Building,
        FeedKind::Unit,
        FeedKind::Lease,
        FeedKind::Tenant,
        FeedKind::Ownership,
        FeedKind::Owner,
        FeedKind::Vacancy,
    ];

    /// The inbound kinds (partner → ERP): outcomes in the protocol, no feed.
    pub const INBOUND: [FeedKind; 2] = [FeedKind::Prospect, FeedKind::AcceptedTenant];

    /// Path segment in the partner API (`/v1/feeds/units`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Client => "clients",
            FeedKind::Property => "properties",
            FeedKind::Building => "buildings",
            FeedKind::Unit => "units",
            FeedKind::Lease => "leases",
            FeedKind::Tenant => "tenants",
            FeedKind::Ownership => "ownerships",
            FeedKind::Owner => "owners",
            FeedKind::Vacancy => "vacancies",
            FeedKind::Prospect => "prospects",
            FeedKind::AcceptedTenant => "accepted-tenants",
        }
    }

    pub fn label_de(self) -> &'static str {
        match self {
            FeedKind::Client => "Mandanten",
            FeedKind::Property => "Wirtschaftseinheiten",
            FeedKind::Building => "Gebäude",
            FeedKind::Unit => "Einheiten",
            FeedKind::Lease => "Mietverträge",
            FeedKind::Tenant => "Mieter",
            FeedKind::Ownership => "Eigentümerverträge",
            FeedKind::Owner => "Eigentümer",
            FeedKind::Vacancy => "Leerstände",
            FeedKind::Prospect => "Interessenten",
            FeedKind::AcceptedTenant => "Mieter ohne Vertrag",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain(Self::INBOUND)
            .find(|k| k.as_str() == s)
    }

    /// The ERP entity this feed is derived from (a prospect becomes a person in the ERP).
    pub fn source(self) -> crate::ErpEntity {
        use crate::ErpEntity as E;
        match self {
            FeedKind::Client => E::Client,
            FeedKind::Property => E::Property,
            FeedKind::Building => E::Building,
            FeedKind::Unit => E::Unit,
            FeedKind::Lease => E::Lease,
            FeedKind::Tenant | FeedKind::Owner | FeedKind::Prospect | FeedKind::AcceptedTenant => {
                E::Person
            }
            FeedKind::Ownership => E::Ownership,
            FeedKind::Vacancy => E::Vacancy,
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tenant preconditions of STM-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantRule {
    /// No precondition.
    None,
    /// The partner creates user accounts: only tenants with an e-mail address.
    RequireEmail,
    /// Portal partner: only tenants with a surname, only units linked to a tenant.
    RequireSurnameAndTenantUnits,
}

/// A partner profile: the built-in knowledge about one kind of partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerProfile {
    Immomio,
    Casavi,
    Everreal,
    Generic,
}

impl PartnerProfile {
    pub const ALL: [PartnerProfile; 4] = [
        PartnerProfile::Immomio,
        PartnerProfile::Casavi,
        PartnerProfile::Everreal,
        PartnerProfile::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerProfile::Immomio => "immomio",
            PartnerProfile::Casavi => "casavi",
            PartnerProfile::Everreal => "everreal",
            PartnerProfile::Generic => "generic",
        }
    }

    /// The feeds this partner receives (STM-1).
    pub fn feeds(self) -> &'static [FeedKind] {
        use FeedKind as F;
        match self {
            // Letting platform with tenant app: stock, leases and tenants (accounts by e-mail).
            PartnerProfile::Immomio => &[
                F::Property,
                F::Building,
                F::Unit,
                F::Lease,
                F::Tenant,
                F::Vacancy,
            ],
            // Tenant and owner portal: everyone who lives in or owns the stock.
            PartnerProfile::Casavi => &[
                F::Property,
                F::Building,
                F::Unit,
                F::Lease,
                F::Tenant,
                F::Ownership,
                F::Owner,
            ],
            // Letting platform: stock and current tenants (accounts by e-mail).
            PartnerProfile::Everreal => &[
                F::Property,
                F::Building,
                F::Unit,
                F::Lease,
                F::Tenant,
                F::Vacancy,
            ],
            PartnerProfile::Generic => &FeedKind::ALL,
        }
    }

    pub fn receives(self, feed: FeedKind) -> bool {
        self.feeds().contains(&feed)
    }

    /// The tenant precondition of STM-2.
    pub fn tenant_rule(self) -> TenantRule {
        match self {
            PartnerProfile::Immomio | PartnerProfile::Everreal => TenantRule::RequireEmail,
            PartnerProfile::Casavi => TenantRule::RequireSurnameAndTenantUnits,
            PartnerProfile::Generic => TenantRule::None,
        }
    }

    /// Display name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            PartnerProfile::Immomio => "Immomio",
            PartnerProfile::Casavi => "casavi",
            PartnerProfile::Everreal => "EverReal",
            PartnerProfile::Generic => "Partner",
        }
    }
}

impl FromStr for PartnerProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartnerProfile::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unbekanntes Partnerprofil „{s}“ (bekannt: immomio, casavi, everreal, generic)"
                )
            })
    }
}

impl fmt::Display for PartnerProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
