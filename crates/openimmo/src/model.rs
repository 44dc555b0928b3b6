//! Hand-written types for an OpenImmo 1.2.7b export (no code generated from the schema).
//!
//! Field docs name the OpenImmo element each field is written to; `imm` stands for
//! `/openimmo/anbieter/immobilie`. See `docs/OPENIMMO.md` for the full VAC-2 mapping table.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// `uebertragung/@art`: whether the receiver answers online or offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransferKind {
    Online,
    #[default]
    Offline,
}

impl TransferKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "ONLINE",
            Self::Offline => "OFFLINE",
        }
    }
}

/// `uebertragung/@umfang`: full stock (`VOLL`) or only changes (`TEIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransferScope {
    Full,
    #[default]
    Partial,
}

impl TransferScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "VOLL",
            Self::Partial => "TEIL",
        }
    }
}

/// The `uebertragung` header. `@version` is always `1.2.7`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transfer {
    /// `@art`
    pub kind: TransferKind,
    /// `@umfang`
    pub scope: TransferScope,
    /// `@sendersoftware` (required, e.g. `immohub`)
    pub sender_software: String,
    /// `@senderversion` (required)
    pub sender_version: String,
    /// `@techn_email`
    pub techn_email: Option<String>,
    /// `@timestamp` (xsd:dateTime, written without zone)
    pub timestamp: Option<NaiveDateTime>,
}

/// The `anbieter` (provider) block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provider {
    /// `anbieternr`: customer number at the portal.
    pub anbieternr: Option<String>,
    /// `firma` (required)
    pub firma: String,
    /// `openimmo_anid` (required)
    pub openimmo_anid: String,
}

/// `imm/verwaltung_techn/aktion`: empty element = add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    #[default]
    Add,
    Change,
    /// VAC-6: remove the listing at the partner.
    Delete,
}

/// Unit type (VAC-2 "usage"): decides `nutzungsart` and the `objektart` child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// `nutzungsart WOHNEN="true"`, `objektart/wohnung/@wohnungtyp`
    Living(ApartmentType),
    /// `nutzungsart GEWERBE="true"`, `objektart/buero_praxen|einzelhandel|hallen_lager_prod`
    Commercial(CommercialType),
    /// `nutzungsart GEWERBE="true"`, `objektart/parken/@parken_typ`
    Parking(ParkingType),
}

impl Default for Usage {
    fn default() -> Self {
        Self::Living(ApartmentType::Etage)
    }
}

/// `wohnung/@wohnungtyp`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApartmentType {
    Dachgeschoss,
    Maisonette,
    LoftStudioAtelier,
    Penthouse,
    Terrassen,
    #[default]
    Etage,
    Erdgeschoss,
    Souterrain,
    Apartment,
    Ferienwohnung,
    Galerie,
    Rohdachboden,
    Attikawohnung,
    KeineAngabe,
}

impl ApartmentType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dachgeschoss => "DACHGESCHOSS",
            Self::Maisonette => "MAISONETTE",
            Self::LoftStudioAtelier => "LOFT-STUDIO-ATELIER",
            Self::Penthouse => "PENTHOUSE",
            Self::Terrassen => "TERRASSEN",
            Self::Etage => "ETAGE",
            Self::Erdgeschoss => "ERDGESCHOSS",
            Self::Souterrain => "SOUTERRAIN",
            Self::Apartment => "APARTMENT",
            Self::Ferienwohnung => "FERIENWOHNUNG",
            Self::Galerie => "GALERIE",
            Self::Rohdachboden => "ROHDACHBODEN",
            Self::Attikawohnung => "ATTIKAWOHNUNG",
            Self::KeineAngabe => "KEINE_ANGABE",
        }
    }
}

/// Commercial unit kinds immohub writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommercialType {
    /// `buero_praxen/@buero_typ`
    Office(OfficeType),
    /// `einzelhandel/@handel_typ`
    Retail(RetailType),
    /// `hallen_lager_prod/@hallen_typ`
    Hall(HallType),
}

