//! Structural tests of the written XML, parsed back with roxmltree.

use crate::fixtures::*;
use immohub_openimmo::*;
use roxmltree::{Document, Node};

// Schema order (openimmo_127b.xsd) of the children immohub writes, per container.
const IMMOBILIE: &[&str] = &[
    "objektkategorie",
    "geo",
    "kontaktperson",
    "weitere_adresse",
    "preise",
    "bieterverfahren",
    "versteigerung",
    "flaechen",
    "ausstattung",
    "zustand_angaben",
    "bewertung",
    "infrastruktur",
    "freitexte",
    "anhaenge",
    "verwaltung_objekt",
    "verwaltung_techn",
];
const GEO: &[&str] = &[
    "plz",
    "ort",
    "geokoordinaten",
    "strasse",
    "hausnummer",
    "bundesland",
    "land",
    "gemeindecode",
    "flur",
    "flurstueck",
    "gemarkung",
    "etage",
    "anzahl_etagen",
    "lage_im_bau",
    "wohnungsnr",
];
const KONTAKT: &[&str] = &[
    "email_zentrale",
    "email_direkt",
    "tel_zentrale",
    "tel_durchw",
    "tel_fax",
    "tel_handy",
    "name",
    "vorname",
    "titel",
    "anrede",
    "position",
    "anrede_brief",
    "firma",
];
const PREISE: &[&str] = &[
    "kaufpreis",
    "nettokaltmiete",
    "kaltmiete",
    "warmmiete",
    "nebenkosten",
    "heizkosten_enthalten",
    "heizkosten",
    "zzg_mehrwertsteuer",
    "mietzuschlaege",
    "gesamtmietenetto",
    "gesamtmietebrutto",
    "waehrung",
    "mwst_satz",
    "kaution",
];
const FLAECHEN: &[&str] = &[
    "wohnflaeche",
    "nutzflaeche",
    "gesamtflaeche",
    "anzahl_zimmer",
];
const AUSSTATTUNG: &[&str] = &[
    "bad",
    "kueche",
    "boden",
    "kamin",
    "heizungsart",
    "befeuerung",
    "klimatisiert",
    "fahrstuhl",
    "unterkellert",
    "abstellraum",
    "fahrradraum",
    "rolladen",
    "gaestewc",
    "user_defined_simplefield",
];
const ZUSTAND: &[&str] = &["baujahr", "letztemodernisierung", "zustand", "energiepass"];
const ENERGIEPASS: &[&str] = &[
    "epart",
    "gueltig_bis",
    "energieverbrauchkennwert",
    "mitwarmwasser",
    "endenergiebedarf",
    "primaerenergietraeger",
    "stromwert",
    "waermewert",
    "wertklasse",
    "baujahr",
    "ausstelldatum",
    "jahrgang",
    "gebaeudeart",
];
const FREITEXTE: &[&str] = &[
    "objekttitel",
    "dreizeiler",
    "lage",
    "ausstatt_beschr",
    "objektbeschreibung",
];
const ANHANG: &[&str] = &["anhangtitel", "format", "check", "daten"];
const VERW_OBJEKT: &[&str] = &[
    "objektadresse_freigeben",
    "verfuegbar_ab",
    "abdatum",
    "bisdatum",
];
const VERW_TECHN: &[&str] = &[
    "objektnr_intern",
    "objektnr_extern",
    "aktion",
    "aktiv_von",
    "aktiv_bis",
    "openimmo_obid",
    "kennung_ursprung",
    "stand_vom",
];

fn children<'a>(n: Node<'a, 'a>) -> Vec<&'a str> {
    n.children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name())
        .collect()
}

fn child<'a>(n: Node<'a, 'a>, name: &str) -> Node<'a, 'a> {
    n.children()
        .find(|c| c.has_tag_name(name))
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", n.tag_name().name()))
}

fn text<'a>(n: Node<'a, 'a>, name: &str) -> &'a str {
    child(n, name).text().unwrap_or("")
}

