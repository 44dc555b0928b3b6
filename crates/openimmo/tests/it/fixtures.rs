//! Sample listings covering living, commercial, parking and DELETE with all optional fields.

use chrono::{NaiveDate, NaiveDateTime};
use immohub_openimmo::*;
use rust_decimal::Decimal;
use std::str::FromStr;

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn transfer() -> Transfer {
    Transfer {
        kind: TransferKind::Offline,
        scope: TransferScope::Partial,
        sender_software: "immohub".into(),
        sender_version: "0.1.0".into(),
        techn_email: Some("technik@wohnbau-beispiel.de".into()),
        timestamp: Some(
            NaiveDateTime::parse_from_str("2026-11-28 06:30:00", "%Y-%m-%d %H:%M:%S")
                .expect("timestamp"),
        ),
    }
}

pub fn provider() -> Provider {
    Provider {
        anbieternr: Some("K-4711".into()),
        firma: "Wohnbau Beispiel eG".into(),
        openimmo_anid: "AIMMOHUB000000000001".into(),
    }
}

pub fn contact() -> Contact {
    Contact {
        email_zentrale: Some("vermietung@wohnbau-beispiel.de".into()),
        email_direkt: Some("m.mustermann@wohnbau-beispiel.de".into()),
        tel_zentrale: Some("+49 30 123456-0".into()),
        tel_durchw: Some("+49 30 123456-12".into()),
        tel_fax: Some("+49 30 123456-99".into()),
        tel_handy: Some("+49 170 1234567".into()),
        name: "Mustermann".into(),
        vorname: Some("Maria".into()),
        anrede: Some("Frau".into()),
        firma: Some("Wohnbau Beispiel eG".into()),
    }
}

pub fn address() -> Address {
    Address {
        plz: "10115".into(),
        ort: Some("Berlin".into()),
        strasse: Some("Invalidenstraße".into()),
        hausnummer: Some("12a".into()),
        bundesland: Some("Berlin".into()),
        iso_land: Some("DEU".into()),
        wohnungsnr: Some("WE 07".into()),
    }
}

/// A living unit with every optional field immohub writes.
pub fn living() -> Listing {
    let mut l = Listing::new(
        "1.10.3.7",
        "OIMMOHUB20261128000000000001",
        date(2026, 11, 27),
        Usage::Living(ApartmentType::Etage),
        address(),
        contact(),
    );
    l.internal_id = Some("WE-1-10-3-7".into());
    l.floor = Some(2);
    l.floors_total = Some(5);
    l.rooms = Some(dec("2.5"));
    l.living_area = Some(dec("64.30"));
    l.year_built = Some(1962);
    l.available_from_text = Some("ab 01.01.2027".into());
    l.available_from = Some(date(2027, 1, 1));
    l.prices = Prices {
        net_cold_rent: Some(dec("520")),
        cold_rent: Some(dec("650.5")),
        total_rent: Some(dec("740.50")),
        operating_costs: Some(dec("130.50")),
        heating_costs_included: Some(false),
        heating_costs: Some(dec("90.00")),
        deposit: Some(dec("1560")),
    };
    l.features = Features {
        fitted_kitchen: Some(true),
        heating: HeatingTypes {
            zentral: true,
            ..HeatingTypes::default()
        },
        elevator: Some(true),
        cellar: Some(Cellar::Yes),
        bike_room: Some(true),
        guest_wc: Some(false),
        intercom: Some(true),
    };
    let mut ep = EnergyCertificate::new(EnergyCertificateKind::Consumption);
    ep.valid_until = Some(date(2031, 6, 30));
    ep.value = Some(dec("112.4"));
    ep.with_hot_water = Some(true);
    ep.primary_energy_carrier = Some("FERN".into());
    ep.class = Some("D".into());
    ep.year_built = Some("1962".into());
    ep.issued_on = Some(date(2021, 7, 1));
    ep.vintage = Some(EnergyCertificateVintage::Enev2014);
    ep.building_kind = Some(BuildingKind::Residential);
    l.energy_certificates = vec![ep];
    l.texts = Texts {
        title: Some("Helle 2,5-Zimmer-Wohnung mit Balkon".into()),
        location: Some("Ruhige Lage, U-Bahn 300 m".into()),
        features: Some("Einbauküche, Aufzug, Fahrradkeller".into()),
        description: Some("Renovierte Wohnung im 2. OG.".into()),
    };
    l.attachments = vec![
        Attachment {
            title: Some("Wohnzimmer".into()),
            format: "JPG".into(),
            path: "bilder/1.10.3.7/wohnzimmer.jpg".into(),
            group: Some(AttachmentGroup::Bild),
        },
        Attachment {
            title: Some("Grundriss".into()),
            format: "PDF".into(),
            path: "bilder/1.10.3.7/grundriss.pdf".into(),
            group: Some(AttachmentGroup::Grundriss),
        },
    ];
    l
}

