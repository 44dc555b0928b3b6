//! Field comparison, the score and the decision (PRO-3).

use crate::config::{MatchConfig, MatchMode, ScoreModel};
use crate::decision::{Candidate, Decision, Field, Reason, ReasonKind};
use crate::entry::{Entry, Flat, Owned, View};
use crate::{MatchError, PersonRecord};
use chrono::{Datelike, NaiveDate};

/// Jaro-Winkler values at or below this floor count as 0 similarity for names; above it the
/// similarity rises linearly to 1 (so unrelated names, which still reach JW 0.5–0.7, add
/// nothing). Tuned on FEBRL4, see docs/MATCHING.md.
const NAME_JW_FLOOR: f64 = 0.70;
/// Jaro-Winkler from which a name is reported as "ähnlich" rather than "verschieden".
const SIMILAR_MIN: f64 = 0.80;
/// Similarity of two names with the same Kölner Phonetik code (at least).
const PHONETIC_SIM: f64 = 0.85;
/// Similarity when one name is a part of a double name ("Meyer" / "Meyer-Lüdenscheid").
const DOUBLE_NAME_SIM: f64 = 0.85;
/// Factor on the similarities of swapped first name and surname.
const SWAP_FACTOR: f64 = 0.95;
/// Birth date with day and month swapped.
const DATE_SWAP_SIM: f64 = 0.8;
/// Birth date with one digit wrong or two adjacent digits swapped.
const DATE_TYPO_SIM: f64 = 0.75;
/// Phone number or postcode with one typing error.
const DIGIT_TYPO_SIM: f64 = 0.6;
/// Jaro-Winkler floor for street and e-mail.
const FLAT_JW_FLOOR: f64 = 0.80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Equal,
    EqualNormalised,
    Phonetic,
    Similar,
    PartOfDoubleName,
    Swapped,
    Typo,
    Different,
    Missing,
}

#[derive(Debug, Clone, Copy)]
struct Outcome {
    sim: f64,
    kind: Kind,
    /// Value shown in the reason (raw Jaro-Winkler for `Similar`).
    shown: f64,
}

impl Outcome {
    fn new(sim: f64, kind: Kind) -> Self {
        Outcome {
            sim,
            kind,
            shown: sim,
        }
    }
}

fn scale(jw: f64, floor: f64) -> f64 {
    ((jw - floor) / (1.0 - floor)).clamp(0.0, 1.0)
}

/// Compares two non-empty names.
fn name_outcome(a: &Entry, b: &Entry) -> Outcome {
    if a.raw == b.raw {
        return Outcome::new(1.0, Kind::Equal);
    }
    if a.norm.key == b.norm.key || a.norm.folded == b.norm.folded {
        return Outcome::new(1.0, Kind::EqualNormalised);
    }
    let jw = strsim::jaro_winkler(&a.norm.folded, &b.norm.folded);
    let mut out = Outcome {
        sim: scale(jw, NAME_JW_FLOOR),
        kind: if jw >= SIMILAR_MIN {
            Kind::Similar
        } else {
            Kind::Different
        },
        shown: jw,
    };
    if !a.code.is_empty() && a.code == b.code && out.sim < PHONETIC_SIM {
        out = Outcome::new(PHONETIC_SIM, Kind::Phonetic);
    }
    if out.sim < DOUBLE_NAME_SIM && part_of_double_name(a, b) {
        out = Outcome::new(DOUBLE_NAME_SIM, Kind::PartOfDoubleName);
    }
    out
}

/// True when every token of the shorter name occurs in the longer one, which has more tokens.
fn part_of_double_name(a: &Entry, b: &Entry) -> bool {
    let (ta, tb) = (a.norm.tokens().count(), b.norm.tokens().count());
    if ta == tb || ta == 0 || tb == 0 {
        return false;
    }
    let (short, long) = if ta < tb { (a, b) } else { (b, a) };
    let long: Vec<String> = long
        .norm
        .tokens()
        .map(crate::normalize::fold_digraphs)
        .collect();
    short
        .norm
        .tokens()
        .all(|t| long.contains(&crate::normalize::fold_digraphs(t)))
}

fn digits(d: NaiveDate) -> [u8; 8] {
    let y = u32::try_from(d.year()).unwrap_or(0);
    let (m, dd) = (d.month(), d.day());
    let v = [
        y / 1000 % 10,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        m / 10,
        m % 10,
        dd / 10,
        dd % 10,
    ];
    v.map(|x| u8::try_from(x).unwrap_or(0))
}

