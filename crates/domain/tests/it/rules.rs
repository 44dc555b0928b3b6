use chrono::NaiveDate;
use immohub_domain::entity::Entity;
use immohub_domain::id::{IdError, compose};
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_domain::rules::{
    Decision, SkipReason, SyncRules, UnitType, UnitTypeMapping, floor_from_text, project,
};
use immohub_domain::{ErpEntity, RawRecord, Separator};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn rules(profile: PartnerProfile, sep: Separator, clients: &[&str]) -> SyncRules {
    SyncRules {
        profile,
        separator: sep,
        clients: clients.iter().map(|c| c.to_string()).collect(),
        unit_types: UnitTypeMapping::default(),
    }
}

fn unit(client: &str, property: &str, building: &str, unit: &str) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some(client))
        .with("property_no", Some(property))
        .with("building_no", Some(building))
        .with("unit_no", Some(unit))
        .with("usage_type", Some("WOHNUNG"))
        .with("rooms", Some("2.5"))
        .with("floor_text", Some("3. OG links"))
        .with("area", Some("61.40"))
        .with(
            "tenancies",
            Some("L1:main_tenant:2020-01-01:;L0:main_tenant:2010-01-01:2019-12-31"),
        )
}

fn person(email: Option<&str>, surname: Option<&str>, tenancies: Option<&str>) -> Entity {
    let raw = RawRecord::new()
        .with("client_no", Some("1"))
        .with("person_no", Some("4711"))
        .with("first_name", Some("Jörg"))
        .with("surname", surname)
        .with("email", email)
        .with("tenancies", tenancies);
    Entity::parse(ErpEntity::Person, &raw).unwrap()
}

fn only(projections: Vec<immohub_domain::rules::Projection>, feed: FeedKind) -> Decision {
    projections
        .into_iter()
        .find(|p| p.feed == feed)
        .map(|p| p.decision)
        .expect("feed projected")
}

#[test]
fn stm_3_floor_from_free_text() {
    let cases: &[(Option<&str>, Option<i32>)] = &[
        (None, None),
        (Some(""), None),
        (Some("   "), None),
        (Some("Erdgeschoss"), Some(0)),
        (Some("erdgeschoss rechts"), Some(0)),
        (Some("ERDGESCHOSS"), Some(0)),
        (Some("Keller"), Some(-1)),
        (Some("Kellergeschoss, Raum 2"), Some(-1)),
        (Some("3"), Some(3)),
        (Some("-1"), Some(-1)),
        (Some(" 12 "), Some(12)),
        (Some("3. Etage, links"), Some(3)),
        (Some("3. OG links"), Some(3)),
        (Some("1. OG rechts"), Some(1)),
        (Some("Dachgeschoss, mitte"), None),
        (Some("Souterrain"), None),
        // The first rule that applies wins: "Erdgeschoss" before the number.
        (Some("Erdgeschoss, Eingang 2"), Some(0)),
    ];
    for (text, expected) in cases {
        assert_eq!(floor_from_text(*text), *expected, "floor text {text:?}");
    }
}

#[test]
fn stm_4_unit_type_mapping_default_and_configured() {
    let m = UnitTypeMapping::default();
    assert_eq!(m.map("WOHNUNG"), UnitType::Living);
    assert_eq!(m.map(" Gewerbe "), UnitType::Commercial);
    assert_eq!(m.map("Stellplatz"), UnitType::Parking);
    assert_eq!(m.map("GARAGE"), UnitType::Parking);
    assert_eq!(m.map("Lager"), UnitType::Storage);
    assert_eq!(m.map("Hausmeisterwohnung?"), UnitType::Other);

    let custom: UnitTypeMapping = toml::from_str(
        r#"
        fallback = "living"
        [codes]
        WHG = "living"
        TG = "parking"
        GEW = "commercial"
        "#,
    )
    .unwrap();
    assert_eq!(custom.map("tg"), UnitType::Parking);
    assert_eq!(custom.map("GEW"), UnitType::Commercial);
    // Codes not listed use the configured fallback, not the built-in table.
    assert_eq!(custom.map("Stellplatz"), UnitType::Living);

    let e = Entity::parse(
        ErpEntity::Unit,
        &unit("1", "2", "3", "4").with("usage_type", Some("TG")),
    )
    .unwrap();
    let mut r = rules(PartnerProfile::Generic, Separator::Dot, &["1"]);
    r.unit_types = custom;
    match only(project(&e, &r, today()), FeedKind::Unit) {
        Decision::Send { payload, .. } => assert_eq!(payload["type"], "parking"),
        other => panic!("expected send, got {other:?}"),
    }
}

