use immohub_domain::entity::{Entity, parse_decimal};
use immohub_domain::{ErpEntity, RawRecord};
use rust_decimal::Decimal;
use std::str::FromStr;

fn unit() -> RawRecord {
    RawRecord::new()
        .with("client_no", Some("1"))
        .with("property_no", Some("100"))
        .with("building_no", Some("1"))
        .with("unit_no", Some("7"))
        .with("usage_type", Some("WOHNUNG"))
        .with("area", Some("61,40"))
        .with("rooms", Some("2.5"))
}

#[test]
fn invalid_field_names_record_field_and_reason() {
    let err = Entity::parse(ErpEntity::Unit, &unit().with("area", Some("sechzig"))).unwrap_err();
    assert_eq!(err.entity, ErpEntity::Unit);
    assert_eq!(err.record, "1/100/1/7");
    assert_eq!(err.error.field, "area");
    let text = err.to_string();
    assert!(text.contains("units 1/100/1/7"), "{text}");
    assert!(text.contains("„sechzig“ ist keine Dezimalzahl"), "{text}");

    let err = Entity::parse(ErpEntity::Unit, &unit().with("usage_type", None)).unwrap_err();
    assert_eq!(err.error.field, "usage_type");
    assert_eq!(err.error.reason, "Pflichtfeld fehlt");

    let err = Entity::parse(ErpEntity::Unit, &unit().with("rooms", Some("-2"))).unwrap_err();
    assert_eq!(err.error.field, "rooms");

    let person = RawRecord::new()
        .with("client_no", Some("1"))
        .with("person_no", Some("9"))
        .with("email", Some("kein-at-zeichen.de"));
    let err = Entity::parse(ErpEntity::Person, &person).unwrap_err();
    assert_eq!(err.error.field, "email");

    let lease = RawRecord::new()
        .with("client_no", Some("1"))
        .with("lease_no", Some("L1"))
        .with("property_no", Some("100"))
        .with("building_no", Some("1"))
        .with("unit_no", Some("7"))
        .with("start_date", Some("2024-05-01"))
        .with("end_date", Some("2024-04-30"));
    let err = Entity::parse(ErpEntity::Lease, &lease).unwrap_err();
    assert_eq!(err.error.field, "end_date");
    let bad_party = lease.with("end_date", None).with("parties", Some("P1"));
    assert_eq!(
        Entity::parse(ErpEntity::Lease, &bad_party)
            .unwrap_err()
            .error
            .field,
        "parties"
    );
}

#[test]
fn money_and_areas_are_decimal_not_float() {
    let e = Entity::parse(ErpEntity::Unit, &unit()).unwrap();
    let Entity::Unit(u) = e else { panic!() };
    assert_eq!(u.area, Some(Decimal::from_str("61.40").unwrap()));
    // 0.1 + 0.2 is exact in decimal.
    let sum = parse_decimal("0.1").unwrap() + parse_decimal("0.2").unwrap();
    assert_eq!(sum.to_string(), "0.3");
    assert_eq!(
        parse_decimal("1.234,5"),
        None,
        "mixed separators are refused"
    );
}

#[test]
fn umlauts_and_double_names_survive_parsing() {
    let raw = RawRecord::new()
        .with("client_no", Some("1"))
        .with("person_no", Some("9"))
        .with("salutation", Some("Frau"))
        .with("title", Some("Dr."))
        .with("first_name", Some("  Anna-Lena "))
        .with("surname", Some("Müller-Lüdenscheidt"))
        .with("birth_date", Some("03.07.1985"));
    let Entity::Person(p) = Entity::parse(ErpEntity::Person, &raw).unwrap() else {
        panic!()
    };
    assert_eq!(p.first_name.as_deref(), Some("Anna-Lena"));
    assert_eq!(p.surname.as_deref(), Some("Müller-Lüdenscheidt"));
    assert_eq!(p.birth_date.unwrap().to_string(), "1985-07-03");
}
