//! Vacancies (use case `leerstaende`): what a letting partner receives for an open vacancy
//! (VAC-2), the net-cold-rent precondition (VAC-1), the cost check (VAC-5) and money with two
//! places (VAC-7). The payload is the partner API's `vacancies` feed item and the input of the
//! OpenImmo export (VAC-3), so both carry the same facts.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::entity::{Address, EnergyCertificate, Vacancy};
use crate::rules::{UnitType, floor_from_text};

/// Equipment facts of VAC-2, derived from the unit's feature labels and the vacancy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyFeatures {
    pub cellar: bool,
    pub fitted_kitchen: bool,
    pub intercom: bool,
    pub elevator: bool,
    pub bike_room: bool,
    pub guest_wc: bool,
    pub balcony: bool,
    /// `ZENTRAL`, `FERN`, `ETAGE`, `OFEN` or `FUSSBODEN`.
    pub heating_type: Option<String>,
    /// Central heating (VAC-2), also true for district heating delivered centrally.
    pub central_heating: bool,
}

/// Monthly costs in euros with two places (VAC-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyCosts {
    pub net_cold_rent: Decimal,
    pub operating_costs: Option<Decimal>,
    pub heating_costs: Option<Decimal>,
    /// Net cold rent plus operating costs (OpenImmo `kaltmiete`).
    pub cold_rent: Decimal,
    /// The ERP's total rent when it gave one, else the sum of the parts.
    pub total_rent: Decimal,
    pub deposit: Option<Decimal>,
    pub currency: String,
}

/// A document of the vacancy as the partner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyAttachment {
    /// `BILD`, `GRUNDRISS`, `ENERGIEAUSWEIS`, `DOKUMENT`.
    pub kind: String,
    pub title: String,
    /// Path relative to the ERP's document root (where immohub reads the file).
    pub source_path: String,
    /// File name, unique within the vacancy (`01-wohnzimmer.png`).
    pub file_name: String,
    /// Upper-case file format for OpenImmo (`PNG`, `JPG`, `PDF`).
    pub format: String,
}

/// The `vacancies` feed item (VAC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyPayload {
    /// Composite unit ID (GEN-1): the object ID prospects refer to.
    pub id: String,
    pub building_id: String,
    pub client_no: String,
    pub unit_no: String,
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    pub usage_code: String,
    pub rooms: Option<Decimal>,
    /// STM-3.
    pub floor: Option<i32>,
    pub floor_text: Option<String>,
    pub area: Option<Decimal>,
    pub year_built: Option<i32>,
    pub address: Address,
    pub available_from: Option<NaiveDate>,
    pub available_text: Option<String>,
    pub costs: VacancyCosts,
    pub features: VacancyFeatures,
    /// The unit's feature labels as the ERP holds them.
    pub feature_labels: Vec<String>,
    pub energy_certificate: Option<EnergyCertificate>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub location_text: Option<String>,
    pub equipment_text: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub attachments: Vec<VacancyAttachment>,
}

/// VAC-5: the total the ERP gives does not equal net cold rent + operating + heating costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostMismatch {
    pub total: Decimal,
    pub sum: Decimal,
}

impl std::fmt::Display for CostMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Gesamtmiete {} € ist nicht Nettokaltmiete + Betriebskosten + Heizkosten = {} € (VAC-5); trotzdem übertragen",
            euro(self.total),
            euro(self.sum)
        )
    }
}

/// German money text: `1.234,50`.
pub fn euro(d: Decimal) -> String {
    let s = format!("{:.2}", d.round_dp(2));
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{frac}")
}

fn money(d: Decimal) -> Decimal {
    let mut r = d.round_dp(2);
    r.rescale(2);
    r
}

/// VAC-5 check on the ERP's figures; `None` when there is no total or it adds up.
pub fn cost_mismatch(v: &Vacancy) -> Option<CostMismatch> {
    let total = v.total_rent?;
    let sum = v.net_cold_rent?
        + v.operating_costs.unwrap_or_default()
        + v.heating_costs.unwrap_or_default();
    (money(total) != money(sum)).then(|| CostMismatch {
        total: money(total),
        sum: money(sum),
    })
}

