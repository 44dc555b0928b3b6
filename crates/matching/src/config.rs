//! Configuration of the duplicate check (PRO-3): keys, weights, thresholds, mode.

use crate::MatchError;
use crate::decision::Field;
use serde::{Deserialize, Serialize};

/// How prospects are compared with existing persons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Normalised, typo- and phonetics-tolerant comparison with a score (the PRO-3 default).
    #[default]
    Fuzzy,
    /// The legacy ERP check: the configured keys must be exactly equal, byte for byte, so it
    /// is sensitive to white space ("reagiert sensibel auf Leerzeichen"), case, accents and
    /// transliteration. A missing value equals only a missing value.
    LegacyExact,
}

/// How field similarities combine into the score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreModel {
    /// Fellegi–Sunter log-likelihood (default): each field adds `log2(m/u)` bits when it
    /// agrees and `log2((1-m)/(1-u))` when it disagrees (interpolated by similarity; field
    /// weights act as multipliers; missing adds 0), mapped to `[0, 1]` by a logistic curve.
    /// Rare agreements (birth date, address) outweigh one corrupted field. Homonyms (same
    /// name, other birth date) score low; twins (other first name) land in review.
    #[default]
    LogLikelihood,
    /// Weighted mean of the field similarities (missing counts as `missing_similarity`).
    /// Every key must agree for a high score: more conservative, lower recall on FEBRL4.
    WeightedMean,
}

/// Weight of each field in the score; a field with weight 0 does not take part.
///
/// The default is the PRO-3 default key: first name, surname and birth date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldWeights {
    /// Vorname (default 1.0).
    pub first_name: f64,
    /// Nachname (default 1.0).
    pub surname: f64,
    /// Geburtsdatum (default 1.0).
    pub birth_date: f64,
    /// E-Mail (default 0: not a key).
    pub email: f64,
    /// Telefon (default 0: not a key).
    pub phone: f64,
    /// Straße and house number (default 0: not a key).
    pub street: f64,
    /// PLZ (default 0: not a key).
    pub postcode: f64,
    /// Ort (default 0: not a key).
    pub city: f64,
}

impl Default for FieldWeights {
    fn default() -> Self {
        FieldWeights {
            first_name: 1.0,
            surname: 1.0,
            birth_date: 1.0,
            email: 0.0,
            phone: 0.0,
            street: 0.0,
            postcode: 0.0,
            city: 0.0,
        }
    }
}

impl FieldWeights {
    /// The weight of one field.
    pub fn get(&self, field: Field) -> f64 {
        match field {
            Field::FirstName => self.first_name,
            Field::Surname => self.surname,
            Field::BirthDate => self.birth_date,
            Field::Email => self.email,
            Field::Phone => self.phone,
            Field::Street => self.street,
            Field::Postcode => self.postcode,
            Field::City => self.city,
        }
    }

    /// Sets the weight of one field.
    pub fn set(&mut self, field: Field, weight: f64) {
        let slot = match field {
            Field::FirstName => &mut self.first_name,
            Field::Surname => &mut self.surname,
            Field::BirthDate => &mut self.birth_date,
            Field::Email => &mut self.email,
            Field::Phone => &mut self.phone,
            Field::Street => &mut self.street,
            Field::Postcode => &mut self.postcode,
            Field::City => &mut self.city,
        };
        *slot = weight;
    }

    /// The fields that take part (weight above 0), in [`Field::ALL`] order.
    pub fn keys(&self) -> impl Iterator<Item = Field> + '_ {
        Field::ALL.into_iter().filter(|f| self.get(*f) > 0.0)
    }
}

/// Configuration of the duplicate check. Deserialises from a TOML/JSON table; every key is
/// optional and defaults as documented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchConfig {
    /// Fuzzy (default) or the strict legacy rule.
    pub mode: MatchMode,
    /// Which fields are keys and how much each counts.
    pub weights: FieldWeights,
    /// How the field similarities combine (default: log-likelihood).
    pub model: ScoreModel,
    /// At or above this score the prospect is linked to the person (default 0.85).
    pub upper: f64,
    /// Below this score a new person is created; between `lower` and `upper` the prospect waits
    /// in the review list (default 0.70).
    pub lower: f64,
    /// Similarity a key counts with when it is missing on either side, in the weighted-mean
    /// model (default 0.5: neither confirms nor contradicts). The log-likelihood model ignores
    /// missing keys (0 bits).
    pub missing_similarity: f64,
    /// How many candidates a review item shows at most (default 5).
    pub review_candidates: usize,
    /// Log-likelihood model only: the evidence in bits at which the score is 0.5. Default
    /// (`None`): `max(12, log2(number of persons compared against))`, i.e. the prior odds of
    /// a random person being the prospect.
    pub llr_midpoint: Option<f64>,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            mode: MatchMode::Fuzzy,
            weights: FieldWeights::default(),
            model: ScoreModel::LogLikelihood,
            upper: 0.85,
            lower: 0.70,
            missing_similarity: 0.5,
            review_candidates: 5,
            llr_midpoint: None,
        }
    }
}

impl MatchConfig {
    /// The legacy exact rule on the default keys.
    pub fn legacy() -> Self {
        MatchConfig {
            mode: MatchMode::LegacyExact,
            ..MatchConfig::default()
        }
    }

    /// The default keys plus address (street, postcode, city), each with the given weight.
    pub fn with_address(mut self, weight: f64) -> Self {
        self.weights.street = weight;
        self.weights.postcode = weight;
        self.weights.city = weight;
        self
    }

    /// The default keys plus e-mail and phone, each with the given weight.
    pub fn with_contact(mut self, weight: f64) -> Self {
        self.weights.email = weight;
        self.weights.phone = weight;
        self
    }

    /// Checks thresholds and weights.
    pub fn validate(&self) -> Result<(), MatchError> {
        let ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !(ok(self.lower) && ok(self.upper) && self.lower <= self.upper) {
            return Err(MatchError::Thresholds {
                lower: self.lower,
                upper: self.upper,
            });
        }
        if !ok(self.missing_similarity) {
            return Err(MatchError::MissingSimilarity(self.missing_similarity));
        }
        if let Some(m) = self.llr_midpoint
            && !m.is_finite()
        {
            return Err(MatchError::LlrMidpoint(m));
        }
        for field in Field::ALL {
            let value = self.weights.get(field);
            if !value.is_finite() || value < 0.0 {
                return Err(MatchError::Weight { field, value });
            }
        }
        if self.weights.keys().next().is_none() {
            return Err(MatchError::NoKeys);
        }
        Ok(())
    }
}