/// Children must appear in schema order (repeats of the same element allowed).
fn assert_order(n: Node<'_, '_>, order: &[&str]) {
    let names = children(n);
    let mut last = 0;
    for name in &names {
        let idx = order
            .iter()
            .position(|o| o == name)
            .unwrap_or_else(|| panic!("unexpected <{name}> in <{}>", n.tag_name().name()));
        assert!(
            idx >= last,
            "<{name}> out of schema order in <{}>: {names:?}",
            n.tag_name().name()
        );
        last = idx;
    }
}

fn immobilien<'a>(doc: &'a Document<'a>) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("immobilie"))
        .collect()
}

fn by_id<'a>(doc: &'a Document<'a>, id: &str) -> Node<'a, 'a> {
    immobilien(doc)
        .into_iter()
        .find(|i| text(child(*i, "verwaltung_techn"), "objektnr_extern") == id)
        .unwrap_or_else(|| panic!("no listing {id}"))
}

#[test]
fn vac_3_element_order_follows_schema_in_every_section() {
    let xml = write_doc(&all());
    let doc = Document::parse(&xml).expect("well-formed");
    let list = immobilien(&doc);
    assert_eq!(list.len(), 4);
    for imm in list {
        assert_order(imm, IMMOBILIE);
        for (section, order) in [
            ("geo", GEO),
            ("kontaktperson", KONTAKT),
            ("preise", PREISE),
            ("flaechen", FLAECHEN),
            ("ausstattung", AUSSTATTUNG),
            ("zustand_angaben", ZUSTAND),
            ("freitexte", FREITEXTE),
            ("verwaltung_objekt", VERW_OBJEKT),
            ("verwaltung_techn", VERW_TECHN),
        ] {
            if let Some(n) = imm.children().find(|c| c.has_tag_name(section)) {
                assert_order(n, order);
            }
        }
        for ep in imm.descendants().filter(|n| n.has_tag_name("energiepass")) {
            assert_order(ep, ENERGIEPASS);
        }
        for a in imm.descendants().filter(|n| n.has_tag_name("anhang")) {
            assert_order(a, ANHANG);
        }
    }
    // The full living listing has every section, so the order check above covered them all.
    let living = by_id(&doc, "1.10.3.7");
    assert_eq!(
        children(living),
        [
            "objektkategorie",
            "geo",
            "kontaktperson",
            "preise",
            "flaechen",
            "ausstattung",
            "zustand_angaben",
            "freitexte",
            "anhaenge",
            "verwaltung_objekt",
            "verwaltung_techn"
        ]
    );
    assert_eq!(
        children(child(living, "preise")),
        [
            "nettokaltmiete",
            "kaltmiete",
            "warmmiete",
            "nebenkosten",
            "heizkosten_enthalten",
            "heizkosten",
            "gesamtmietebrutto",
            "waehrung",
            "kaution"
        ]
    );
}

