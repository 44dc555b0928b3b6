//! Export benchmark: generates N realistic listings deterministically, writes them as one
//! OpenImmo document and prints seconds, MB written and MB/s (writing only; generation is not
//! timed). Optionally dumps the same listings as JSON Lines for `bench/openimmo/lxml_writer.py`.
//!
//! cargo run --release -p immohub-openimmo --example export_bench -- 30000 /tmp/out.xml [listings.jsonl]

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark binary, not server code
#![allow(clippy::inconsistent_digit_grouping)] // amounts in cents are written as EUROS_CC

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use immohub_openimmo::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, no dependency
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Lindenallee",
    "Am Markt",
    "Friedrich-Ebert-Straße",
    "Königsweg",
    "Mühlenweg",
    "Gartenstraße",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("10115", "Berlin", "Berlin"),
    ("20095", "Hamburg", "Hamburg"),
    ("04109", "Leipzig", "Sachsen"),
    ("50667", "Köln", "Nordrhein-Westfalen"),
    ("80331", "München", "Bayern"),
    ("01067", "Dresden", "Sachsen"),
];
const LAGE: &str = "Ruhige Wohnlage mit guter Anbindung an Bus und Bahn; Schulen, Kitas und \
    Einkaufsmöglichkeiten sind fußläufig erreichbar. Park & Spielplatz in der Nähe.";
const AUSSTATTUNG: &str = "Laminat in den Wohnräumen, gefliestes Tageslichtbad mit Wanne, \
    Balkon zum Innenhof, Kellerabteil, Fahrradraum, Gegensprechanlage.";
const BESCHREIBUNG: &str = "Die Wohnung wurde frisch renoviert und ist ab dem genannten Termin \
    bezugsfertig. Besichtigungen nach Vereinbarung. Bitte haben Sie Verständnis, dass wir nur \
    vollständige Anfragen beantworten können (Name, Telefon, E-Mail).";

fn money(cents: u64) -> Decimal {
    Decimal::new(cents as i64, 2)
}

