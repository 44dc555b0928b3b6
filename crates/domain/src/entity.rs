//! Canonical entities parsed and validated from ERP rows.
//!
//! Column names here are the ERP interface (documented in `docs/ERP-INTERFACE.md`). Parsing
//! never panics: a bad value yields a [`RecordError`] that names the record, the field and the
//! reason.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::raw::{ErpEntity, FieldError, RawRecord};

/// A validation error of one record: entity, key (readable), field and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{entity} {record}: {error}")]
pub struct RecordError {
    pub entity: ErpEntity,
    /// Readable record key, parts joined by `/` (e.g. `1/100/1/3`).
    pub record: String,
    pub error: FieldError,
}

/// Usage type as the ERP calls it (free code, mapped per connection by STM-4).
pub type UsageCode = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub client_no: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    pub client_no: String,
    pub property_no: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub house_no: Option<String>,
    pub postal_code: String,
    pub city: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    pub client_no: String,
    pub property_no: String,
    pub building_no: String,
    pub address: Address,
    pub year_built: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnergyCertificate {
    /// `bedarf` (demand) or `verbrauch` (consumption).
    pub kind: Option<String>,
    /// kWh/(m²·a).
    pub value: Option<Decimal>,
    /// Efficiency class A+ … H.
    pub class: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

/// A lease as seen from a unit or person: number, role and term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenancy {
    pub lease_no: String,
    pub role: PartyRole,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl Tenancy {
    /// Current or future on `today` (not yet ended).
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.end.is_none_or(|e| e >= today)
    }

    /// Running on `today`.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.start <= today && self.is_active(today)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub client_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    pub usage_code: UsageCode,
    pub rooms: Option<Decimal>,
    /// Free text "Etage/Lage" as the ERP holds it; the floor number is derived (STM-3).
    pub floor_text: Option<String>,
    /// Living or usable area in m².
    pub area: Option<Decimal>,
    pub features: Vec<String>,
    pub energy: Option<EnergyCertificate>,
    pub year_built: Option<i32>,
    /// Leases of this unit (role is always main tenant here), for "unit linked to a tenant".
    pub tenancies: Vec<Tenancy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    MainTenant,
    CoResident,
    ContractPartner,
}

impl PartyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::MainTenant => "main_tenant",
            PartyRole::CoResident => "co_resident",
            PartyRole::ContractPartner => "contract_partner",
        }
    }
}

impl FromStr for PartyRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "main_tenant" | "hauptmieter" | "hm" => Ok(PartyRole::MainTenant),
            "co_resident" | "mitbewohner" | "mb" => Ok(PartyRole::CoResident),
            "contract_partner" | "vertragspartner" | "vp" => Ok(PartyRole::ContractPartner),
            other => Err(format!("unbekannte Rolle „{other}“")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseParty {
    pub person_no: String,
    pub role: PartyRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub client_no: String,
    pub lease_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub net_cold_rent: Option<Decimal>,
    pub parties: Vec<LeaseParty>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub client_no: String,
    pub person_no: String,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub surname: Option<String>,
    /// Name of a company, estate ("Erbengemeinschaft nach …") or other organisation.
    pub company_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub address: Option<Address>,
    /// Anonymised by the ERP (DSGVO); names and contact data are then empty.
    pub anonymised: bool,
    /// Leases in which this person is a party.
    pub tenancies: Vec<Tenancy>,
    /// Ownership numbers in which this person is the owner.
    pub ownerships: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub client_no: String,
    pub ownership_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    pub owner_person_no: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// A document of a vacancy in the ERP's document store (VAC-2: images and documents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// `BILD`, `GRUNDRISS`, `ENERGIEAUSWEIS` or `DOKUMENT` (other codes are kept as given).
    pub kind: String,
    pub title: String,
    /// Path relative to the ERP's document root; never absolute, never `..`.
    pub path: String,
}

/// Who answers questions about a vacancy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An open vacancy (Leerstand) with the facts of its unit (VAC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vacancy {
    pub client_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    pub usage_code: UsageCode,
    pub rooms: Option<Decimal>,
    pub floor_text: Option<String>,
    pub area: Option<Decimal>,
    pub features: Vec<String>,
    pub energy: Option<EnergyCertificate>,
    pub year_built: Option<i32>,
    pub address: Address,
    pub available_from: Option<NaiveDate>,
    /// "sofort", "nach Vereinbarung", …
    pub available_text: Option<String>,
    /// Nettokaltmiete per month in euros (VAC-1: required for sending).
    pub net_cold_rent: Option<Decimal>,
    /// Betriebskosten-Vorauszahlung.
    pub operating_costs: Option<Decimal>,
    /// Heizkosten-Vorauszahlung.
    pub heating_costs: Option<Decimal>,
    /// Gesamtmiete as the ERP holds it (VAC-5 checks it).
    pub total_rent: Option<Decimal>,
    pub deposit: Option<Decimal>,
    /// `ZENTRAL`, `FERN`, `ETAGE`, `OFEN`, `FUSSBODEN`.
    pub heating_type: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub location_text: Option<String>,
    pub equipment_text: Option<String>,
    pub contact: Contact,
    pub attachments: Vec<Attachment>,
}