#[test]
fn vac_3_required_elements_and_header_present() {
    let xml = write_doc(&all());
    let doc = Document::parse(&xml).expect("well-formed");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "openimmo");
    assert_eq!(root.tag_name().namespace(), None, "no namespace");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let ue = child(root, "uebertragung");
    assert_eq!(ue.attribute("art"), Some("OFFLINE"));
    assert_eq!(ue.attribute("umfang"), Some("TEIL"));
    assert_eq!(ue.attribute("version"), Some("1.2.7"));
    assert_eq!(ue.attribute("sendersoftware"), Some("immohub"));
    assert_eq!(ue.attribute("senderversion"), Some("0.1.0"));
    assert_eq!(
        ue.attribute("techn_email"),
        Some("technik@wohnbau-beispiel.de")
    );
    assert_eq!(ue.attribute("timestamp"), Some("2026-11-28T06:30:00"));
    let anbieter = child(root, "anbieter");
    assert_eq!(
        children(anbieter)[..3],
        ["anbieternr", "firma", "openimmo_anid"]
    );
    for imm in immobilien(&doc) {
        for required in [
            "objektkategorie",
            "geo",
            "kontaktperson",
            "verwaltung_techn",
        ] {
            child(imm, required);
        }
        let ok = child(imm, "objektkategorie");
        assert_eq!(
            children(ok),
            ["nutzungsart", "vermarktungsart", "objektart"]
        );
        let v = child(ok, "vermarktungsart");
        assert_eq!(v.attribute("MIETE_PACHT"), Some("true"));
        assert_eq!(v.attribute("KAUF"), Some("false"));
        let n = child(ok, "nutzungsart");
        assert!(n.attribute("WOHNEN").is_some() && n.attribute("GEWERBE").is_some());
        let vt = child(imm, "verwaltung_techn");
        for required in ["objektnr_extern", "aktion", "openimmo_obid", "stand_vom"] {
            child(vt, required);
        }
        let kp = child(imm, "kontaktperson");
        assert!(!text(kp, "name").is_empty());
    }
}

#[test]
fn vac_2_every_fact_of_a_living_unit_is_written() {
    let xml = write_doc(&[living()]);
    let doc = Document::parse(&xml).expect("well-formed");
    let imm = by_id(&doc, "1.10.3.7");
    let ok = child(imm, "objektkategorie");
    assert_eq!(child(ok, "nutzungsart").attribute("WOHNEN"), Some("true"));
    assert_eq!(child(ok, "nutzungsart").attribute("GEWERBE"), Some("false"));
    assert_eq!(
        child(child(ok, "objektart"), "wohnung").attribute("wohnungtyp"),
        Some("ETAGE")
    );
    let geo = child(imm, "geo");
    assert_eq!(text(geo, "plz"), "10115");
    assert_eq!(text(geo, "ort"), "Berlin");
    assert_eq!(text(geo, "strasse"), "Invalidenstraße");
    assert_eq!(text(geo, "hausnummer"), "12a");
    assert_eq!(child(geo, "land").attribute("iso_land"), Some("DEU"));
    assert_eq!(text(geo, "etage"), "2");
    assert_eq!(text(geo, "anzahl_etagen"), "5");
    assert_eq!(text(geo, "wohnungsnr"), "WE 07");
    let fl = child(imm, "flaechen");
    assert_eq!(text(fl, "wohnflaeche"), "64.3");
    assert_eq!(text(fl, "anzahl_zimmer"), "2.5");
    assert!(fl.children().all(|c| !c.has_tag_name("nutzflaeche")));
    let p = child(imm, "preise");
    assert_eq!(text(p, "heizkosten_enthalten"), "false");
    assert_eq!(text(p, "gesamtmietebrutto"), "740.50");
    assert_eq!(child(p, "waehrung").attribute("iso_waehrung"), Some("EUR"));
    let a = child(imm, "ausstattung");
    assert_eq!(child(a, "kueche").attribute("EBK"), Some("true"));
    assert_eq!(child(a, "heizungsart").attribute("ZENTRAL"), Some("true"));
    assert_eq!(child(a, "fahrstuhl").attribute("PERSONEN"), Some("true"));
    assert_eq!(child(a, "unterkellert").attribute("keller"), Some("JA"));
    assert_eq!(text(a, "fahrradraum"), "true");
    assert_eq!(text(a, "gaestewc"), "false");
    let udf = child(a, "user_defined_simplefield");
    assert_eq!(udf.attribute("feldname"), Some("gegensprechanlage"));
    assert_eq!(udf.text(), Some("true"));
    let z = child(imm, "zustand_angaben");
    assert_eq!(text(z, "baujahr"), "1962");
    let ep = child(z, "energiepass");
    assert_eq!(text(ep, "epart"), "VERBRAUCH");
    assert_eq!(text(ep, "gueltig_bis"), "2031-06-30");
    assert_eq!(text(ep, "energieverbrauchkennwert"), "112.4");
    assert_eq!(text(ep, "mitwarmwasser"), "true");
    assert_eq!(text(ep, "wertklasse"), "D");
    assert_eq!(text(ep, "ausstelldatum"), "2021-07-01");
    assert_eq!(text(ep, "jahrgang"), "2014");
    assert_eq!(text(ep, "gebaeudeart"), "wohn");
    let ft = child(imm, "freitexte");
    assert_eq!(
        text(ft, "objekttitel"),
        "Helle 2,5-Zimmer-Wohnung mit Balkon"
    );
    assert_eq!(text(ft, "lage"), "Ruhige Lage, U-Bahn 300 m");
    let anh: Vec<_> = imm
        .descendants()
        .filter(|n| n.has_tag_name("anhang"))
        .collect();
    assert_eq!(anh.len(), 2);
    assert_eq!(anh[1].attribute("location"), Some("EXTERN"));
    assert_eq!(anh[1].attribute("gruppe"), Some("GRUNDRISS"));
    assert_eq!(text(anh[1], "format"), "PDF");
    assert_eq!(
        text(child(anh[1], "daten"), "pfad"),
        "bilder/1.10.3.7/grundriss.pdf"
    );
    let vo = child(imm, "verwaltung_objekt");
    assert_eq!(text(vo, "verfuegbar_ab"), "ab 01.01.2027");
    assert_eq!(text(vo, "abdatum"), "2027-01-01");
    let vt = child(imm, "verwaltung_techn");
    assert_eq!(text(vt, "objektnr_intern"), "WE-1-10-3-7");
    assert_eq!(text(vt, "openimmo_obid"), "OIMMOHUB20261128000000000001");
    assert_eq!(text(vt, "stand_vom"), "2026-11-27");
    assert_eq!(
        child(vt, "aktion").attributes().count(),
        0,
        "add = empty aktion"
    );
}

