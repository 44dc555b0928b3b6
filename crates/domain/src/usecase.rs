//! The use cases of the catalogue (`shared/spec/use-cases.md`): a stable name, a German label, a
//! direction, a default schedule and a maximum frequency (GEN-6).
//!
//! Where the catalogue is silent, the choice is written next to the use case:
//!
//! | use case        | catalogue                   | default                | at most            |
//! |-----------------|-----------------------------|------------------------|--------------------|
//! | `stammdaten`    | STM: Tue, Thu, Sun; daily   | `Di, Do, So 02:00`     | daily              |
//! | `leerstaende`   | VAC: at most hourly         | hourly (chosen)        | hourly             |
//! | `interessenten` | PRO: daily; at most hourly  | `täglich 06:00`        | hourly             |
//! | `mieter`        | TEN: silent                 | hourly (chosen)        | every 15 min (chosen) |
//! | `tickets-in`    | TIC: every 15 minutes       | every 15 minutes       | every 5 min (chosen) |
//! | `tickets-out`   | TIC: every 15 minutes       | every 15 minutes       | every 5 min (chosen) |
//! | `dokumente`     | DOC: metadata daily         | `täglich 03:00`        | hourly (chosen)    |
//! | `personen`      | PER: silent                 | `täglich 04:00` (chosen) | hourly (chosen)  |
//!
//! The times of day are chosen so that the nightly runs do not all start at once and the
//! prospects are in the ERP before the office opens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::schedule::Schedule;

/// Which way a use case moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the ERP to the partner.
    ErpToPartner,
    /// From the partner into the ERP.
    PartnerToErp,
}

impl Direction {
    /// The form stored in the protocol (`runs.direction`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ErpToPartner => "erp_to_partner",
            Direction::PartnerToErp => "partner_to_erp",
        }
    }

    /// German label, e.g. „ERP → Partner“.
    pub fn label_de(self) -> &'static str {
        match self {
            Direction::ErpToPartner => "ERP → Partner",
            Direction::PartnerToErp => "Partner → ERP",
        }
    }
}

/// The shortest allowed gap between two scheduled runs of a use case (GEN-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MaxFrequency {
    /// Minutes between two runs, at least.
    pub min_gap_minutes: u32,
}

impl MaxFrequency {
    pub const DAILY: MaxFrequency = MaxFrequency {
        min_gap_minutes: 24 * 60,
    };
    pub const HOURLY: MaxFrequency = MaxFrequency {
        min_gap_minutes: 60,
    };
    pub const EVERY_15_MINUTES: MaxFrequency = MaxFrequency {
        min_gap_minutes: 15,
    };
    pub const EVERY_5_MINUTES: MaxFrequency = MaxFrequency { min_gap_minutes: 5 };

    /// The shortest allowed gap.
    pub fn min_gap(self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.min_gap_minutes))
    }

    /// German, e.g. „höchstens täglich“, „höchstens alle 15 Minuten“.
    pub fn label_de(self) -> String {
        format!(
            "höchstens {}",
            crate::schedule::every_de(self.min_gap_minutes)
        )
    }
}

/// A use case of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UseCase {
    /// STM: master data, ERP → partner.
    Stammdaten,
    /// VAC: vacancies, ERP → partner.
    Leerstaende,
    /// PRO: prospects, partner → ERP.
    Interessenten,
    /// TEN: accepted tenants (Vertragsanbahnung), partner → ERP.
    Mieter,
    /// TIC: tickets, partner → ERP.
    TicketsIn,
    /// TIC: tickets (status, public comments), ERP → partner.
    TicketsOut,
    /// DOC: documents, ERP → partner.
    Dokumente,
    /// PER: persons and portal access, ERP → portal.
    Personen,
}

impl UseCase {
    pub const ALL: [UseCase; 8] = [
        UseCase::Stammdaten,
        UseCase::Leerstaende,
        UseCase::Interessenten,
        UseCase::Mieter,
        UseCase::TicketsIn,
        UseCase::TicketsOut,
        UseCase::Dokumente,
        UseCase::Personen,
    ];