pub fn commercial() -> Listing {
    let mut l = Listing::new(
        "1.20.1.3",
        "OIMMOHUB20261128000000000002",
        date(2026, 11, 27),
        Usage::Commercial(CommercialType::Office(OfficeType::Bueroflaeche)),
        address(),
        Contact {
            tel_zentrale: Some("+49 30 123456-0".into()),
            name: "Vermietungsteam".into(),
            ..Contact::default()
        },
    );
    l.action = Action::Change;
    l.floor = Some(0);
    l.usable_area = Some(dec("180"));
    l.rooms = Some(dec("5"));
    l.prices.net_cold_rent = Some(dec("2150.00"));
    l.prices.operating_costs = Some(dec("410"));
    l.prices.deposit = Some(dec("6450"));
    l.features.heating.fern = true;
    l.features.elevator = Some(false);
    let mut ep = EnergyCertificate::new(EnergyCertificateKind::Demand);
    ep.value = Some(dec("98"));
    ep.class = Some("C".into());
    ep.building_kind = Some(BuildingKind::NonResidential);
    l.energy_certificates = vec![ep];
    l.attachments = vec![Attachment {
        title: Some("Energieausweis".into()),
        format: "PDF".into(),
        path: "dokumente/1.20.1.3/energieausweis.pdf".into(),
        group: Some(AttachmentGroup::Dokumente),
    }];
    l
}

pub fn parking() -> Listing {
    let mut l = Listing::new(
        "1.10.9.101",
        "OIMMOHUB20261128000000000003",
        date(2026, 11, 27),
        Usage::Parking(ParkingType::Tiefgaragenstellplatz),
        address(),
        Contact {
            email_direkt: Some("garagen@wohnbau-beispiel.de".into()),
            name: "Garagenverwaltung".into(),
            ..Contact::default()
        },
    );
    l.floor = Some(-1);
    l.usable_area = Some(dec("12.5"));
    l.prices.net_cold_rent = Some(dec("75"));
    l.available_from_text = Some("sofort".into());
    l
}

pub fn deleted() -> Listing {
    let mut l = Listing::new(
        "1.10.3.8",
        "OIMMOHUB20261128000000000004",
        date(2026, 11, 28),
        Usage::Living(ApartmentType::Dachgeschoss),
        Address {
            plz: "10115".into(),
            ort: Some("Berlin".into()),
            ..Address::default()
        },
        Contact {
            email_zentrale: Some("vermietung@wohnbau-beispiel.de".into()),
            name: "Mustermann".into(),
            ..Contact::default()
        },
    );
    l.action = Action::Delete;
    l
}

pub fn all() -> Vec<Listing> {
    vec![living(), commercial(), parking(), deleted()]
}

/// Writes the given listings into an in-memory document.
pub fn write_doc(listings: &[Listing]) -> String {
    let mut w = OpenImmoWriter::new(Vec::new(), &transfer(), &provider()).expect("header");
    for l in listings {
        w.write_listing(l).expect("valid listing");
    }
    String::from_utf8(w.finish().expect("finish")).expect("utf-8")
}
