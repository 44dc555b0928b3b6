//! Decisions, candidates and the reasons shown to staff.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A field of a [`crate::PersonRecord`] that can take part in the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Vorname.
    FirstName,
    /// Nachname.
    Surname,
    /// Geburtsdatum.
    BirthDate,
    /// E-Mail.
    Email,
    /// Telefon.
    Phone,
    /// Straße.
    Street,
    /// PLZ.
    Postcode,
    /// Ort.
    City,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 8] = [
        Field::FirstName,
        Field::Surname,
        Field::BirthDate,
        Field::Email,
        Field::Phone,
        Field::Street,
        Field::Postcode,
        Field::City,
    ];

    /// German label as staff see it.
    pub fn german(self) -> &'static str {
        match self {
            Field::FirstName => "Vorname",
            Field::Surname => "Nachname",
            Field::BirthDate => "Geburtsdatum",
            Field::Email => "E-Mail",
            Field::Phone => "Telefon",
            Field::Street => "Straße",
            Field::Postcode => "PLZ",
            Field::City => "Ort",
        }
    }

    /// English label.
    pub fn english(self) -> &'static str {
        match self {
            Field::FirstName => "first name",
            Field::Surname => "surname",
            Field::BirthDate => "birth date",
            Field::Email => "e-mail",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::City => "city",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// What the comparison of one field found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReasonKind {
    /// Exactly equal as entered.
    Equal,
    /// Equal after normalisation (white space, case, accents, ü/ue, ß/ss, titles, hyphens).
    EqualNormalised,
    /// Same Kölner Phonetik code (Meier/Mayer/Maier).
    Phonetic {
        /// The shared code, e.g. `"67"`.
        code: String,
    },
    /// Similar spelling (Jaro-Winkler similarity in [`Reason::similarity`]).
    Similar,
    /// One name is part of the other (double name "Meyer" / "Meyer-Lüdenscheid").
    PartOfDoubleName,
    /// First name and surname swapped; for the birth date: day and month swapped.
    Swapped,
    /// One digit differs or two adjacent digits are swapped (birth date, phone, postcode).
    Typo,
    /// The values differ.
    Different,
    /// Missing on at least one side; counts as neutral.
    Missing,
    /// Legacy rule: exactly equal (the only reason the legacy rule gives).
    LegacyExact,
}

/// Why a candidate scored as it did: one reason per configured key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The field compared.
    pub field: Field,
    /// What the comparison found.
    pub kind: ReasonKind,
    /// Similarity of the field in `[0, 1]` as it entered the score (for [`ReasonKind::Similar`]
    /// the raw Jaro-Winkler value).
    pub similarity: f64,
}

/// German decimal with two places: `0,93`.
fn de(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

impl Reason {
    /// The reason in German, as shown to staff, e.g. "Nachname phonetisch gleich (Kölner
    /// Phonetik 657)".
    pub fn german(&self) -> String {
        let f = self.field.german();
        match (&self.kind, self.field) {
            (ReasonKind::Equal, _) => format!("{f} gleich"),
            (ReasonKind::EqualNormalised, _) => {
                format!("{f} gleich nach Normalisierung (Schreibweise, Umlaute, Leerzeichen)")
            }
            (ReasonKind::Phonetic { code }, _) => {
                format!("{f} phonetisch gleich (Kölner Phonetik {code})")
            }
            (ReasonKind::Similar, _) => {
                format!("{f} ähnlich (Jaro-Winkler {})", de(self.similarity))
            }
            (ReasonKind::PartOfDoubleName, _) => format!("{f} teilweise gleich (Doppelname)"),
            (ReasonKind::Swapped, Field::BirthDate) => {
                format!("{f} gleich bis auf vertauschten Tag und Monat")
            }
            (ReasonKind::Swapped, _) => format!("{f} mit dem anderen Namensfeld vertauscht"),
            (ReasonKind::Typo, _) => format!("{f} bis auf einen Tippfehler gleich"),
            (ReasonKind::Different, _) => format!("{f} verschieden"),
            (ReasonKind::Missing, _) => format!("{f} fehlt (neutral gewertet)"),
            (ReasonKind::LegacyExact, _) => format!("{f} exakt gleich (Altverfahren)"),
        }
    }

    /// The reason in English.
    pub fn english(&self) -> String {
        let f = self.field.english();
        match (&self.kind, self.field) {
            (ReasonKind::Equal, _) => format!("{f} equal"),
            (ReasonKind::EqualNormalised, _) => format!("{f} equal after normalisation"),
            (ReasonKind::Phonetic { code }, _) => {
                format!("{f} sounds the same (Cologne phonetics {code})")
            }
            (ReasonKind::Similar, _) => {
                format!("{f} similar (Jaro-Winkler {:.2})", self.similarity)
            }
            (ReasonKind::PartOfDoubleName, _) => format!("{f} part of a double name"),
            (ReasonKind::Swapped, Field::BirthDate) => format!("{f} with day and month swapped"),
            (ReasonKind::Swapped, _) => format!("{f} swapped with the other name field"),
            (ReasonKind::Typo, _) => format!("{f} equal but for one typing error"),
            (ReasonKind::Different, _) => format!("{f} different"),
            (ReasonKind::Missing, _) => format!("{f} missing (neutral)"),
            (ReasonKind::LegacyExact, _) => format!("{f} exactly equal (legacy rule)"),
        }
    }
}

impl fmt::Display for Reason {
    /// German, as shown to staff.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.german())
    }
}

/// An existing person with the prospect's score against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The existing person's ID ([`crate::PersonRecord::id`]).
    pub person_id: String,
    /// Score in `[0, 1]`.
    pub score: f64,
    /// One reason per configured key.
    pub reasons: Vec<Reason>,
}

impl Candidate {
    /// The reasons in German, joined by "; ".
    pub fn german_reasons(&self) -> String {
        self.reasons
            .iter()
            .map(Reason::german)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Outcome of the duplicate check for one prospect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Score at or above `upper` for exactly one person: link the prospect to that person.
    Link {
        /// The existing person.
        person_id: String,
        /// Its score.
        score: f64,
        /// Why.
        reasons: Vec<Reason>,
    },
    /// Score between the thresholds, or more than one person at or above `upper`: staff decide.
    /// Candidates are ordered by score (highest first), at most `review_candidates` of them.
    Review {
        /// The best candidates.
        candidates: Vec<Candidate>,
    },
    /// Every score below `lower`: create a new person. `best` is the closest candidate, if any.
    New {
        /// The closest candidate found, for the record.
        best: Option<Candidate>,
    },
}

impl Decision {
    /// The linked person's ID, if the decision is a link.
    pub fn linked_id(&self) -> Option<&str> {
        match self {
            Decision::Link { person_id, .. } => Some(person_id),
            _ => None,
        }
    }

    /// True for [`Decision::Review`].
    pub fn is_review(&self) -> bool {
        matches!(self, Decision::Review { .. })
    }

    /// True for [`Decision::New`].
    pub fn is_new(&self) -> bool {
        matches!(self, Decision::New { .. })
    }
}