    /// The stable name: in `immohub.toml`, the CLI, the API and the protocol (`runs.use_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            UseCase::Stammdaten => "stammdaten",
            UseCase::Leerstaende => "leerstaende",
            UseCase::Interessenten => "interessenten",
            UseCase::Mieter => "mieter",
            UseCase::TicketsIn => "tickets-in",
            UseCase::TicketsOut => "tickets-out",
            UseCase::Dokumente => "dokumente",
            UseCase::Personen => "personen",
        }
    }

    /// German label for people.
    pub fn label_de(self) -> &'static str {
        match self {
            UseCase::Stammdaten => "Stammdaten",
            UseCase::Leerstaende => "Leerstände",
            UseCase::Interessenten => "Interessenten",
            UseCase::Mieter => "Mieter ohne Vertrag",
            UseCase::TicketsIn => "Tickets an das ERP",
            UseCase::TicketsOut => "Tickets an den Partner",
            UseCase::Dokumente => "Dokumente",
            UseCase::Personen => "Personen und Portalzugänge",
        }
    }

    /// The catalogue's rule prefix (`STM`, `VAC`, …).
    pub fn rule_prefix(self) -> &'static str {
        match self {
            UseCase::Stammdaten => "STM",
            UseCase::Leerstaende => "VAC",
            UseCase::Interessenten => "PRO",
            UseCase::Mieter => "TEN",
            UseCase::TicketsIn | UseCase::TicketsOut => "TIC",
            UseCase::Dokumente => "DOC",
            UseCase::Personen => "PER",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            UseCase::Interessenten | UseCase::Mieter | UseCase::TicketsIn => {
                Direction::PartnerToErp
            }
            UseCase::Stammdaten
            | UseCase::Leerstaende
            | UseCase::TicketsOut
            | UseCase::Dokumente
            | UseCase::Personen => Direction::ErpToPartner,
        }
    }

    /// The default schedule as an operator would write it (see the module table).
    pub fn default_schedule_text(self) -> &'static str {
        match self {
            UseCase::Stammdaten => "Di, Do, So 02:00",
            UseCase::Leerstaende => "stündlich",
            UseCase::Interessenten => "täglich 06:00",
            UseCase::Mieter => "stündlich",
            UseCase::TicketsIn | UseCase::TicketsOut => "alle 15 Minuten",
            UseCase::Dokumente => "täglich 03:00",
            UseCase::Personen => "täglich 04:00",
        }
    }

    /// The default schedule (GEN-6).
    pub fn default_schedule(self) -> Schedule {
        // The texts above are tested to parse; a failure would be a programming error, and
        // manual is the safe fallback.
        self.default_schedule_text()
            .parse()
            .unwrap_or(Schedule::Manual)
    }

    /// The maximum frequency (GEN-6).
    pub fn max_frequency(self) -> MaxFrequency {
        match self {
            UseCase::Stammdaten => MaxFrequency::DAILY,
            UseCase::Leerstaende
            | UseCase::Interessenten
            | UseCase::Dokumente
            | UseCase::Personen => MaxFrequency::HOURLY,
            UseCase::Mieter => MaxFrequency::EVERY_15_MINUTES,
            UseCase::TicketsIn | UseCase::TicketsOut => MaxFrequency::EVERY_5_MINUTES,
        }
    }

    /// Parses a name: the stable name, with `_` for `-`, umlauts or English names
    /// (`master-data`, `vacancies`, `prospects`, `tenants`, `documents`, `persons`), any case.
    pub fn parse(s: &str) -> Option<UseCase> {
        let norm = s
            .trim()
            .to_lowercase()
            .replace('_', "-")
            .replace('ä', "ae")
            .replace(' ', "-");
        let found = match norm.as_str() {
            "stammdaten" | "master-data" | "masterdata" => UseCase::Stammdaten,
            "leerstaende" | "vacancies" => UseCase::Leerstaende,
            "interessenten" | "prospects" => UseCase::Interessenten,
            "mieter" | "accepted-tenants" | "vertragsanbahnung" => UseCase::Mieter,
            "tickets-in" => UseCase::TicketsIn,
            "tickets-out" => UseCase::TicketsOut,
            "dokumente" | "documents" => UseCase::Dokumente,
            "personen" | "persons" => UseCase::Personen,
            _ => return None,
        };
        Some(found)
    }

    /// The stable names of all use cases, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL.map(UseCase::as_str).join(", ")
    }
}

impl fmt::Display for UseCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown use-case name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unbekannter Use Case „{0}“ (bekannt: {names})", names = UseCase::names())]
pub struct UnknownUseCase(pub String);

impl FromStr for UseCase {
    type Err = UnknownUseCase;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UseCase::parse(s).ok_or_else(|| UnknownUseCase(s.to_owned()))
    }
}

impl Serialize for UseCase {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UseCase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
