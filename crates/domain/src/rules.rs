//! Master-data rules as pure functions: client filter (GEN-2), composite IDs (GEN-1), tenant
//! preconditions (STM-2), floor (STM-3), unit types (STM-4), and the projection of a canonical
//! entity into what one partner receives.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::entity::{Entity, Person, Unit};
use crate::id::{IdError, Separator, compose};
use crate::profile::{FeedKind, PartnerProfile, TenantRule};

/// STM-3: derives the partner's floor number from the ERP's free text ("Etage/Lage").
///
/// Case-insensitive, first rule that applies: empty → none; contains "Erdgeschoss" → 0;
/// contains "Keller" → -1; a number → that number; a number can be extracted → that number;
/// otherwise none.
pub fn floor_from_text(text: Option<&str>) -> Option<i32> {
    let t = text?.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_lowercase();
    if lower.contains("erdgeschoss") {
        return Some(0);
    }
    if lower.contains("keller") {
        return Some(-1);
    }
    if let Ok(n) = t.parse::<i32>() {
        return Some(n);
    }
    extract_number(t)
}

/// The first integer in a text, with a minus sign directly in front of it.
fn extract_number(t: &str) -> Option<i32> {
    let bytes = t.as_bytes();
    let start = bytes.iter().position(u8::is_ascii_digit)?;
    let end = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |p| start + p);
    let n: i32 = t[start..end].parse().ok()?;
    let negative = start > 0 && bytes[start - 1] == b'-';
    Some(if negative { -n } else { n })
}

/// STM-4 unit type categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    Living,
    Commercial,
    Parking,
    Storage,
    Other,
}

/// STM-4: maps the ERP's usage code to a unit type; configurable per connection.
///
/// Lookup is case-insensitive on the trimmed code; codes not listed map to `fallback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTypeMapping {
    #[serde(default)]
    pub codes: BTreeMap<String, UnitType>,
    #[serde(default = "other")]
    pub fallback: UnitType,
}

fn other() -> UnitType {
    UnitType::Other
}

impl Default for UnitTypeMapping {
    /// The usage codes common in German housing ERPs.
    fn default() -> Self {
        use UnitType::*;
        let pairs: &[(&str, UnitType)] = &[
            ("wohnung", Living),
            ("whg", Living),
            ("wohnen", Living),
            ("maisonette", Living),
            ("gewerbe", Commercial),
            ("laden", Commercial),
            ("buero", Commercial),
            ("büro", Commercial),
            ("praxis", Commercial),
            ("stellplatz", Parking),
            ("garage", Parking),
            ("tiefgarage", Parking),
            ("carport", Parking),
            ("parkplatz", Parking),
            ("lager", Storage),
            ("keller", Storage),
            ("abstellraum", Storage),
        ];
        Self {
            codes: pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            fallback: Other,
        }
    }
}

impl UnitTypeMapping {
    pub fn map(&self, code: &str) -> UnitType {
        let key = code.trim().to_lowercase();
        self.codes
            .iter()
            .find(|(k, _)| k.to_lowercase() == key)
            .map_or(self.fallback, |(_, v)| *v)
    }
}

/// The per-connection rules of a master-data sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRules {
    pub profile: PartnerProfile,
    pub separator: Separator,
    /// GEN-2: the client numbers to sync. Empty syncs nothing.
    pub clients: Vec<String>,
    pub unit_types: UnitTypeMapping,
}

impl SyncRules {
    /// GEN-2: whether a client's data is synced on this connection.
    pub fn client_allowed(&self, client_no: &str) -> bool {
        self.clients.iter().any(|c| c == client_no)
    }
}

/// Why a record is not sent to a partner. Messages are German, with the rule ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "SCREAMING-KEBAB-CASE")]
pub enum SkipReason {
    #[error("Mandant {client_no} ist für diese Verbindung nicht freigegeben (GEN-2)")]
    Gen2ClientNotReleased { client_no: String },
    #[error("{message} (GEN-1)")]
    Gen1AmbiguousId { message: String },
    #[error("Mieter ohne E-Mail-Adresse: {partner} kann kein Benutzerkonto anlegen (STM-2)")]
    Stm2NoEmail { partner: String },
    #[error("Mieter ohne Nachname werden an {partner} nicht übertragen (STM-2)")]
    Stm2NoSurname { partner: String },
    #[error("Einheit ohne aktiven Mieter wird an {partner} nicht übertragen (STM-2)")]
    Stm2UnitWithoutTenant { partner: String },
    #[error("Person ist keine aktive Mietpartei (kein laufender oder künftiger Mietvertrag)")]
    NotATenant,
    #[error("Person ist kein Eigentümer")]
    NotAnOwner,
    #[error("Leerstand ohne Nettokaltmiete wird nicht übertragen (VAC-1)")]
    Vac1NoNetColdRent,
}