/// `buero_praxen/@buero_typ`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeType {
    Bueroflaeche,
    Buerohaus,
    Praxis,
    Praxisflaeche,
    Ausstellungsflaeche,
}

impl OfficeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bueroflaeche => "BUEROFLAECHE",
            Self::Buerohaus => "BUEROHAUS",
            Self::Praxis => "PRAXIS",
            Self::Praxisflaeche => "PRAXISFLAECHE",
            Self::Ausstellungsflaeche => "AUSSTELLUNGSFLAECHE",
        }
    }
}

/// `einzelhandel/@handel_typ`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetailType {
    Ladenlokal,
    Einzelhandelsladen,
    Verkaufsflaeche,
    Kiosk,
}

impl RetailType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ladenlokal => "LADENLOKAL",
            Self::Einzelhandelsladen => "EINZELHANDELSLADEN",
            Self::Verkaufsflaeche => "VERKAUFSFLAECHE",
            Self::Kiosk => "KIOSK",
        }
    }
}

/// `hallen_lager_prod/@hallen_typ`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HallType {
    Halle,
    Lager,
    Lagerflaechen,
    Produktion,
    Werkstatt,
}

impl HallType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Halle => "HALLE",
            Self::Lager => "LAGER",
            Self::Lagerflaechen => "LAGERFLAECHEN",
            Self::Produktion => "PRODUKTION",
            Self::Werkstatt => "WERKSTATT",
        }
    }
}

/// `parken/@parken_typ`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkingType {
    Stellplatz,
    Carport,
    Doppelgarage,
    Duplex,
    Tiefgarage,
    Einzelgarage,
    Parkhaus,
    Tiefgaragenstellplatz,
    ParkplatzStrom,
}

impl ParkingType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stellplatz => "STELLPLATZ",
            Self::Carport => "CARPORT",
            Self::Doppelgarage => "DOPPELGARAGE",
            Self::Duplex => "DUPLEX",
            Self::Tiefgarage => "TIEFGARAGE",
            Self::Einzelgarage => "EINZELGARAGE",
            Self::Parkhaus => "PARKHAUS",
            Self::Tiefgaragenstellplatz => "TIEFGARAGENSTELLPLATZ",
            Self::ParkplatzStrom => "PARKPLATZ_STROM",
        }
    }
}

/// `imm/geo`. `plz` is required by the schema (choice plz | ort | geokoordinaten; immohub
/// always sends a postcode).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub plz: String,
    pub ort: Option<String>,
    pub strasse: Option<String>,
    pub hausnummer: Option<String>,
    pub bundesland: Option<String>,
    /// `land/@iso_land` (ISO 3166 alpha-3, e.g. `DEU`)
    pub iso_land: Option<String>,
    /// `wohnungsnr`
    pub wohnungsnr: Option<String>,
}

/// Money facts (`imm/preise`), all in euros with two places (VAC-7).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prices {
    /// `nettokaltmiete` (VAC-1: required for add/change)
    pub net_cold_rent: Option<Decimal>,
    /// `kaltmiete`: net cold rent plus operating costs, without heating
    pub cold_rent: Option<Decimal>,
    /// `warmmiete` and `gesamtmietebrutto`
    pub total_rent: Option<Decimal>,
    /// `nebenkosten`
    pub operating_costs: Option<Decimal>,
    /// `heizkosten_enthalten`
    pub heating_costs_included: Option<bool>,
    /// `heizkosten`
    pub heating_costs: Option<Decimal>,
    /// `kaution`
    pub deposit: Option<Decimal>,
}

/// `ausstattung/unterkellert/@keller`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cellar {
    Yes,
    No,
    Partial,
}

impl Cellar {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "JA",
            Self::No => "NEIN",
            Self::Partial => "TEIL",
        }
    }
}

/// `ausstattung/heizungsart` (attributes combinable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeatingTypes {
    pub ofen: bool,
    pub etage: bool,
    pub zentral: bool,
    pub fern: bool,
    pub fussboden: bool,
}