/// VAC-2 features from the unit's labels (case-insensitive; umlauts or their transliteration).
pub fn features_of(v: &Vacancy) -> VacancyFeatures {
    let mut f = VacancyFeatures::default();
    for label in &v.features {
        let l = label
            .trim()
            .to_lowercase()
            .replace('ä', "ae")
            .replace('ü', "ue")
            .replace('ö', "oe")
            .replace(['-', ' '], "");
        match l.as_str() {
            "keller" | "kellerraum" | "kellerabteil" => f.cellar = true,
            "einbaukueche" | "ebk" => f.fitted_kitchen = true,
            "gegensprechanlage" | "wechselsprechanlage" => f.intercom = true,
            "aufzug" | "fahrstuhl" | "lift" | "personenaufzug" => f.elevator = true,
            "fahrradraum" | "fahrradkeller" => f.bike_room = true,
            "gaestewc" => f.guest_wc = true,
            "balkon" | "loggia" => f.balcony = true,
            "zentralheizung" => {
                f.heating_type.get_or_insert_with(|| "ZENTRAL".to_owned());
            }
            "fernwaerme" => {
                f.heating_type.get_or_insert_with(|| "FERN".to_owned());
            }
            "etagenheizung" | "gasetagenheizung" => {
                f.heating_type.get_or_insert_with(|| "ETAGE".to_owned());
            }
            "fussbodenheizung" => {
                f.heating_type.get_or_insert_with(|| "FUSSBODEN".to_owned());
            }
            _ => {}
        }
    }
    if let Some(h) = &v.heating_type {
        f.heating_type = Some(h.clone());
    }
    f.central_heating = matches!(f.heating_type.as_deref(), Some("ZENTRAL" | "FERN"));
    f
}

/// Costs with two places (VAC-7); `None` without a net cold rent (VAC-1).
pub fn costs_of(v: &Vacancy) -> Option<VacancyCosts> {
    let ncr = money(v.net_cold_rent?);
    let op = v.operating_costs.map(money);
    let heat = v.heating_costs.map(money);
    let cold = ncr + op.unwrap_or_default();
    let total = v
        .total_rent
        .map(money)
        .unwrap_or_else(|| cold + heat.unwrap_or_default());
    Some(VacancyCosts {
        net_cold_rent: ncr,
        operating_costs: op,
        heating_costs: heat,
        cold_rent: money(cold),
        total_rent: money(total),
        deposit: v.deposit.map(money),
        currency: "EUR".to_owned(),
    })
}

/// The documents with unique file names within the vacancy, in ERP order.
pub fn attachments_of(v: &Vacancy) -> Vec<VacancyAttachment> {
    let mut out: Vec<VacancyAttachment> = Vec::new();
    for (i, a) in v.attachments.iter().enumerate() {
        let base = a.path.rsplit('/').next().unwrap_or(&a.path);
        let format = base
            .rsplit_once('.')
            .map(|(_, ext)| match ext.to_ascii_uppercase().as_str() {
                "JPEG" => "JPG".to_owned(),
                other => other.to_owned(),
            })
            .unwrap_or_default();
        out.push(VacancyAttachment {
            kind: a.kind.clone(),
            title: a.title.clone(),
            source_path: a.path.clone(),
            file_name: format!("{:02}-{}", i + 1, safe_file_name(base)),
            format,
        });
    }
    out
}

/// A file name that is safe in a ZIP and on any file system.
fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "datei".to_owned() } else { s }
}

/// The payload of an open vacancy. `None` without a net cold rent (VAC-1).
pub fn payload(
    v: &Vacancy,
    id: String,
    building_id: String,
    unit_type: UnitType,
) -> Option<VacancyPayload> {
    Some(VacancyPayload {
        id,
        building_id,
        client_no: v.client_no.clone(),
        unit_no: v.unit_no.clone(),
        unit_type,
        usage_code: v.usage_code.clone(),
        rooms: v.rooms,
        floor: floor_from_text(v.floor_text.as_deref()),
        floor_text: v.floor_text.clone(),
        area: v.area,
        year_built: v.year_built,
        address: v.address.clone(),
        available_from: v.available_from,
        available_text: v.available_text.clone(),
        costs: costs_of(v)?,
        features: features_of(v),
        feature_labels: v.features.clone(),
        energy_certificate: v.energy.clone(),
        title: v.title.clone(),
        description: v.description.clone(),
        location_text: v.location_text.clone(),
        equipment_text: v.equipment_text.clone(),
        contact_name: v.contact.name.clone(),
        contact_email: v.contact.email.clone(),
        contact_phone: v.contact.phone.clone(),
        attachments: attachments_of(v),
    })
}
