//! PRO-3 duplicate check: before a prospect becomes a new business partner, find an existing
//! person.
//!
//! Pure library (no IO, no database). The pieces:
//! - [`normalize`]: white space, case, accents, transliteration (ü/ue, ß/ss), titles, particles,
//!   double names, e-mail, phone numbers.
//! - [`MatchConfig`]: which keys take part and their weights, the two thresholds, and the mode
//!   ([`MatchMode::Fuzzy`] or the strict [`MatchMode::LegacyExact`]).
//! - [`compare`]: one prospect against one person: a score in `[0, 1]` and the [`Reason`]s.
//! - [`PersonIndex`]: blocking index over up to millions of persons;
//!   [`PersonIndex::check`] returns a [`Decision`] (link, review or new).
//!
//! The model, the thresholds and the benchmark evidence are described in `docs/MATCHING.md`.

mod compare;
mod config;
mod decision;
mod entry;
mod index;
pub mod normalize;
mod record;

pub use compare::{compare, decide};
pub use config::{FieldWeights, MatchConfig, MatchMode, ScoreModel};
pub use decision::{Candidate, Decision, Field, Reason, ReasonKind};
pub use index::{BlockingLimits, PersonIndex};
pub use record::PersonRecord;

/// Errors of the duplicate check. Only a configuration can be wrong; matching itself is total.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchError {
    /// Thresholds must satisfy `0 <= lower <= upper <= 1`.
    #[error("invalid thresholds: need 0 <= lower ({lower}) <= upper ({upper}) <= 1")]
    Thresholds {
        /// The configured lower threshold.
        lower: f64,
        /// The configured upper threshold.
        upper: f64,
    },
    /// A weight is negative or not a finite number.
    #[error("invalid weight {value} for field {field}")]
    Weight {
        /// The field whose weight is wrong.
        field: Field,
        /// The configured weight.
        value: f64,
    },
    /// No field has a positive weight, so nothing would be compared.
    #[error("no key takes part in the duplicate check (all weights are 0)")]
    NoKeys,
    /// `llr_midpoint` must be a finite number.
    #[error("invalid llr_midpoint {0}: must be finite")]
    LlrMidpoint(f64),
    /// `missing_similarity` must lie in `[0, 1]`.
    #[error("invalid missing_similarity {0}: must lie in [0, 1]")]
    MissingSimilarity(f64),
}