impl HeatingTypes {
    pub fn any(&self) -> bool {
        self.ofen || self.etage || self.zentral || self.fern || self.fussboden
    }
}

/// Features (`imm/ausstattung`). `None` means "not known": nothing is written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Features {
    /// `kueche/@EBK`
    pub fitted_kitchen: Option<bool>,
    /// `heizungsart/@OFEN|ETAGE|ZENTRAL|FERN|FUSSBODEN`; written when any is set
    pub heating: HeatingTypes,
    /// `fahrstuhl/@PERSONEN`
    pub elevator: Option<bool>,
    /// `unterkellert/@keller`
    pub cellar: Option<Cellar>,
    /// `fahrradraum`
    pub bike_room: Option<bool>,
    /// `gaestewc`
    pub guest_wc: Option<bool>,
    /// not in OpenImmo: `user_defined_simplefield[@feldname="gegensprechanlage"]` (`true`/`false`)
    pub intercom: Option<bool>,
}

/// `energiepass/epart`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnergyCertificateKind {
    /// `BEDARF`: the value goes to `endenergiebedarf`
    Demand,
    /// `VERBRAUCH`: the value goes to `energieverbrauchkennwert`
    Consumption,
}

impl EnergyCertificateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Demand => "BEDARF",
            Self::Consumption => "VERBRAUCH",
        }
    }
}

/// `energiepass/jahrgang`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnergyCertificateVintage {
    /// `2008`: issued before 2014-05-01
    Enev2008,
    /// `2014`: issued from 2014-05-01
    Enev2014,
    /// `ohne`
    None,
    /// `nicht_noetig`
    NotRequired,
    /// `bei_besichtigung`
    AtViewing,
}

impl EnergyCertificateVintage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enev2008 => "2008",
            Self::Enev2014 => "2014",
            Self::None => "ohne",
            Self::NotRequired => "nicht_noetig",
            Self::AtViewing => "bei_besichtigung",
        }
    }
}

/// `energiepass/gebaeudeart`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildingKind {
    Residential,
    NonResidential,
}

impl BuildingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Residential => "wohn",
            Self::NonResidential => "nichtwohn",
        }
    }
}

/// One `imm/zustand_angaben/energiepass`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyCertificate {
    /// `epart`
    pub kind: EnergyCertificateKind,
    /// `gueltig_bis` (written as `YYYY-MM-DD`)
    pub valid_until: Option<NaiveDate>,
    /// kWh/(m²·a): `energieverbrauchkennwert` (VERBRAUCH) or `endenergiebedarf` (BEDARF)
    pub value: Option<Decimal>,
    /// `mitwarmwasser`
    pub with_hot_water: Option<bool>,
    /// `primaerenergietraeger` (free text, e.g. `GAS`, `FERN`)
    pub primary_energy_carrier: Option<String>,
    /// `wertklasse` (A+ … H)
    pub class: Option<String>,
    /// `baujahr` (year built of the building per certificate)
    pub year_built: Option<String>,
    /// `ausstelldatum`
    pub issued_on: Option<NaiveDate>,
    /// `jahrgang`
    pub vintage: Option<EnergyCertificateVintage>,
    /// `gebaeudeart`
    pub building_kind: Option<BuildingKind>,
}

impl EnergyCertificate {
    pub fn new(kind: EnergyCertificateKind) -> Self {
        Self {
            kind,
            valid_until: None,
            value: None,
            with_hot_water: None,
            primary_energy_carrier: None,
            class: None,
            year_built: None,
            issued_on: None,
            vintage: None,
            building_kind: None,
        }
    }
}

/// `imm/freitexte`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Texts {
    /// `objekttitel`
    pub title: Option<String>,
    /// `lage`
    pub location: Option<String>,
    /// `ausstatt_beschr`
    pub features: Option<String>,
    /// `objektbeschreibung`
    pub description: Option<String>,
}

