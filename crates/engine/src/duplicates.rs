//! The duplicate check (PRO-3) between the inbox and the ERP write: before a prospect becomes a
//! new business partner, look for the person in the ERP.
//!
//! The persons are the hub store's canonical persons (what the last master-data run read from
//! the ERP), one [`PersonIndex`] per client (Mandant), because a business partner belongs to one
//! client and a prospect applies for a unit of one client. The index is built on first use and
//! rebuilt when the persons changed (their [`EntityStamp`] moved); between changes every check
//! is a look-up in memory (under 1 ms per prospect at 1,000,000 persons, see
//! `docs/MATCHING.md`).
//!
//! The verdict is one of three ([`Verdict`]): link to an existing person (score at or above the
//! upper threshold), wait in the review list (between the thresholds, or several persons above
//! the upper one), or a new person (below the lower threshold). Each carries the score and the
//! reasons in German for the protocol and the ERP's interface row.

use std::collections::HashMap;

use immohub_domain::ErpEntity;
use immohub_domain::entity::{Entity, Person};
use immohub_domain::prospect::Prospect;
use immohub_matching::{Candidate, Decision, MatchConfig, MatchError, PersonIndex, PersonRecord};
use immohub_store::{EntityStamp, NewReview, Store, StoreError};
use tokio::sync::Mutex;

/// Persons read from the store per page while building the index.
const PAGE: u32 = 5_000;

/// What the duplicate check decided for one prospect.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The prospect is this existing person: the ERP links the offer to it.
    Link {
        person_no: String,
        /// The score, two decimals (`0.93`).
        score: String,
        /// German: who, score and reasons.
        note: String,
    },
    /// Uncertain: the prospect waits in the review list.
    Review(NewReview),
    /// Nobody known: the ERP creates a new business partner.
    New {
        /// German: the closest candidate, if any, and why it was not taken.
        note: String,
    },
}

struct Cached {
    stamp: EntityStamp,
    clients: HashMap<String, PersonIndex>,
}