/// Any canonical entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum Entity {
    Client(Client),
    Property(Property),
    Building(Building),
    Unit(Unit),
    Person(Person),
    Lease(Lease),
    Ownership(Ownership),
    /// Boxed: a vacancy carries far more than the other entities.
    Vacancy(Box<Vacancy>),
}

impl Entity {
    pub fn kind(&self) -> ErpEntity {
        match self {
            Entity::Client(_) => ErpEntity::Client,
            Entity::Property(_) => ErpEntity::Property,
            Entity::Building(_) => ErpEntity::Building,
            Entity::Unit(_) => ErpEntity::Unit,
            Entity::Person(_) => ErpEntity::Person,
            Entity::Lease(_) => ErpEntity::Lease,
            Entity::Ownership(_) => ErpEntity::Ownership,
            Entity::Vacancy(_) => ErpEntity::Vacancy,
        }
    }

    pub fn client_no(&self) -> &str {
        match self {
            Entity::Client(x) => &x.client_no,
            Entity::Property(x) => &x.client_no,
            Entity::Building(x) => &x.client_no,
            Entity::Unit(x) => &x.client_no,
            Entity::Person(x) => &x.client_no,
            Entity::Lease(x) => &x.client_no,
            Entity::Ownership(x) => &x.client_no,
            Entity::Vacancy(x) => &x.client_no,
        }
    }

    /// Parses and validates one ERP row.
    pub fn parse(kind: ErpEntity, raw: &RawRecord) -> Result<Entity, RecordError> {
        Self::parse_fields(kind, raw).map_err(|error| RecordError {
            entity: kind,
            record: readable_key(kind, raw),
            error,
        })
    }