#[test]
fn gen_1_composite_ids_with_every_separator() {
    let e = Entity::parse(ErpEntity::Unit, &unit("1", "2", "3", "4")).unwrap();
    for (sep, expected) in [
        (Separator::Dash, "1-2-3-4"),
        (Separator::Underscore, "1_2_3_4"),
        (Separator::Dot, "1.2.3.4"),
        (Separator::Slash, "1/2/3/4"),
        (Separator::Pipe, "1|2|3|4"),
    ] {
        match only(
            project(&e, &rules(PartnerProfile::Generic, sep, &["1"]), today()),
            FeedKind::Unit,
        ) {
            Decision::Send {
                partner_id,
                payload,
                ..
            } => {
                assert_eq!(partner_id, expected);
                assert_eq!(payload["id"], expected);
                // The building ID is the 3-part prefix.
                assert_eq!(payload["building_id"], expected[..expected.len() - 2]);
            }
            other => panic!("{sep:?}: expected send, got {other:?}"),
        }
    }
}

#[test]
fn gen_1_number_containing_separator_is_not_sent() {
    let e = Entity::parse(ErpEntity::Unit, &unit("1", "2", "3", "4.1")).unwrap();
    match only(
        project(
            &e,
            &rules(PartnerProfile::Generic, Separator::Dot, &["1"]),
            today(),
        ),
        FeedKind::Unit,
    ) {
        Decision::Skip(SkipReason::Gen1AmbiguousId { message }) => {
            assert!(message.contains("4.1"), "{message}");
            assert!(message.contains("unit_no"), "{message}");
        }
        other => panic!("expected GEN-1 skip, got {other:?}"),
    }
    // With another separator the same unit is fine.
    assert!(matches!(
        only(
            project(
                &e,
                &rules(PartnerProfile::Generic, Separator::Dash, &["1"]),
                today()
            ),
            FeedKind::Unit
        ),
        Decision::Send { .. }
    ));
    assert_eq!(
        compose(Separator::Pipe, &[("client_no", "1|2")]),
        Err(IdError::SeparatorInNumber {
            part: "client_no".into(),
            value: "1|2".into(),
            separator: '|'
        })
    );
    assert!("x".parse::<Separator>().is_err());
    assert_eq!("/".parse::<Separator>().unwrap(), Separator::Slash);
}

#[test]
fn gen_2_client_filter_empty_list_syncs_nothing() {
    let e = Entity::parse(ErpEntity::Unit, &unit("2", "2", "3", "4")).unwrap();
    for clients in [&[][..], &["1"][..], &["3", "20"][..]] {
        match only(
            project(
                &e,
                &rules(PartnerProfile::Generic, Separator::Dot, clients),
                today(),
            ),
            FeedKind::Unit,
        ) {
            Decision::Skip(SkipReason::Gen2ClientNotReleased { client_no }) => {
                assert_eq!(client_no, "2")
            }
            other => panic!("clients {clients:?}: expected GEN-2 skip, got {other:?}"),
        }
    }
    assert!(matches!(
        only(
            project(
                &e,
                &rules(PartnerProfile::Generic, Separator::Dot, &["1", "2"]),
                today()
            ),
            FeedKind::Unit
        ),
        Decision::Send { .. }
    ));
}

#[test]
fn stm_2_account_partners_get_only_tenants_with_email() {
    let current = Some("L1:main_tenant:2020-01-01:");
    for profile in [PartnerProfile::Immomio, PartnerProfile::Everreal] {
        let r = rules(profile, Separator::Dot, &["1"]);
        let without = person(None, Some("Müller"), current);
        match only(project(&without, &r, today()), FeedKind::Tenant) {
            Decision::Skip(reason @ SkipReason::Stm2NoEmail { .. }) => {
                assert_eq!(reason.rule(), "STM-2");
                assert!(reason.to_string().contains("E-Mail"));
            }
            other => panic!("{profile}: expected STM-2 skip, got {other:?}"),
        }
        let with = person(Some("j.mueller@example.de"), Some("Müller"), current);
        assert!(matches!(
            only(project(&with, &r, today()), FeedKind::Tenant),
            Decision::Send { .. }
        ));
    }
}

