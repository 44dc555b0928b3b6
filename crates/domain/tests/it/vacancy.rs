//! Vacancies: VAC-1 (net cold rent required), VAC-2 (content), VAC-5 (costs add up), VAC-7
//! (money with two places), and the document paths of the ERP interface.

use chrono::NaiveDate;
use immohub_domain::entity::Entity;
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_domain::rules::{Decision, SkipReason, SyncRules, UnitType, UnitTypeMapping, project};
use immohub_domain::vacancy::{VacancyPayload, euro};
use immohub_domain::{ErpEntity, RawRecord, Separator};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn rules(profile: PartnerProfile) -> SyncRules {
    SyncRules {
        profile,
        separator: Separator::Dot,
        clients: vec!["1".to_owned()],
        unit_types: UnitTypeMapping::default(),
    }
}

fn raw() -> RawRecord {
    RawRecord::new()
        .with("client_no", Some("1"))
        .with("property_no", Some("100"))
        .with("building_no", Some("2"))
        .with("unit_no", Some("7"))
        .with("usage_type", Some("WOHNUNG"))
        .with("rooms", Some("2,5"))
        .with("floor_text", Some("3. OG links"))
        .with("area", Some("61.40"))
        .with("features", Some("Keller, Einbauküche, Gegensprechanlage, Aufzug, Fahrradraum, Gäste-WC, Balkon"))
        .with("energy_cert_type", Some("verbrauch"))
        .with("energy_value", Some("112.4"))
        .with("energy_class", Some("D"))
        .with("year_built", Some("1958"))
        .with("street", Some("Elbchaussee"))
        .with("house_no", Some("12a"))
        .with("postal_code", Some("22763"))
        .with("city", Some("Hamburg"))
        .with("available_from", Some("2027-01-01"))
        .with("net_cold_rent", Some("702"))
        .with("operating_costs", Some("180.5"))
        .with("heating_costs", Some("95.25"))
        .with("total_rent", Some("977.75"))
        .with("deposit", Some("2106"))
        .with("heating_type", Some("zentral"))
        .with("title", Some("2,5-Zimmer-Wohnung"))
        .with("contact_email", Some("vermietung@elbufer-eg.de"))
        .with(
            "attachments",
            Some("BILD|Wohnzimmer|bilder/wohnung-1.png\nGRUNDRISS|Grundriss|grundrisse/grundriss-2-zimmer.pdf"),
        )
}

fn decide(raw: &RawRecord, profile: PartnerProfile) -> Decision {
    let e = Entity::parse(ErpEntity::Vacancy, raw).unwrap();
    let mut p = project(&e, &rules(profile), today());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].feed, FeedKind::Vacancy);
    p.remove(0).decision
}

fn payload(d: Decision) -> (VacancyPayload, Option<String>) {
    match d {
        Decision::Send {
            payload, warning, ..
        } => (
            serde_json::from_value(payload).unwrap(),
            warning.map(|w| format!("{}: {}", w.rule, w.message)),
        ),
        Decision::Skip(r) => panic!("skipped: {r}"),
    }
}

#[test]
fn vac_2_payload_carries_every_fact() {
    let (p, warning) = payload(decide(&raw(), PartnerProfile::Immomio));
    assert_eq!(warning, None);
    assert_eq!(p.id, "1.100.2.7");
    assert_eq!(p.unit_type, UnitType::Living);
    assert_eq!(p.floor, Some(3));
    assert_eq!(p.rooms.unwrap().to_string(), "2.5");
    assert_eq!(p.year_built, Some(1958));
    assert_eq!(p.address.postal_code, "22763");
    assert_eq!(p.available_from, NaiveDate::from_ymd_opt(2027, 1, 1));
    let f = &p.features;
    assert!(f.cellar && f.fitted_kitchen && f.intercom && f.elevator && f.bike_room && f.guest_wc);
    assert_eq!(f.heating_type.as_deref(), Some("ZENTRAL"));
    assert!(f.central_heating);
    assert_eq!(
        p.energy_certificate.as_ref().unwrap().class.as_deref(),
        Some("D")
    );
    assert_eq!(p.attachments.len(), 2);
    assert_eq!(p.attachments[0].format, "PNG");
    assert_eq!(p.attachments[1].file_name, "02-grundriss-2-zimmer.pdf");
    assert_eq!(
        p.attachments[1].source_path,
        "grundrisse/grundriss-2-zimmer.pdf"
    );
}