/// The duplicate check with its person index. One per process; cheap to share by reference.
pub struct DuplicateCheck {
    config: MatchConfig,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for DuplicateCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuplicateCheck")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DuplicateCheck {
    /// A check with the given keys, thresholds and mode; refuses an invalid configuration.
    pub fn new(config: MatchConfig) -> Result<Self, MatchError> {
        config.validate()?;
        Ok(DuplicateCheck {
            config,
            cache: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Checks `prospect` against the persons of client `client_no`.
    pub async fn check(
        &self,
        store: &dyn Store,
        client_no: &str,
        prospect: &Prospect,
    ) -> Result<Verdict, StoreError> {
        let stamp = store.entity_stamp(ErpEntity::Person).await?;
        let mut cache = self.cache.lock().await;
        if cache.as_ref().map(|c| c.stamp) != Some(stamp) {
            // Read the stamp before the persons: a change during the build moves the stamp
            // again, so the next check rebuilds instead of keeping a stale index.
            let clients = build(store).await?;
            *cache = Some(Cached { stamp, clients });
        }
        let record = prospect_record(prospect);
        let decision = match cache.as_ref().and_then(|c| c.clients.get(client_no)) {
            Some(index) => index
                .check(&record, &self.config)
                // The configuration was validated in `new`.
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => Decision::New { best: None },
        };
        Ok(verdict(client_no, decision, &self.config))
    }
}

async fn build(store: &dyn Store) -> Result<HashMap<String, PersonIndex>, StoreError> {
    let mut clients: HashMap<String, PersonIndex> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .live_entities(ErpEntity::Person, after.as_deref(), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.erp_key.clone());
        let full = page.len() == PAGE as usize;
        for stored in page {
            let Ok(Entity::Person(person)) = serde_json::from_value::<Entity>(stored.payload)
            else {
                continue;
            };
            if let Some(record) = person_record(&person) {
                clients
                    .entry(person.client_no.clone())
                    .or_default()
                    .insert(record);
            }
        }
        if !full {
            break;
        }
    }
    Ok(clients)
}

/// An ERP person as the matcher sees it; `None` for anonymised persons and organisations
/// (no surname: nobody applies as an estate).
fn person_record(p: &Person) -> Option<PersonRecord> {
    if p.anonymised {
        return None;
    }
    let surname = p.surname.clone().filter(|s| !s.trim().is_empty())?;
    let address = p.address.as_ref();
    Some(PersonRecord {
        id: p.person_no.clone(),
        first_name: p.first_name.clone().unwrap_or_default(),
        surname,
        birth_date: p.birth_date,
        email: p.email.clone().unwrap_or_default(),
        phone: p
            .phone
            .clone()
            .or_else(|| p.mobile.clone())
            .unwrap_or_default(),
        street: address
            .map(|a| join_street(&a.street, a.house_no.as_deref()))
            .unwrap_or_default(),
        postcode: address.map(|a| a.postal_code.clone()).unwrap_or_default(),
        city: address.map(|a| a.city.clone()).unwrap_or_default(),
    })
}

fn prospect_record(p: &Prospect) -> PersonRecord {
    let address = p.address.as_ref();
    PersonRecord {
        id: String::new(),
        first_name: p.first_name.clone().unwrap_or_default(),
        surname: p.surname.clone(),
        birth_date: p.birth_date,
        email: p.email.clone().unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        street: address
            .map(|a| join_street(&a.street, a.house_no.as_deref()))
            .unwrap_or_default(),
        postcode: address.map(|a| a.postal_code.clone()).unwrap_or_default(),
        city: address.map(|a| a.city.clone()).unwrap_or_default(),
    }
}

fn join_street(street: &str, house_no: Option<&str>) -> String {
    match house_no.map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => format!("{street} {h}"),
        None => street.to_owned(),
    }
}

/// `0.934` → `0,93` (German decimal comma).
pub fn score_de(score: f64) -> String {
    format!("{score:.2}").replace('.', ",")
}

fn verdict(client_no: &str, decision: Decision, config: &MatchConfig) -> Verdict {
    let bounds = format!(
        "Schwellen {} / {}",
        score_de(config.lower),
        score_de(config.upper)
    );
    match decision {
        Decision::Link {
            person_id,
            score,
            reasons,
        } => {
            let candidate = Candidate {
                person_id: person_id.clone(),
                score,
                reasons,
            };
            Verdict::Link {
                note: format!(
                    "Dublettenprüfung: verknüpft mit Person {person_id} (Score {}; {}; {bounds})",
                    score_de(score),
                    candidate.german_reasons()
                ),
                person_no: person_id,
                score: format!("{score:.2}"),
            }
        }
        Decision::Review { candidates } => {
            let best = candidates
                .first()
                .map(|c| {
                    format!(
                        "bester Treffer Person {} mit Score {} ({})",
                        c.person_id,
                        score_de(c.score),
                        c.german_reasons()
                    )
                })
                .unwrap_or_default();
            let summary = format!(
                "Dublettenprüfung unsicher: {} Kandidat(en), {best}; {bounds}. Bitte in der \
                 Prüfliste entscheiden (immohub review).",
                candidates.len()
            );
            Verdict::Review(NewReview {
                client_no: client_no.to_owned(),
                candidates: serde_json::to_value(&candidates).unwrap_or_default(),
                summary,
            })
        }
        Decision::New { best } => Verdict::New {
            note: match best {
                Some(c) => format!(
                    "Dublettenprüfung: neue Person (nächster Treffer Person {} mit Score {} \
                     unter der Schwelle {}; {})",
                    c.person_id,
                    score_de(c.score),
                    score_de(config.lower),
                    c.german_reasons()
                ),
                None => "Dublettenprüfung: neue Person (kein ähnlicher Eintrag)".to_owned(),
            },
        },
    }
}