#[test]
fn stm_2_portal_partners_need_surname_and_tenant_units() {
    let r = rules(PartnerProfile::Casavi, Separator::Dot, &["1"]);
    let current = Some("L1:main_tenant:2020-01-01:");
    // casavi does not need an e-mail, but a surname.
    assert!(matches!(
        only(
            project(&person(None, Some("Öztürk"), current), &r, today()),
            FeedKind::Tenant
        ),
        Decision::Send { .. }
    ));
    assert!(matches!(
        only(
            project(&person(Some("a@b.de"), None, current), &r, today()),
            FeedKind::Tenant
        ),
        Decision::Skip(SkipReason::Stm2NoSurname { .. })
    ));
    // A unit whose only lease ended is not linked to a tenant.
    let vacant =
        unit("1", "2", "3", "4").with("tenancies", Some("L0:main_tenant:2010-01-01:2019-12-31"));
    let e = Entity::parse(ErpEntity::Unit, &vacant).unwrap();
    assert!(matches!(
        only(project(&e, &r, today()), FeedKind::Unit),
        Decision::Skip(SkipReason::Stm2UnitWithoutTenant { .. })
    ));
    // A lease that starts in the future does not link the unit yet.
    let future = unit("1", "2", "3", "4").with("tenancies", Some("L9:main_tenant:2027-01-01:"));
    let e = Entity::parse(ErpEntity::Unit, &future).unwrap();
    assert!(matches!(
        only(project(&e, &r, today()), FeedKind::Unit),
        Decision::Skip(SkipReason::Stm2UnitWithoutTenant { .. })
    ));
    let let_unit = Entity::parse(ErpEntity::Unit, &unit("1", "2", "3", "4")).unwrap();
    assert!(matches!(
        only(project(&let_unit, &r, today()), FeedKind::Unit),
        Decision::Send { .. }
    ));
    // The generic profile sends vacant units too.
    let g = rules(PartnerProfile::Generic, Separator::Dot, &["1"]);
    let e = Entity::parse(ErpEntity::Unit, &vacant).unwrap();
    assert!(matches!(
        only(project(&e, &g, today()), FeedKind::Unit),
        Decision::Send { .. }
    ));
}

#[test]
fn stm_1_profiles_say_which_entities_a_partner_receives() {
    assert!(!PartnerProfile::Immomio.receives(FeedKind::Owner));
    assert!(PartnerProfile::Casavi.receives(FeedKind::Owner));
    assert!(PartnerProfile::Casavi.receives(FeedKind::Ownership));
    assert!(PartnerProfile::Everreal.receives(FeedKind::Unit));
    assert_eq!(PartnerProfile::Generic.feeds().len(), FeedKind::ALL.len());
    // A person who is tenant but not owner: a casavi tenant record, an owner skip.
    let r = rules(PartnerProfile::Casavi, Separator::Dot, &["1"]);
    let p = person(None, Some("Weiß"), Some("L1:co_resident:2020-01-01:"));
    let ps = project(&p, &r, today());
    assert_eq!(ps.len(), 2);
    assert!(matches!(
        only(ps.clone(), FeedKind::Tenant),
        Decision::Send { .. }
    ));
    assert!(matches!(
        only(ps, FeedKind::Owner),
        Decision::Skip(SkipReason::NotAnOwner)
    ));
    // Immomio never sees the owner feed at all.
    let ps = project(
        &p,
        &rules(PartnerProfile::Immomio, Separator::Dot, &["1"]),
        today(),
    );
    assert!(ps.iter().all(|x| x.feed == FeedKind::Tenant));
    // A former tenant (lease ended) is no tenant.
    let former = person(
        Some("x@y.de"),
        Some("Alt"),
        Some("L1:main_tenant:2000-01-01:2020-12-31"),
    );
    assert!(matches!(
        only(
            project(
                &former,
                &rules(PartnerProfile::Generic, Separator::Dot, &["1"]),
                today()
            ),
            FeedKind::Tenant
        ),
        Decision::Skip(SkipReason::NotATenant)
    ));
}