    fn parse_fields(kind: ErpEntity, raw: &RawRecord) -> Result<Entity, FieldError> {
        let f = Fields(raw);
        let e = match kind {
            ErpEntity::Client => Entity::Client(Client {
                client_no: f.number("client_no")?,
                name: f.req("name")?,
            }),
            ErpEntity::Property => Entity::Property(Property {
                client_no: f.number("client_no")?,
                property_no: f.number("property_no")?,
                name: f.opt("name").unwrap_or_default(),
            }),
            ErpEntity::Building => Entity::Building(Building {
                client_no: f.number("client_no")?,
                property_no: f.number("property_no")?,
                building_no: f.number("building_no")?,
                address: Address {
                    street: f.req("street")?,
                    house_no: f.opt("house_no"),
                    postal_code: f.postal_code("postal_code")?,
                    city: f.req("city")?,
                },
                year_built: f.year("year_built")?,
            }),
            ErpEntity::Unit => {
                let energy = f.energy()?;
                Entity::Unit(Unit {
                    client_no: f.number("client_no")?,
                    property_no: f.number("property_no")?,
                    building_no: f.number("building_no")?,
                    unit_no: f.number("unit_no")?,
                    usage_code: f.req("usage_type")?,
                    rooms: f.non_negative("rooms")?,
                    floor_text: f.opt("floor_text"),
                    area: f.non_negative("area")?,
                    features: f.list("features"),
                    energy,
                    year_built: f.year("year_built")?,
                    tenancies: f.tenancies("tenancies")?,
                })
            }
            ErpEntity::Vacancy => {
                let energy = f.energy()?;
                Entity::Vacancy(Box::new(Vacancy {
                    client_no: f.number("client_no")?,
                    property_no: f.number("property_no")?,
                    building_no: f.number("building_no")?,
                    unit_no: f.number("unit_no")?,
                    usage_code: f.req("usage_type")?,
                    rooms: f.non_negative("rooms")?,
                    floor_text: f.opt("floor_text"),
                    area: f.non_negative("area")?,
                    features: f.list("features"),
                    energy,
                    year_built: f.year("year_built")?,
                    address: Address {
                        street: f.req("street")?,
                        house_no: f.opt("house_no"),
                        postal_code: f.postal_code("postal_code")?,
                        city: f.req("city")?,
                    },
                    available_from: f.date("available_from")?,
                    available_text: f.opt("available_text"),
                    net_cold_rent: f.non_negative("net_cold_rent")?,
                    operating_costs: f.non_negative("operating_costs")?,
                    heating_costs: f.non_negative("heating_costs")?,
                    total_rent: f.non_negative("total_rent")?,
                    deposit: f.non_negative("deposit")?,
                    heating_type: f.opt("heating_type").map(|h| h.to_uppercase()),
                    title: f.opt("title"),
                    description: f.opt("description"),
                    location_text: f.opt("location_text"),
                    equipment_text: f.opt("equipment_text"),
                    contact: Contact {
                        name: f.opt("contact_name"),
                        email: f.email("contact_email")?,
                        phone: f.opt("contact_phone"),
                    },
                    attachments: f.attachments("attachments")?,
                }))
            }
            ErpEntity::Person => {
                let street = f.opt("street");
                let address = match street {
                    Some(street) => Some(Address {
                        street,
                        house_no: f.opt("house_no"),
                        postal_code: f.postal_code("postal_code")?,
                        city: f.req("city")?,
                    }),
                    None => None,
                };
                Entity::Person(Person {
                    client_no: f.number("client_no")?,
                    person_no: f.number("person_no")?,
                    salutation: f.opt("salutation"),
                    title: f.opt("title"),
                    first_name: f.opt("first_name"),
                    surname: f.opt("surname"),
                    company_name: f.opt("company_name"),
                    birth_date: f.date("birth_date")?,
                    email: f.email("email")?,
                    phone: f.opt("phone"),
                    mobile: f.opt("mobile"),
                    address,
                    anonymised: f.flag("anonymised")?,
                    tenancies: f.tenancies("tenancies")?,
                    ownerships: f.list("ownerships"),
                })
            }
            ErpEntity::Lease => {
                let start = f.req_date("start_date")?;
                let end = f.date("end_date")?;
                if let Some(end) = end
                    && end < start
                {
                    return Err(FieldError::new(
                        "end_date",
                        format!("Vertragsende {end} liegt vor Vertragsbeginn {start}"),
                    ));
                }
                Entity::Lease(Lease {
                    client_no: f.number("client_no")?,
                    lease_no: f.number("lease_no")?,
                    property_no: f.number("property_no")?,
                    building_no: f.number("building_no")?,
                    unit_no: f.number("unit_no")?,
                    start,
                    end,
                    net_cold_rent: f.non_negative("net_cold_rent")?,
                    parties: f.parties("parties")?,
                })
            }
            ErpEntity::Ownership => Entity::Ownership(Ownership {
                client_no: f.number("client_no")?,
                ownership_no: f.number("ownership_no")?,
                property_no: f.number("property_no")?,
                building_no: f.number("building_no")?,
                unit_no: f.number("unit_no")?,
                owner_person_no: f.number("owner_person_no")?,
                start: f.req_date("start_date")?,
                end: f.date("end_date")?,
            }),
        };
        Ok(e)
    }
}

/// Readable record key for messages: key columns joined by `/`, `?` for missing parts.
pub fn readable_key(kind: ErpEntity, raw: &RawRecord) -> String {
    kind.key_columns()
        .iter()
        .map(|c| raw.get(c).unwrap_or("?"))
        .collect::<Vec<_>>()
        .join("/")
}