/// One substitution or one transposition of adjacent symbols.
fn one_typo(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

fn date_outcome(a: NaiveDate, b: NaiveDate) -> Outcome {
    if a == b {
        return Outcome::new(1.0, Kind::Equal);
    }
    if a.year() == b.year() && a.month() == b.day() && a.day() == b.month() {
        return Outcome::new(DATE_SWAP_SIM, Kind::Swapped);
    }
    if one_typo(&digits(a), &digits(b)) {
        return Outcome::new(DATE_TYPO_SIM, Kind::Typo);
    }
    Outcome::new(0.0, Kind::Different)
}

fn exact_or_normalised(a: &Flat<'_>, b: &Flat<'_>) -> Option<Outcome> {
    if a.raw == b.raw {
        Some(Outcome::new(1.0, Kind::Equal))
    } else if a.norm == b.norm {
        Some(Outcome::new(1.0, Kind::EqualNormalised))
    } else {
        None
    }
}

fn digits_outcome(a: &Flat<'_>, b: &Flat<'_>) -> Outcome {
    exact_or_normalised(a, b).unwrap_or_else(|| {
        if one_typo(a.norm.as_bytes(), b.norm.as_bytes()) {
            Outcome::new(DIGIT_TYPO_SIM, Kind::Typo)
        } else {
            Outcome::new(0.0, Kind::Different)
        }
    })
}

fn text_outcome(a: &Flat<'_>, b: &Flat<'_>) -> Outcome {
    exact_or_normalised(a, b).unwrap_or_else(|| {
        let jw = strsim::jaro_winkler(a.norm, b.norm);
        Outcome {
            sim: scale(jw, FLAT_JW_FLOOR),
            kind: if jw >= SIMILAR_MIN + 0.05 {
                Kind::Similar
            } else {
                Kind::Different
            },
            shown: jw,
        }
    })
}

/// Per-field outcomes of a prospect against a person, for the configured keys.
fn outcomes(p: &View<'_>, e: &View<'_>, config: &MatchConfig) -> [Option<Outcome>; 8] {
    let w = &config.weights;
    let missing = Outcome::new(config.missing_similarity, Kind::Missing);
    let name = |a: &Entry, b: &Entry| {
        if a.is_empty() || b.is_empty() {
            missing
        } else {
            name_outcome(a, b)
        }
    };
    let flat = |a: &Flat<'_>, b: &Flat<'_>, f: fn(&Flat<'_>, &Flat<'_>) -> Outcome| {
        if a.is_empty() || b.is_empty() {
            missing
        } else {
            f(a, b)
        }
    };
    let mut out = [None; 8];
    let want = |x: f64| x > 0.0;
    if want(w.first_name) {
        out[0] = Some(name(p.first, e.first));
    }
    if want(w.surname) {
        out[1] = Some(name(p.surname, e.surname));
    }
    // Swapped first name and surname.
    if let (Some(f), Some(s)) = (out[0], out[1])
        && f.kind != Kind::Missing
        && s.kind != Kind::Missing
        && f.sim + s.sim < 1.8
    {
        let cf = name_outcome(p.first, e.surname);
        let cs = name_outcome(p.surname, e.first);
        if cf.sim >= 0.8 && cs.sim >= 0.8 && cf.sim + cs.sim > f.sim + s.sim + 0.2 {
            out[0] = Some(Outcome::new(cf.sim * SWAP_FACTOR, Kind::Swapped));
            out[1] = Some(Outcome::new(cs.sim * SWAP_FACTOR, Kind::Swapped));
        }
    }
    if want(w.birth_date) {
        out[2] = Some(match (p.birth, e.birth) {
            (Some(a), Some(b)) => date_outcome(a, b),
            _ => missing,
        });
    }
    if want(w.email) {
        out[3] = Some(flat(&p.email, &e.email, text_outcome));
    }
    if want(w.phone) {
        out[4] = Some(flat(&p.phone, &e.phone, digits_outcome));
    }
    if want(w.street) {
        out[5] = Some(flat(&p.street, &e.street, text_outcome));
    }
    if want(w.postcode) {
        out[6] = Some(flat(&p.postcode, &e.postcode, digits_outcome));
    }
    if want(w.city) {
        out[7] = Some(if p.city.is_empty() || e.city.is_empty() {
            missing
        } else {
            name_outcome(p.city, e.city)
        });
    }
    out
}

/// Fellegi–Sunter m- and u-probabilities per field (in [`Field::ALL`] order): how often the
/// field agrees for a true pair, and for two random persons. Set by judgement for a German
/// housing stock, not fitted to FEBRL4.
/// The first name's m is high on purpose: a clearly different first name must outweigh an equal
/// surname and birth date enough that twins land in review, not in a link.
const M_U: [(f64, f64); 8] = [
    (0.99, 0.01),
    (0.95, 0.002),
    (0.97, 0.000_05),
    (0.90, 0.000_001),
    (0.90, 0.000_001),
    (0.80, 0.001),
    (0.90, 0.001),
    (0.90, 0.01),
];
/// Smallest log-likelihood (bits) at which the [`ScoreModel::LogLikelihood`] score is 0.5.
/// The midpoint is `max(12, log2(persons))` unless configured: with N persons the prior odds
/// that a given one is the prospect are about 1/N, so a larger stock needs more evidence
/// (12 bits ≈ the 5,000 persons of FEBRL4; 20 bits at 1,000,000).
const LLR_MIDPOINT_MIN: f64 = 12.0;

/// The log-likelihood midpoint for a stock of `population` persons.
pub(crate) fn llr_midpoint(config: &MatchConfig, population: usize) -> f64 {
    config
        .llr_midpoint
        .unwrap_or_else(|| (population.max(1) as f64).log2().max(LLR_MIDPOINT_MIN))
}
/// Similarity from which a present key counts as agreeing for the missing-value floor.
const AGREE_MIN: f64 = 0.85;
/// Bits per unit of the logistic curve.
const LLR_SCALE: f64 = 2.0;

fn score_of(out: &[Option<Outcome>; 8], config: &MatchConfig, midpoint: f64) -> f64 {
    match config.model {
        ScoreModel::WeightedMean => weighted_mean(out, config),
        ScoreModel::LogLikelihood => {
            let mut llr = 0.0;
            for ((field, o), (m, u)) in Field::ALL.iter().zip(out).zip(M_U) {
                if let Some(o) = o
                    && o.kind != Kind::Missing
                {
                    let agree = (m / u).log2();
                    let disagree = ((1.0 - m) / (1.0 - u)).log2();
                    llr += config.weights.get(*field) * (disagree + o.sim * (agree - disagree));
                }
            }
            let score = 1.0 / (1.0 + ((midpoint - llr) / LLR_SCALE).exp2());
            // A missing value must not turn a match into a new person: when at least two keys
            // are present and all present keys agree, the candidate reaches at least review.
            let present: Vec<&Outcome> = out
                .iter()
                .flatten()
                .filter(|o| o.kind != Kind::Missing)
                .collect();
            let any_missing = out.iter().flatten().any(|o| o.kind == Kind::Missing);
            if any_missing && present.len() >= 2 && present.iter().all(|o| o.sim >= AGREE_MIN) {
                score.max(config.lower)
            } else {
                score
            }
        }
    }
}

/// Weighted mean of the field similarities.
fn weighted_mean(out: &[Option<Outcome>; 8], config: &MatchConfig) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (field, o) in Field::ALL.iter().zip(out) {
        if let Some(o) = o {
            let w = config.weights.get(*field);
            sum += w * o.sim;
            total += w;
        }
    }
    if total > 0.0 { sum / total } else { 0.0 }
}