#[test]
fn vac_2_commercial_and_parking_use_nutzflaeche_and_their_objektart() {
    let xml = write_doc(&[commercial(), parking()]);
    let doc = Document::parse(&xml).expect("well-formed");
    let c = by_id(&doc, "1.20.1.3");
    let ok = child(c, "objektkategorie");
    assert_eq!(child(ok, "nutzungsart").attribute("GEWERBE"), Some("true"));
    assert_eq!(child(ok, "nutzungsart").attribute("WOHNEN"), Some("false"));
    assert_eq!(
        child(child(ok, "objektart"), "buero_praxen").attribute("buero_typ"),
        Some("BUEROFLAECHE")
    );
    assert_eq!(text(child(c, "flaechen"), "nutzflaeche"), "180");
    let ep = child(child(c, "zustand_angaben"), "energiepass");
    assert_eq!(text(ep, "epart"), "BEDARF");
    assert_eq!(text(ep, "endenergiebedarf"), "98");
    assert_eq!(
        child(child(c, "verwaltung_techn"), "aktion").attribute("aktionart"),
        Some("CHANGE")
    );
    let p = by_id(&doc, "1.10.9.101");
    assert_eq!(
        child(child(child(p, "objektkategorie"), "objektart"), "parken").attribute("parken_typ"),
        Some("TIEFGARAGENSTELLPLATZ")
    );
    assert_eq!(
        text(child(p, "geo"), "etage"),
        "-1",
        "STM-3: basement is a negative integer"
    );
    assert_eq!(text(child(p, "flaechen"), "nutzflaeche"), "12.5");
    assert!(
        child(p, "flaechen")
            .children()
            .all(|n| !n.has_tag_name("wohnflaeche"))
    );
}