fn generate(i: u64, rng: &mut Rng) -> Listing {
    let (plz, ort, land) = CITIES[rng.below(CITIES.len() as u64) as usize];
    let kind = rng.below(100);
    let usage = if kind < 80 {
        Usage::Living(
            [
                ApartmentType::Etage,
                ApartmentType::Erdgeschoss,
                ApartmentType::Dachgeschoss,
            ][rng.below(3) as usize],
        )
    } else if kind < 92 {
        Usage::Parking(
            [
                ParkingType::Stellplatz,
                ParkingType::Tiefgaragenstellplatz,
                ParkingType::Einzelgarage,
            ][rng.below(3) as usize],
        )
    } else {
        Usage::Commercial(CommercialType::Office(OfficeType::Bueroflaeche))
    };
    let object_id = format!("1.{}.{}.{}", 10 + i % 90, 1 + (i / 90) % 40, 1 + i % 37);
    let contact = Contact {
        email_zentrale: Some("vermietung@wohnbau-beispiel.de".into()),
        tel_zentrale: Some("+49 30 123456-0".into()),
        name: rng
            .pick(&["Mustermann", "Schulz", "Becker", "Wagner"])
            .into(),
        vorname: Some(rng.pick(&["Maria", "Thomas", "Sabine", "Ali"]).into()),
        anrede: Some("Frau/Herr".into()),
        ..Contact::default()
    };
    let address = Address {
        plz: plz.into(),
        ort: Some(ort.into()),
        strasse: Some(rng.pick(STREETS).into()),
        hausnummer: Some(format!("{}", 1 + rng.below(120))),
        bundesland: Some(land.into()),
        iso_land: Some("DEU".into()),
        wohnungsnr: Some(format!("WE {:03}", i % 1000)),
    };
    let updated = NaiveDate::from_ymd_opt(2026, 11, 1 + (i % 28) as u32).unwrap();
    let mut l = Listing::new(
        object_id.clone(),
        format!("OIMMOHUB{:020}", i),
        updated,
        usage,
        address,
        contact,
    );
    l.internal_id = Some(format!("WE-{i}"));
    if rng.below(50) == 0 {
        l.action = Action::Delete;
        return l;
    }
    if rng.below(5) == 0 {
        l.action = Action::Change;
    }
    let living = matches!(usage, Usage::Living(_));
    let area_dm = if living {
        3_000 + rng.below(9_000)
    } else {
        1_200 + rng.below(20_000)
    };
    let area = Decimal::new(area_dm as i64, 2);
    let net = if living {
        450_00 + rng.below(900_00)
    } else {
        40_00 + rng.below(2_000_00)
    };
    let ops = 80_00 + rng.below(200_00);
    let heat = 50_00 + rng.below(120_00);
    l.floor = Some(rng.below(7) as i32 - 1);
    l.floors_total = Some(3 + rng.below(6) as i32);
    l.year_built = Some(1900 + rng.below(125) as u16);
    l.available_from_text = Some("nach Vereinbarung".into());
    l.available_from = NaiveDate::from_ymd_opt(2027, 1 + (i % 12) as u32, 1);
    l.prices = Prices {
        net_cold_rent: Some(money(net)),
        cold_rent: Some(money(net + ops)),
        total_rent: Some(money(net + ops + heat)),
        operating_costs: Some(money(ops)),
        heating_costs_included: Some(false),
        heating_costs: Some(money(heat)),
        deposit: Some(money(net * 3)),
    };
    if living {
        l.living_area = Some(area);
        l.rooms = Some(Decimal::new(10 + 5 * rng.below(7) as i64, 1));
        l.features = Features {
            fitted_kitchen: Some(rng.below(2) == 0),
            heating: HeatingTypes {
                zentral: true,
                ..HeatingTypes::default()
            },
            elevator: Some(rng.below(3) == 0),
            cellar: Some([Cellar::Yes, Cellar::No, Cellar::Partial][rng.below(3) as usize]),
            bike_room: Some(rng.below(2) == 0),
            guest_wc: Some(rng.below(4) == 0),
            intercom: Some(true),
        };
        let mut ep = EnergyCertificate::new(if rng.below(2) == 0 {
            EnergyCertificateKind::Consumption
        } else {
            EnergyCertificateKind::Demand
        });
        ep.valid_until = NaiveDate::from_ymd_opt(2028 + rng.below(6) as i32, 6, 30);
        ep.value = Some(Decimal::new(500 + rng.below(2_000) as i64, 1));
        ep.with_hot_water = Some(true);
        ep.primary_energy_carrier = Some("FERN".into());
        ep.class = Some(rng.pick(&["B", "C", "D", "E", "F"]).into());
        ep.issued_on = NaiveDate::from_ymd_opt(2019 + rng.below(6) as i32, 3, 15);
        ep.vintage = Some(EnergyCertificateVintage::Enev2014);
        ep.building_kind = Some(BuildingKind::Residential);
        l.energy_certificates = vec![ep];
    } else {
        l.usable_area = Some(area);
    }
    l.texts = Texts {
        title: Some(format!(
            "{} in {ort}, Objekt {object_id}",
            if living { "Wohnung" } else { "Fläche" }
        )),
        location: Some(LAGE.into()),
        features: Some(AUSSTATTUNG.into()),
        description: Some(BESCHREIBUNG.into()),
    };
    let n_att = 1 + rng.below(4);
    l.attachments = (0..n_att)
        .map(|k| Attachment {
            title: Some(format!("Bild {}", k + 1)),
            format: if k == n_att - 1 {
                "PDF".into()
            } else {
                "JPG".into()
            },
            path: format!(
                "bilder/{object_id}/{}",
                if k == n_att - 1 {
                    "grundriss.pdf".to_string()
                } else {
                    format!("bild{k}.jpg")
                }
            ),
            group: Some(if k == n_att - 1 {
                AttachmentGroup::Grundriss
            } else {
                AttachmentGroup::Bild
            }),
        })
        .collect();
    l
}

fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .unwrap_or(Value::Null)
}

fn opt_dec(d: Option<Decimal>) -> Value {
    d.map(|d| Value::String(d.to_string()))
        .unwrap_or(Value::Null)
}