#[test]
fn vac_7_money_has_two_places_and_is_decimal_text() {
    let (p, _) = payload(decide(&raw(), PartnerProfile::Immomio));
    let c = &p.costs;
    assert_eq!(c.net_cold_rent.to_string(), "702.00");
    assert_eq!(c.operating_costs.unwrap().to_string(), "180.50");
    assert_eq!(c.cold_rent.to_string(), "882.50");
    assert_eq!(c.total_rent.to_string(), "977.75");
    assert_eq!(c.deposit.unwrap().to_string(), "2106.00");
    // As JSON the amounts are strings, never binary floats.
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["costs"]["net_cold_rent"], "702.00");
    assert_eq!(euro(c.deposit.unwrap()), "2.106,00");
}

#[test]
fn vac_1_vacancy_without_net_cold_rent_is_not_sent() {
    let r = raw().with("net_cold_rent", None);
    match decide(&r, PartnerProfile::Immomio) {
        Decision::Skip(reason @ SkipReason::Vac1NoNetColdRent) => {
            assert_eq!(reason.rule(), "VAC-1");
            assert!(reason.to_string().contains("Nettokaltmiete"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn vac_5_total_that_does_not_add_up_is_a_warning_and_still_sent() {
    let r = raw().with("total_rent", Some("990.00"));
    let (p, warning) = payload(decide(&r, PartnerProfile::Immomio));
    let w = warning.expect("warning");
    assert!(w.starts_with("VAC-5: Gesamtmiete 990,00 €"), "{w}");
    assert!(w.contains("977,75 €"), "{w}");
    // The ERP's figure is what the partner gets.
    assert_eq!(p.costs.total_rent.to_string(), "990.00");
    // Without a total the sum is sent and there is nothing to warn about.
    let (p, warning) = payload(decide(
        &raw().with("total_rent", None),
        PartnerProfile::Immomio,
    ));
    assert_eq!(warning, None);
    assert_eq!(p.costs.total_rent.to_string(), "977.75");
}

#[test]
fn vac_2_parking_and_commercial_units_keep_their_type() {
    let r = raw()
        .with("usage_type", Some("TG-STELLPLATZ"))
        .with("rooms", None)
        .with("heating_costs", None)
        .with("operating_costs", None)
        .with("total_rent", None)
        .with("net_cold_rent", Some("65"));
    let mapping = UnitTypeMapping {
        codes: [("tg-stellplatz".to_owned(), UnitType::Parking)].into(),
        fallback: UnitType::Other,
    };
    let e = Entity::parse(ErpEntity::Vacancy, &r).unwrap();
    let rules = SyncRules {
        unit_types: mapping,
        ..rules(PartnerProfile::Generic)
    };
    let (p, _) = payload(project(&e, &rules, today()).remove(0).decision);
    assert_eq!(p.unit_type, UnitType::Parking);
    assert_eq!(p.costs.total_rent.to_string(), "65.00");
    let (p, _) = payload(decide(
        &raw().with("usage_type", Some("GEWERBE")),
        PartnerProfile::Generic,
    ));
    assert_eq!(p.unit_type, UnitType::Commercial);
}

#[test]
fn vac_2_only_letting_partners_receive_vacancies() {
    let e = Entity::parse(ErpEntity::Vacancy, &raw()).unwrap();
    assert!(project(&e, &rules(PartnerProfile::Casavi), today()).is_empty());
    assert_eq!(
        project(&e, &rules(PartnerProfile::Everreal), today()).len(),
        1
    );
}

#[test]
fn vac_2_document_paths_must_stay_below_the_document_root() {
    for bad in [
        "/etc/passwd",
        "../geheim.pdf",
        "bilder/../../x.png",
        "C:\\daten\\a.pdf",
    ] {
        let line = format!("BILD|Titel|{bad}");
        let r = raw().with("attachments", Some(line.as_str()));
        let err = Entity::parse(ErpEntity::Vacancy, &r).unwrap_err();
        assert_eq!(err.error.field, "attachments", "{bad}");
        assert!(err.to_string().contains(bad), "{err}");
    }
    let r = raw().with("attachments", Some("nur ein Wert"));
    let err = Entity::parse(ErpEntity::Vacancy, &r).unwrap_err();
    assert!(err.to_string().contains("Art|Titel|Pfad"), "{err}");
}

#[test]
fn gen_2_vacancies_of_other_clients_are_skipped() {
    let r = raw().with("client_no", Some("2"));
    assert!(matches!(
        decide(&r, PartnerProfile::Immomio),
        Decision::Skip(SkipReason::Gen2ClientNotReleased { .. })
    ));
}