#[test]
fn vac_7_money_is_written_with_a_dot_and_two_places() {
    let xml = write_doc(&[living(), parking()]);
    let doc = Document::parse(&xml).expect("well-formed");
    let p = child(by_id(&doc, "1.10.3.7"), "preise");
    assert_eq!(text(p, "nettokaltmiete"), "520.00");
    assert_eq!(text(p, "kaltmiete"), "650.50");
    assert_eq!(text(p, "warmmiete"), "740.50");
    assert_eq!(text(p, "nebenkosten"), "130.50");
    assert_eq!(text(p, "heizkosten"), "90.00");
    assert_eq!(text(p, "kaution"), "1560.00");
    assert_eq!(
        text(child(by_id(&doc, "1.10.9.101"), "preise"), "nettokaltmiete"),
        "75.00"
    );
    // Decimal arithmetic, never binary floating point: 0.1 + 0.2 is exactly 0.30.
    assert_eq!(format_money(dec("0.1") + dec("0.2")), "0.30");
    assert_eq!(format_money(dec("1234567.5")), "1234567.50");
    assert_eq!(format_money(dec("0")), "0.00");
    assert_eq!(format_money(dec("520.0000")), "520.00");
}

#[test]
fn vac_7_amount_with_more_than_two_places_is_rejected() {
    let mut l = living();
    l.prices.heating_costs = Some(dec("90.005"));
    let e = validate_listing(&l).expect_err("three places");
    assert_eq!(e.object_id, "1.10.3.7");
    assert_eq!(e.field, "preise/heizkosten");
    assert!(e.reason.contains("Nachkommastellen"), "{e}");
}

#[test]
fn vac_6_delete_listing_carries_only_ids_and_required_elements() {
    let xml = write_doc(&[deleted()]);
    let doc = Document::parse(&xml).expect("well-formed");
    let imm = by_id(&doc, "1.10.3.8");
    assert_eq!(
        children(imm),
        [
            "objektkategorie",
            "geo",
            "kontaktperson",
            "verwaltung_techn"
        ]
    );
    assert_eq!(children(child(imm, "geo")), ["plz", "ort"]);
    let vt = child(imm, "verwaltung_techn");
    assert_eq!(
        children(vt),
        ["objektnr_extern", "aktion", "openimmo_obid", "stand_vom"]
    );
    assert_eq!(child(vt, "aktion").attribute("aktionart"), Some("DELETE"));
}

#[test]
fn vac_6_delete_needs_no_net_cold_rent_but_its_ids() {
    let l = deleted();
    assert!(l.prices.net_cold_rent.is_none());
    validate_listing(&l).expect("DELETE without prices is valid");
    let mut no_id = deleted();
    no_id.openimmo_obid = " ".into();
    let e = validate_listing(&no_id).expect_err("obid required");
    assert_eq!(e.field, "verwaltung_techn/openimmo_obid");
    assert_eq!(e.object_id, "1.10.3.8");
}

#[test]
fn vac_3_text_and_attributes_are_escaped() {
    let mut l = living();
    let nasty = "Laden & Büro <EG> \"Eckhaus\" 'Süd'";
    l.texts.title = Some(nasty.into());
    l.contact.name = "Müller & Söhne <GbR>".into();
    let mut t = transfer();
    t.sender_software = "immohub \"beta\" & <test>".into();
    let mut w = OpenImmoWriter::new(Vec::new(), &t, &provider()).expect("header");
    w.write_listing(&l).expect("valid");
    let xml = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
    assert!(!xml.contains("<EG>"));
    let doc = Document::parse(&xml).expect("well-formed");
    let imm = by_id(&doc, "1.10.3.7");
    assert_eq!(text(child(imm, "freitexte"), "objekttitel"), nasty);
    assert_eq!(
        text(child(imm, "kontaktperson"), "name"),
        "Müller & Söhne <GbR>"
    );
    assert_eq!(
        child(doc.root_element(), "uebertragung").attribute("sendersoftware"),
        Some("immohub \"beta\" & <test>")
    );
}