/// The listing as JSON for the Python writer: same facts, decimals as strings.
fn to_json(l: &Listing) -> Value {
    let (usage, objektart, typ_attr, typ) = match l.usage {
        Usage::Living(t) => ("living", "wohnung", "wohnungtyp", t.as_str()),
        Usage::Parking(t) => ("parking", "parken", "parken_typ", t.as_str()),
        Usage::Commercial(CommercialType::Office(t)) => {
            ("commercial", "buero_praxen", "buero_typ", t.as_str())
        }
        Usage::Commercial(CommercialType::Retail(t)) => {
            ("commercial", "einzelhandel", "handel_typ", t.as_str())
        }
        Usage::Commercial(CommercialType::Hall(t)) => {
            ("commercial", "hallen_lager_prod", "hallen_typ", t.as_str())
        }
    };
    let f = &l.features;
    let heating: Vec<&str> = [
        ("OFEN", f.heating.ofen),
        ("ETAGE", f.heating.etage),
        ("ZENTRAL", f.heating.zentral),
        ("FERN", f.heating.fern),
        ("FUSSBODEN", f.heating.fussboden),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(n, _)| *n)
    .collect();
    json!({
        "object_id": l.object_id, "internal_id": l.internal_id, "openimmo_obid": l.openimmo_obid,
        "updated_on": l.updated_on.format("%Y-%m-%d").to_string(),
        "action": match l.action { Action::Add => "ADD", Action::Change => "CHANGE", Action::Delete => "DELETE" },
        "usage": usage, "objektart": objektart, "typ_attr": typ_attr, "typ": typ,
        "address": {
            "plz": l.address.plz, "ort": l.address.ort, "strasse": l.address.strasse,
            "hausnummer": l.address.hausnummer, "bundesland": l.address.bundesland,
            "iso_land": l.address.iso_land, "wohnungsnr": l.address.wohnungsnr,
        },
        "floor": l.floor, "floors_total": l.floors_total,
        "rooms": opt_dec(l.rooms), "living_area": opt_dec(l.living_area), "usable_area": opt_dec(l.usable_area),
        "year_built": l.year_built,
        "available_from_text": l.available_from_text, "available_from": opt_date(l.available_from),
        "prices": {
            "nettokaltmiete": opt_dec(l.prices.net_cold_rent), "kaltmiete": opt_dec(l.prices.cold_rent),
            "warmmiete": opt_dec(l.prices.total_rent), "nebenkosten": opt_dec(l.prices.operating_costs),
            "heizkosten_enthalten": l.prices.heating_costs_included,
            "heizkosten": opt_dec(l.prices.heating_costs), "kaution": opt_dec(l.prices.deposit),
        },
        "features": {
            "ebk": f.fitted_kitchen, "heating": heating, "elevator": f.elevator,
            "cellar": f.cellar.map(Cellar::as_str), "bike_room": f.bike_room, "guest_wc": f.guest_wc,
            "intercom": f.intercom,
        },
        "energy": l.energy_certificates.iter().map(|e| json!({
            "epart": e.kind.as_str(), "gueltig_bis": opt_date(e.valid_until), "value": opt_dec(e.value),
            "mitwarmwasser": e.with_hot_water, "primaerenergietraeger": e.primary_energy_carrier,
            "wertklasse": e.class, "baujahr": e.year_built, "ausstelldatum": opt_date(e.issued_on),
            "jahrgang": e.vintage.map(EnergyCertificateVintage::as_str),
            "gebaeudeart": e.building_kind.map(BuildingKind::as_str),
        })).collect::<Vec<_>>(),
        "texts": {
            "objekttitel": l.texts.title, "lage": l.texts.location,
            "ausstatt_beschr": l.texts.features, "objektbeschreibung": l.texts.description,
        },
        "contact": {
            "email_zentrale": l.contact.email_zentrale, "email_direkt": l.contact.email_direkt,
            "tel_zentrale": l.contact.tel_zentrale, "tel_durchw": l.contact.tel_durchw,
            "tel_fax": l.contact.tel_fax, "tel_handy": l.contact.tel_handy, "name": l.contact.name,
            "vorname": l.contact.vorname, "anrede": l.contact.anrede, "firma": l.contact.firma,
        },
        "attachments": l.attachments.iter().map(|a| json!({
            "title": a.title, "format": a.format, "path": a.path, "group": a.group.map(AttachmentGroup::as_str),
        })).collect::<Vec<_>>(),
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .map(|s| s.parse().expect("count"))
        .unwrap_or(30_000);
    let out_path = args
        .next()
        .unwrap_or_else(|| "/tmp/openimmo_bench.xml".into());
    let jsonl = args.next();

    let mut rng = Rng(0x1234_5678_9abc_def1);
    let listings: Vec<Listing> = (0..count).map(|i| generate(i, &mut rng)).collect();
    if let Some(path) = &jsonl {
        let mut w = BufWriter::new(File::create(path).expect("create jsonl"));
        for l in &listings {
            serde_json::to_writer(&mut w, &to_json(l)).expect("json");
            w.write_all(b"\n").expect("newline");
        }
        w.flush().expect("flush");
    }
    let transfer = Transfer {
        kind: TransferKind::Offline,
        scope: TransferScope::Full,
        sender_software: "immohub".into(),
        sender_version: env!("CARGO_PKG_VERSION").into(),
        techn_email: Some("technik@wohnbau-beispiel.de".into()),
        timestamp: NaiveDateTime::parse_from_str("2026-11-28T06:30:00", "%Y-%m-%dT%H:%M:%S").ok(),
    };
    let provider = Provider {
        anbieternr: Some("K-4711".into()),
        firma: "Wohnbau Beispiel eG".into(),
        openimmo_anid: "AIMMOHUB000000000001".into(),
    };

    let start = Instant::now();
    let file = BufWriter::with_capacity(256 * 1024, File::create(&out_path).expect("create xml"));
    let mut writer = OpenImmoWriter::new(file, &transfer, &provider).expect("header");
    for l in &listings {
        writer.write_listing(l).expect("valid listing");
    }
    let written = writer.listings_written();
    let mut file = writer.finish().expect("finish");
    file.flush().expect("flush");
    drop(file);
    let secs = start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&out_path).expect("stat").len() as f64;
    let mb = bytes / 1_000_000.0;
    println!(
        "rust quick-xml: {written} listings, {secs:.3} s, {mb:.1} MB written, {:.1} MB/s ({:.0} listings/s) -> {out_path}",
        mb / secs,
        written as f64 / secs
    );
}