impl SkipReason {
    /// Stable machine code, e.g. `GEN-2`.
    pub fn rule(&self) -> &'static str {
        match self {
            SkipReason::Gen2ClientNotReleased { .. } => "GEN-2",
            SkipReason::Gen1AmbiguousId { .. } => "GEN-1",
            SkipReason::Stm2NoEmail { .. }
            | SkipReason::Stm2NoSurname { .. }
            | SkipReason::Stm2UnitWithoutTenant { .. } => "STM-2",
            SkipReason::NotATenant | SkipReason::NotAnOwner => "STM-1",
            SkipReason::Vac1NoNetColdRent => "VAC-1",
        }
    }
}

impl SkipReason {
    /// The record is not of the feed's kind (a person who is no tenant or no owner), as
    /// opposed to a record held back by a rule.
    pub fn not_applicable(&self) -> bool {
        matches!(self, SkipReason::NotATenant | SkipReason::NotAnOwner)
    }
}

impl From<IdError> for SkipReason {
    fn from(e: IdError) -> Self {
        SkipReason::Gen1AmbiguousId {
            message: e.to_string(),
        }
    }
}

/// A record that is sent, but with a remark in its status (e.g. VAC-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Rule ID, e.g. `VAC-5`.
    pub rule: &'static str,
    /// German message for the record status and the protocol.
    pub message: String,
}

/// What one partner gets for one canonical entity in one feed.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Send {
        partner_id: String,
        payload: Value,
        warning: Option<Warning>,
    },
    Skip(SkipReason),
}

/// One projection: the feed and the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub feed: FeedKind,
    pub decision: Decision,
}

/// Projects a canonical entity into the feeds a partner receives, deciding per feed whether
/// to send it and why not. `today` is the date in Europe/Berlin.
pub fn project(entity: &Entity, rules: &SyncRules, today: NaiveDate) -> Vec<Projection> {
    let feeds: &[FeedKind] = match entity {
        Entity::Client(_) => &[FeedKind::Client],
        Entity::Property(_) => &[FeedKind::Property],
        Entity::Building(_) => &[FeedKind::Building],
        Entity::Unit(_) => &[FeedKind::Unit],
        Entity::Lease(_) => &[FeedKind::Lease],
        Entity::Person(_) => &[FeedKind::Tenant, FeedKind::Owner],
        Entity::Ownership(_) => &[FeedKind::Ownership],
        Entity::Vacancy(_) => &[FeedKind::Vacancy],
    };
    feeds
        .iter()
        .filter(|f| rules.profile.receives(**f))
        .map(|feed| Projection {
            feed: *feed,
            decision: match decide(entity, *feed, rules, today) {
                Ok((partner_id, payload)) => Decision::Send {
                    partner_id,
                    payload,
                    warning: warning_of(entity),
                },
                Err(reason) => Decision::Skip(reason),
            },
        })
        .collect()
}