#[test]
fn vac_1_listing_without_net_cold_rent_is_rejected_naming_object_and_field() {
    let mut l = living();
    l.prices.net_cold_rent = None;
    let mut w = OpenImmoWriter::new(Vec::new(), &transfer(), &provider()).expect("header");
    w.write_listing(&parking()).expect("valid");
    let err = w.write_listing(&l).expect_err("VAC-1");
    let msg = err.to_string();
    assert!(msg.contains("1.10.3.7"), "{msg}");
    assert!(msg.contains("preise/nettokaltmiete"), "{msg}");
    assert!(msg.contains("Nettokaltmiete fehlt"), "{msg}");
    w.write_listing(&commercial()).expect("valid");
    assert_eq!(w.listings_written(), 2);
    let xml = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
    let doc = Document::parse(&xml).expect("document stays well-formed after a rejection");
    assert_eq!(immobilien(&doc).len(), 2);
    assert!(!xml.contains("1.10.3.7"));
}

#[test]
fn vac_3_contact_needs_a_channel_and_a_name() {
    let mut l = living();
    l.contact = Contact {
        email_zentrale: Some("  ".into()),
        name: "Mustermann".into(),
        ..Contact::default()
    };
    let e = validate_listing(&l).expect_err("no channel");
    assert_eq!(e.field, "kontaktperson");
    assert!(e.reason.contains("mindestens eine"), "{e}");
    l.contact.tel_handy = Some("+49 170 1".into());
    l.contact.name = String::new();
    let e = validate_listing(&l).expect_err("no name");
    assert_eq!(e.field, "kontaktperson/name");
    l.contact.name = "Mustermann".into();
    validate_listing(&l).expect("tel_handy alone is a valid channel");
}

#[test]
fn vac_3_missing_ids_postcode_and_control_characters_are_rejected() {
    let mut l = living();
    l.object_id = String::new();
    assert_eq!(
        validate_listing(&l).expect_err("id").field,
        "verwaltung_techn/objektnr_extern"
    );
    let mut l = living();
    l.address.plz = String::new();
    assert_eq!(validate_listing(&l).expect_err("plz").field, "geo/plz");
    let mut l = living();
    l.texts.description = Some("Zeile\u{1}".into());
    let e = validate_listing(&l).expect_err("control char");
    assert_eq!(e.field, "freitexte/objektbeschreibung");
    let mut l = living();
    l.contact.vorname = Some("Ma\u{b}ria".into());
    assert_eq!(
        validate_listing(&l).expect_err("control char").field,
        "kontaktperson/vorname"
    );
    let mut l = living();
    l.attachments[0].title = Some("Bild\u{fffe}".into());
    assert_eq!(
        validate_listing(&l).expect_err("U+FFFE").field,
        "anhang/anhangtitel"
    );
    let mut l = living();
    l.texts.description = Some("Zeilen\nmit\tTab und Umlaut ä".into());
    validate_listing(&l).expect("tab, newline and umlauts are fine");
    let mut l = living();
    l.address.iso_land = Some("Deutschland".into());
    assert_eq!(
        validate_listing(&l).expect_err("iso").field,
        "geo/land/@iso_land"
    );
}

#[test]
fn vac_3_header_without_sender_software_is_rejected() {
    let mut t = transfer();
    t.sender_software = String::new();
    let e = OpenImmoWriter::new(Vec::new(), &t, &provider())
        .err()
        .expect("header error");
    assert!(e.to_string().contains("sendersoftware"), "{e}");
}

#[test]
fn vac_3_writer_streams_into_the_sink_while_writing() {
    // Each listing reaches the sink when it is written: nothing is held back until finish.
    let mut w = OpenImmoWriter::new(Vec::new(), &transfer(), &provider()).expect("header");
    let mut l = living();
    let mut sizes = Vec::new();
    for i in 0..3 {
        l.object_id = format!("1.10.3.{i}");
        w.write_listing(&l).expect("valid");
        sizes.push(w.get_ref().len());
    }
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "{sizes:?}");
}