/// Fuzzy score of a prospect against one person (no reasons; the fast path of the index).
pub(crate) fn fuzzy_score(p: &View<'_>, e: &View<'_>, config: &MatchConfig, midpoint: f64) -> f64 {
    score_of(&outcomes(p, e, config), config, midpoint)
}

/// Fuzzy score with reasons.
pub(crate) fn fuzzy_candidate(
    p: &View<'_>,
    e: &View<'_>,
    config: &MatchConfig,
    midpoint: f64,
) -> Candidate {
    let out = outcomes(p, e, config);
    let reasons = Field::ALL
        .iter()
        .zip(&out)
        .filter_map(|(field, o)| {
            let o = o.as_ref()?;
            let kind = match o.kind {
                Kind::Equal => ReasonKind::Equal,
                Kind::EqualNormalised => ReasonKind::EqualNormalised,
                Kind::Phonetic => ReasonKind::Phonetic {
                    code: match field {
                        Field::FirstName => e.first.code.to_string(),
                        _ => e.surname.code.to_string(),
                    },
                },
                Kind::Similar => ReasonKind::Similar,
                Kind::PartOfDoubleName => ReasonKind::PartOfDoubleName,
                Kind::Swapped => ReasonKind::Swapped,
                Kind::Typo => ReasonKind::Typo,
                Kind::Different => ReasonKind::Different,
                Kind::Missing => ReasonKind::Missing,
            };
            Some(Reason {
                field: *field,
                kind,
                similarity: o.shown,
            })
        })
        .collect();
    Candidate {
        person_id: e.id.to_string(),
        score: score_of(&out, config, midpoint),
        reasons,
    }
}