/// Typed accessors over a raw row; every error names the field.
struct Fields<'a>(&'a RawRecord);

impl Fields<'_> {
    fn opt(&self, c: &str) -> Option<String> {
        self.0.get(c).map(str::to_owned)
    }

    fn req(&self, c: &str) -> Result<String, FieldError> {
        self.opt(c)
            .ok_or_else(|| FieldError::new(c, "Pflichtfeld fehlt"))
    }

    /// An ERP number: required, no white space or control characters.
    fn number(&self, c: &str) -> Result<String, FieldError> {
        let v = self.req(c)?;
        if v.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            return Err(FieldError::new(
                c,
                format!(
                    "Nummer „{}“ enthält Leer- oder Steuerzeichen",
                    v.escape_debug()
                ),
            ));
        }
        Ok(v)
    }

    fn decimal(&self, c: &str) -> Result<Option<Decimal>, FieldError> {
        match self.0.get(c) {
            None => Ok(None),
            Some(v) => parse_decimal(v)
                .map(Some)
                .ok_or_else(|| FieldError::new(c, format!("„{v}“ ist keine Dezimalzahl"))),
        }
    }

    fn non_negative(&self, c: &str) -> Result<Option<Decimal>, FieldError> {
        let v = self.decimal(c)?;
        if let Some(d) = v
            && d.is_sign_negative()
            && !d.is_zero()
        {
            return Err(FieldError::new(c, format!("{d} ist negativ")));
        }
        Ok(v)
    }

    fn date(&self, c: &str) -> Result<Option<NaiveDate>, FieldError> {
        match self.0.get(c) {
            None => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                FieldError::new(c, format!("„{v}“ ist kein Datum (erwartet JJJJ-MM-TT)"))
            }),
        }
    }

    fn req_date(&self, c: &str) -> Result<NaiveDate, FieldError> {
        self.date(c)?
            .ok_or_else(|| FieldError::new(c, "Pflichtfeld fehlt"))
    }

    fn year(&self, c: &str) -> Result<Option<i32>, FieldError> {
        match self.0.get(c) {
            None => Ok(None),
            Some(v) => match v.parse::<i32>() {
                Ok(y) if (1000..=2200).contains(&y) => Ok(Some(y)),
                _ => Err(FieldError::new(c, format!("„{v}“ ist kein Baujahr"))),
            },
        }
    }

    fn postal_code(&self, c: &str) -> Result<String, FieldError> {
        let v = self.req(c)?;
        if v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit()) {
            Ok(v)
        } else {
            Err(FieldError::new(
                c,
                format!("„{v}“ ist keine fünfstellige Postleitzahl"),
            ))
        }
    }

    fn email(&self, c: &str) -> Result<Option<String>, FieldError> {
        match self.opt(c) {
            None => Ok(None),
            Some(v) => {
                let ok = match v.split_once('@') {
                    Some((local, domain)) => {
                        !local.is_empty()
                            && domain.contains('.')
                            && !domain.starts_with('.')
                            && !domain.ends_with('.')
                            && !v.chars().any(char::is_whitespace)
                    }
                    None => false,
                };
                if ok {
                    Ok(Some(v))
                } else {
                    Err(FieldError::new(
                        c,
                        format!("„{v}“ ist keine gültige E-Mail-Adresse"),
                    ))
                }
            }
        }
    }

    fn flag(&self, c: &str) -> Result<bool, FieldError> {
        match self.0.get(c).map(|v| v.to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) => match v.as_str() {
                "1" | "true" | "t" | "j" | "ja" | "y" | "yes" => Ok(true),
                "0" | "false" | "f" | "n" | "nein" | "no" => Ok(false),
                _ => Err(FieldError::new(c, format!("„{v}“ ist kein Ja/Nein-Wert"))),
            },
        }
    }

    /// Comma- or semicolon-separated list; blanks dropped, order kept.
    fn list(&self, c: &str) -> Vec<String> {
        self.0
            .get(c)
            .map(|v| {
                v.split([',', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `lease_no:role:start:end` entries separated by `;` (end may be empty).
    fn tenancies(&self, c: &str) -> Result<Vec<Tenancy>, FieldError> {
        let Some(v) = self.0.get(c) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in v.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let parts: Vec<&str> = item.split(':').map(str::trim).collect();
            let bad = || {
                FieldError::new(
                    c,
                    format!("Eintrag „{item}“ hat nicht die Form Vertrag:Rolle:Beginn:Ende"),
                )
            };
            if parts.len() != 4 {
                return Err(bad());
            }
            let role = parts[1]
                .parse::<PartyRole>()
                .map_err(|r| FieldError::new(c, r))?;
            let start = parse_date(parts[2]).ok_or_else(bad)?;
            let end = if parts[3].is_empty() {
                None
            } else {
                Some(parse_date(parts[3]).ok_or_else(bad)?)
            };
            out.push(Tenancy {
                lease_no: parts[0].to_owned(),
                role,
                start,
                end,
            });
        }
        Ok(out)
    }

    /// The energy certificate columns; `None` when all are empty.
    fn energy(&self) -> Result<Option<EnergyCertificate>, FieldError> {
        let e = EnergyCertificate {
            kind: self.opt("energy_cert_type"),
            value: self.decimal("energy_value")?,
            class: self.opt("energy_class"),
            valid_until: self.date("energy_valid_until")?,
        };
        let any =
            e.kind.is_some() || e.value.is_some() || e.class.is_some() || e.valid_until.is_some();
        Ok(any.then_some(e))
    }

    /// One document per line: `KIND|title|path`, path relative to the document root.
    fn attachments(&self, c: &str) -> Result<Vec<Attachment>, FieldError> {
        let Some(v) = self.0.get(c) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for line in v.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut parts = line.splitn(3, '|').map(str::trim);
            let (Some(kind), Some(title), Some(path)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(FieldError::new(
                    c,
                    format!("Eintrag „{line}“ hat nicht die Form Art|Titel|Pfad"),
                ));
            };
            if let Some(reason) = unsafe_relative_path(path) {
                return Err(FieldError::new(c, format!("Pfad „{path}“: {reason}")));
            }
            out.push(Attachment {
                kind: kind.to_uppercase(),
                title: title.to_owned(),
                path: path.replace('\\', "/"),
            });
        }
        Ok(out)
    }

    /// `person_no:role` entries separated by `;`.
    fn parties(&self, c: &str) -> Result<Vec<LeaseParty>, FieldError> {
        let Some(v) = self.0.get(c) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in v.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (person_no, role) = item.split_once(':').ok_or_else(|| {
                FieldError::new(
                    c,
                    format!("Eintrag „{item}“ hat nicht die Form Person:Rolle"),
                )
            })?;
            out.push(LeaseParty {
                person_no: person_no.trim().to_owned(),
                role: role.parse().map_err(|r| FieldError::new(c, r))?,
            });
        }
        Ok(out)
    }
}

/// Why a document path may not be used below a root directory, or `None` when it is safe:
/// relative, no `..`, no drive letter, not empty.
pub fn unsafe_relative_path(path: &str) -> Option<&'static str> {
    let p = path.replace('\\', "/");
    if p.trim().is_empty() {
        return Some("ist leer");
    }
    if p.starts_with('/') || p.get(1..2) == Some(":") {
        return Some("muss relativ zum Dokumentenverzeichnis sein");
    }
    if p.split('/').any(|seg| seg == "..") {
        return Some("darf nicht „..“ enthalten");
    }
    if p.chars().any(char::is_control) {
        return Some("enthält ein Steuerzeichen");
    }
    None
}

/// Parses a decimal with `.` or a German `,` as decimal point (no thousands separators).
pub fn parse_decimal(v: &str) -> Option<Decimal> {
    let v = v.trim();
    if v.contains('.') && v.contains(',') {
        return None;
    }
    Decimal::from_str(&v.replace(',', ".")).ok()
}

/// Parses `YYYY-MM-DD`, also the date part of a timestamp, or German `TT.MM.JJJJ`.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    let head = v.get(..10).unwrap_or(v);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d.%m.%Y"))
        .ok()
}

/// Parses an ERP change timestamp (RFC 3339, or `YYYY-MM-DD HH:MM:SS[.f]` taken as UTC).
pub fn parse_timestamp(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|n| n.and_utc())
}

impl fmt::Display for PartyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