fn decide(
    entity: &Entity,
    feed: FeedKind,
    rules: &SyncRules,
    today: NaiveDate,
) -> Result<(String, Value), SkipReason> {
    let client = entity.client_no();
    if !rules.client_allowed(client) {
        return Err(SkipReason::Gen2ClientNotReleased {
            client_no: client.to_owned(),
        });
    }
    let sep = rules.separator;
    let partner = rules.profile.display_name().to_owned();
    let property_id = |p: &str| compose(sep, &[("client_no", client), ("property_no", p)]);
    let building_id = |p: &str, b: &str| {
        compose(
            sep,
            &[
                ("client_no", client),
                ("property_no", p),
                ("building_no", b),
            ],
        )
    };
    let unit_id = |p: &str, b: &str, u: &str| {
        compose(
            sep,
            &[
                ("client_no", client),
                ("property_no", p),
                ("building_no", b),
                ("unit_no", u),
            ],
        )
    };
    let person_id = |n: &str| compose(sep, &[("client_no", client), ("person_no", n)]);

    match entity {
        Entity::Client(c) => {
            let id = compose(sep, &[("client_no", client)])?;
            Ok((id.clone(), json!({ "id": id, "name": c.name })))
        }
        Entity::Property(p) => {
            let id = property_id(&p.property_no)?;
            Ok((
                id.clone(),
                json!({ "id": id, "client_no": client, "name": p.name }),
            ))
        }
        Entity::Building(b) => {
            let id = building_id(&b.property_no, &b.building_no)?;
            Ok((
                id.clone(),
                json!({
                    "id": id,
                    "property_id": property_id(&b.property_no)?,
                    "address": b.address,
                    "year_built": b.year_built,
                }),
            ))
        }
        Entity::Unit(u) => {
            if rules.profile.tenant_rule() == TenantRule::RequireSurnameAndTenantUnits
                && !unit_has_tenant(u, today)
            {
                return Err(SkipReason::Stm2UnitWithoutTenant { partner });
            }
            let id = unit_id(&u.property_no, &u.building_no, &u.unit_no)?;
            Ok((
                id.clone(),
                json!({
                    "id": id,
                    "building_id": building_id(&u.property_no, &u.building_no)?,
                    "unit_no": u.unit_no,
                    "type": rules.unit_types.map(&u.usage_code),
                    "usage_code": u.usage_code,
                    "rooms": u.rooms,
                    "floor": floor_from_text(u.floor_text.as_deref()),
                    "floor_text": u.floor_text,
                    "area": u.area,
                    "features": u.features,
                    "energy_certificate": u.energy,
                    "year_built": u.year_built,
                }),
            ))
        }
        Entity::Lease(l) => {
            let id = compose(sep, &[("client_no", client), ("lease_no", &l.lease_no)])?;
            let parties = l
                .parties
                .iter()
                .map(|p| Ok(json!({ "person_id": person_id(&p.person_no)?, "role": p.role })))
                .collect::<Result<Vec<_>, IdError>>()?;
            Ok((
                id.clone(),
                json!({
                    "id": id,
                    "unit_id": unit_id(&l.property_no, &l.building_no, &l.unit_no)?,
                    "start": l.start,
                    "end": l.end,
                    "net_cold_rent": l.net_cold_rent.map(|d| d.round_dp(2)),
                    "parties": parties,
                }),
            ))
        }
        Entity::Person(p) => match feed {
            FeedKind::Owner => {
                if p.ownerships.is_empty() {
                    return Err(SkipReason::NotAnOwner);
                }
                let id = person_id(&p.person_no)?;
                let ownerships = p
                    .ownerships
                    .iter()
                    .map(|o| compose(sep, &[("client_no", client), ("ownership_no", o)]))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((
                    id.clone(),
                    person_payload(&id, p, json!(ownerships), "ownership_ids"),
                ))
            }
            _ => {
                let active: Vec<_> = p.tenancies.iter().filter(|t| t.is_active(today)).collect();
                if active.is_empty() {
                    return Err(SkipReason::NotATenant);
                }
                match rules.profile.tenant_rule() {
                    TenantRule::RequireEmail if p.email.is_none() => {
                        return Err(SkipReason::Stm2NoEmail { partner });
                    }
                    TenantRule::RequireSurnameAndTenantUnits if p.surname.is_none() => {
                        return Err(SkipReason::Stm2NoSurname { partner });
                    }
                    _ => {}
                }
                let id = person_id(&p.person_no)?;
                let leases = active
                    .iter()
                    .map(|t| {
                        Ok(json!({
                            "lease_id": compose(sep, &[("client_no", client), ("lease_no", &t.lease_no)])?,
                            "role": t.role,
                            "start": t.start,
                            "end": t.end,
                        }))
                    })
                    .collect::<Result<Vec<_>, IdError>>()?;
                Ok((id.clone(), person_payload(&id, p, json!(leases), "leases")))
            }
        },
        Entity::Vacancy(v) => {
            let id = unit_id(&v.property_no, &v.building_no, &v.unit_no)?;
            let building = building_id(&v.property_no, &v.building_no)?;
            let payload = crate::vacancy::payload(
                v,
                id.clone(),
                building,
                rules.unit_types.map(&v.usage_code),
            )
            .ok_or(SkipReason::Vac1NoNetColdRent)?;
            let payload =
                serde_json::to_value(payload).map_err(|e| SkipReason::Gen1AmbiguousId {
                    message: e.to_string(),
                })?;
            Ok((id, payload))
        }
        Entity::Ownership(o) => {
            let id = compose(
                sep,
                &[("client_no", client), ("ownership_no", &o.ownership_no)],
            )?;
            Ok((
                id.clone(),
                json!({
                    "id": id,
                    "unit_id": unit_id(&o.property_no, &o.building_no, &o.unit_no)?,
                    "owner_id": person_id(&o.owner_person_no)?,
                    "start": o.start,
                    "end": o.end,
                }),
            ))
        }
    }
}

/// Remarks on a record that is sent anyway.
fn warning_of(entity: &Entity) -> Option<Warning> {
    match entity {
        Entity::Vacancy(v) => crate::vacancy::cost_mismatch(v).map(|m| Warning {
            rule: "VAC-5",
            message: m.to_string(),
        }),
        _ => None,
    }
}

fn person_payload(id: &str, p: &Person, links: Value, links_name: &str) -> Value {
    let mut v = json!({
        "id": id,
        "salutation": p.salutation,
        "title": p.title,
        "first_name": p.first_name,
        "surname": p.surname,
        "company_name": p.company_name,
        "birth_date": p.birth_date,
        "email": p.email,
        "phone": p.phone,
        "mobile": p.mobile,
        "address": p.address,
        "anonymised": p.anonymised,
    });
    if let Some(map) = v.as_object_mut() {
        map.insert(links_name.to_owned(), links);
    }
    v
}

/// A unit is linked to a tenant when one of its leases is current on `today`.
pub fn unit_has_tenant(u: &Unit, today: NaiveDate) -> bool {
    u.tenancies.iter().any(|t| t.is_current(today))
}