/// `imm/kontaktperson`: at least one channel and a `name` are required.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    pub email_zentrale: Option<String>,
    pub email_direkt: Option<String>,
    pub tel_zentrale: Option<String>,
    pub tel_durchw: Option<String>,
    pub tel_fax: Option<String>,
    pub tel_handy: Option<String>,
    /// `name` (surname; required)
    pub name: String,
    pub vorname: Option<String>,
    pub anrede: Option<String>,
    pub firma: Option<String>,
}

/// `anhang/@gruppe`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentGroup {
    Titelbild,
    Innenansichten,
    Aussenansichten,
    Grundriss,
    KartenLageplan,
    Bild,
    Dokumente,
    Panorama,
    EpassSkala,
}

impl AttachmentGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Titelbild => "TITELBILD",
            Self::Innenansichten => "INNENANSICHTEN",
            Self::Aussenansichten => "AUSSENANSICHTEN",
            Self::Grundriss => "GRUNDRISS",
            Self::KartenLageplan => "KARTEN_LAGEPLAN",
            Self::Bild => "BILD",
            Self::Dokumente => "DOKUMENTE",
            Self::Panorama => "PANORAMA",
            Self::EpassSkala => "EPASS-SKALA",
        }
    }
}

/// `imm/anhaenge/anhang[@location="EXTERN"]`: a file inside the ZIP.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// `anhangtitel`
    pub title: Option<String>,
    /// `format`, e.g. `JPG`, `PDF` (or a MIME type)
    pub format: String,
    /// `daten/pfad`: relative path inside the ZIP, e.g. `bilder/1.10.3.7/grundriss.pdf`
    pub path: String,
    /// `@gruppe`
    pub group: Option<AttachmentGroup>,
}

/// One vacancy as an OpenImmo `immobilie` (VAC-2).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    /// `verwaltung_techn/objektnr_extern`: the GEN-1 composite ID (e.g. `1.10.3.7`);
    /// prospects refer to it as `oobj_id`.
    pub object_id: String,
    /// `verwaltung_techn/objektnr_intern`
    pub internal_id: Option<String>,
    /// `verwaltung_techn/openimmo_obid` (required)
    pub openimmo_obid: String,
    /// `verwaltung_techn/stand_vom`
    pub updated_on: NaiveDate,
    /// `verwaltung_techn/aktion`
    pub action: Action,
    pub usage: Usage,
    pub address: Address,
    /// `geo/etage` (integer, negative = basement; STM-3)
    pub floor: Option<i32>,
    /// `geo/anzahl_etagen`
    pub floors_total: Option<i32>,
    /// `flaechen/anzahl_zimmer` (2.5 allowed)
    pub rooms: Option<Decimal>,
    /// `flaechen/wohnflaeche` (living units)
    pub living_area: Option<Decimal>,
    /// `flaechen/nutzflaeche` (commercial and parking units)
    pub usable_area: Option<Decimal>,
    /// `zustand_angaben/baujahr`
    pub year_built: Option<u16>,
    /// `verwaltung_objekt/verfuegbar_ab` (text, e.g. "ab sofort")
    pub available_from_text: Option<String>,
    /// `verwaltung_objekt/abdatum`
    pub available_from: Option<NaiveDate>,
    pub prices: Prices,
    pub features: Features,
    pub energy_certificates: Vec<EnergyCertificate>,
    pub texts: Texts,
    pub contact: Contact,
    pub attachments: Vec<Attachment>,
}

impl Listing {
    /// A listing with the facts every `immobilie` needs, also for DELETE (VAC-6):
    /// object ID, OpenImmo object ID, date of the data, unit type, postcode and contact.
    pub fn new(
        object_id: impl Into<String>,
        openimmo_obid: impl Into<String>,
        updated_on: NaiveDate,
        usage: Usage,
        address: Address,
        contact: Contact,
    ) -> Self {
        Self {
            object_id: object_id.into(),
            openimmo_obid: openimmo_obid.into(),
            updated_on,
            usage,
            address,
            contact,
            ..Self::default()
        }
    }
}