/// The legacy rule: every configured key exactly equal as entered.
pub(crate) fn legacy_equal(p: &View<'_>, e: &View<'_>, config: &MatchConfig) -> bool {
    config.weights.keys().all(|field| match field {
        Field::FirstName => p.first.raw == e.first.raw,
        Field::Surname => p.surname.raw == e.surname.raw,
        Field::BirthDate => p.birth == e.birth,
        Field::Email => p.email.raw == e.email.raw,
        Field::Phone => p.phone.raw == e.phone.raw,
        Field::Street => p.street.raw == e.street.raw,
        Field::Postcode => p.postcode.raw == e.postcode.raw,
        Field::City => p.city.raw == e.city.raw,
    })
}

pub(crate) fn legacy_candidate(e: &View<'_>, config: &MatchConfig) -> Candidate {
    Candidate {
        person_id: e.id.to_string(),
        score: 1.0,
        reasons: config
            .weights
            .keys()
            .map(|field| Reason {
                field,
                kind: ReasonKind::LegacyExact,
                similarity: 1.0,
            })
            .collect(),
    }
}

/// Orders candidates by score (highest first), ties by person ID, so that decisions do not
/// depend on the order in which persons were indexed.
pub(crate) fn sort_candidates(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
}

/// Turns scored candidates into a decision (candidates need not be sorted).
pub(crate) fn decide_from(mut candidates: Vec<Candidate>, config: &MatchConfig) -> Decision {
    sort_candidates(&mut candidates);
    let Some(top) = candidates.first() else {
        return Decision::New { best: None };
    };
    let above_upper = candidates
        .iter()
        .filter(|c| c.score >= config.upper)
        .count();
    if above_upper == 1 {
        let top = candidates.swap_remove(0);
        return Decision::Link {
            person_id: top.person_id,
            score: top.score,
            reasons: top.reasons,
        };
    }
    if top.score >= config.lower {
        candidates.retain(|c| c.score >= config.lower);
        candidates.truncate(config.review_candidates.max(1));
        return Decision::Review { candidates };
    }
    Decision::New {
        best: candidates.into_iter().next(),
    }
}

/// Compares one prospect with one existing person: score and reasons. The log-likelihood
/// model uses the midpoint of a small stock (12 bits) unless `llr_midpoint` is configured; the
/// index uses its own size.
///
/// In [`MatchMode::LegacyExact`] the score is 1 when every key is exactly equal, else 0.
pub fn compare(
    prospect: &PersonRecord,
    existing: &PersonRecord,
    config: &MatchConfig,
) -> Candidate {
    let (p, e) = (Owned::new(prospect), Owned::new(existing));
    match config.mode {
        MatchMode::Fuzzy => fuzzy_candidate(&p.view(), &e.view(), config, llr_midpoint(config, 1)),
        MatchMode::LegacyExact => {
            if legacy_equal(&p.view(), &e.view(), config) {
                legacy_candidate(&e.view(), config)
            } else {
                Candidate {
                    person_id: existing.id.clone(),
                    score: 0.0,
                    reasons: Vec::new(),
                }
            }
        }
    }
}

/// Checks a prospect against a small list of persons without an index (every person is
/// compared). For large sets use [`crate::PersonIndex`].
pub fn decide(
    prospect: &PersonRecord,
    existing: &[PersonRecord],
    config: &MatchConfig,
) -> Result<Decision, MatchError> {
    config.validate()?;
    let p = Owned::new(prospect);
    let owned: Vec<Owned> = existing.iter().map(Owned::new).collect();
    let views = owned.iter().map(Owned::view);
    Ok(decide_views(&p.view(), views, config, existing.len()))
}

/// Shared by [`decide`] and the index: scores the candidate views and decides.
pub(crate) fn decide_views<'a>(
    p: &View<'_>,
    candidates: impl Iterator<Item = View<'a>>,
    config: &MatchConfig,
    population: usize,
) -> Decision {
    let midpoint = llr_midpoint(config, population);
    match config.mode {
        MatchMode::LegacyExact => {
            let found: Vec<Candidate> = candidates
                .filter(|e| legacy_equal(p, e, config))
                .map(|e| legacy_candidate(&e, config))
                .collect();
            decide_from(found, config)
        }
        MatchMode::Fuzzy => {
            // Score everything cheaply, then build reasons for the few that are shown.
            let mut scored: Vec<(f64, View<'a>)> = candidates
                .map(|e| (fuzzy_score(p, &e, config, midpoint), e))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(b.1.id)));
            let keep = config.review_candidates.max(1) + 1;
            let shown: Vec<Candidate> = scored
                .iter()
                .enumerate()
                .filter(|(i, (s, _))| *i < keep || *s >= config.upper)
                .map(|(_, (_, e))| fuzzy_candidate(p, e, config, midpoint))
                .collect();
            decide_from(shown, config)
        }
    }
}
