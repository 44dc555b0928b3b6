//! Streaming OpenImmo 1.2.7b writer: one `immobilie` at a time, no DOM.

use std::fmt::Write as _;
use std::io::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rust_decimal::Decimal;

use crate::error::{ExportError, ValidationError};
use crate::model::{
    Action, CommercialType, EnergyCertificateKind, Listing, Provider, Transfer, Usage,
};

/// The OpenImmo version written to `uebertragung/@version`.
pub const OPENIMMO_VERSION: &str = "1.2.7";

/// Writes an OpenImmo document to any `std::io::Write`, one listing at a time.
///
/// `new` writes the XML declaration, `openimmo`, `uebertragung` and the opening of
/// `anbieter`; [`OpenImmoWriter::write_listing`] validates and writes one `immobilie`;
/// [`OpenImmoWriter::finish`] closes the document and returns the inner writer.
/// A listing that fails validation is not written at all, so the document stays valid and
/// the caller may go on with the next listing.
pub struct OpenImmoWriter<W: Write> {
    xml: Writer<W>,
    buf: String,
    written: usize,
}

impl<W: Write> OpenImmoWriter<W> {
    /// Starts the document. Fails if the header or provider lacks a required value.
    pub fn new(inner: W, transfer: &Transfer, provider: &Provider) -> Result<Self, ExportError> {
        validate_header(transfer, provider)?;
        let mut w = Self {
            xml: Writer::new(inner),
            buf: String::with_capacity(64),
            written: 0,
        };
        w.xml
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.start("openimmo")?;
        let mut ue = BytesStart::new("uebertragung");
        ue.push_attribute(("art", transfer.kind.as_str()));
        ue.push_attribute(("umfang", transfer.scope.as_str()));
        ue.push_attribute(("version", OPENIMMO_VERSION));
        ue.push_attribute(("sendersoftware", transfer.sender_software.as_str()));
        ue.push_attribute(("senderversion", transfer.sender_version.as_str()));
        if let Some(mail) = non_empty(&transfer.techn_email) {
            ue.push_attribute(("techn_email", mail));
        }
        if let Some(ts) = transfer.timestamp {
            let text = format_datetime(ts);
            ue.push_attribute(("timestamp", text.as_str()));
        }
        w.xml.write_event(Event::Empty(ue))?;
        w.start("anbieter")?;
        if let Some(nr) = non_empty(&provider.anbieternr) {
            w.text_el("anbieternr", nr)?;
        }
        w.text_el("firma", &provider.firma)?;
        w.text_el("openimmo_anid", &provider.openimmo_anid)?;
        Ok(w)
    }

    /// The inner writer (e.g. to see how many bytes reached it).
    pub fn get_ref(&self) -> &W {
        self.xml.get_ref()
    }

    /// Number of listings written so far.
    pub fn listings_written(&self) -> usize {
        self.written
    }

    /// Validates and writes one `immobilie`.
    pub fn write_listing(&mut self, listing: &Listing) -> Result<(), ExportError> {
        validate_listing(listing)?;
        self.write_immobilie(listing)?;
        self.written += 1;
        Ok(())
    }

    /// Closes `anbieter` and `openimmo`, flushes nothing else, and returns the inner writer.
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.end("anbieter")?;
        self.end("openimmo")?;
        self.xml.get_mut().write_all(b"\n")?;
        Ok(self.xml.into_inner())
    }

    // ----- element helpers -------------------------------------------------------------

    fn start(&mut self, name: &str) -> std::io::Result<()> {
        self.xml.write_event(Event::Start(BytesStart::new(name)))
    }

    fn end(&mut self, name: &str) -> std::io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new(name)))
    }

    /// An empty element whose attribute values are fixed enumeration values, booleans or
    /// validated codes (never free text): written directly, without escaping or allocation.
    fn empty_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let w = self.xml.get_mut();
        w.write_all(b"<")?;
        w.write_all(name.as_bytes())?;
        for (key, value) in attrs {
            debug_assert!(!value.contains(['<', '>', '&', '"']));
            w.write_all(b" ")?;
            w.write_all(key.as_bytes())?;
            w.write_all(b"=\"")?;
            w.write_all(value.as_bytes())?;
            w.write_all(b"\"")?;
        }
        w.write_all(b"/>")
    }

    fn text_el(&mut self, name: &str, text: &str) -> std::io::Result<()> {
        self.start(name)?;
        self.xml.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    /// For text that never needs escaping (numbers, dates, booleans, enumeration values).
    fn plain_el(&mut self, name: &str, text: &str) -> std::io::Result<()> {
        self.start(name)?;
        self.xml
            .write_event(Event::Text(BytesText::from_escaped(text)))?;
        self.end(name)
    }

    fn opt_text(&mut self, name: &str, text: &Option<String>) -> std::io::Result<()> {
        match non_empty(text) {
            Some(t) => self.text_el(name, t),
            None => Ok(()),
        }
    }

    /// Writes the reusable buffer as the element's text (numbers and dates: no escaping needed).
    fn buf_el(&mut self, name: &str) -> std::io::Result<()> {
        let text = std::mem::take(&mut self.buf);
        let res = self.plain_el(name, &text);
        self.buf = text;
        res
    }

    fn money(&mut self, name: &str, value: Option<Decimal>) -> std::io::Result<()> {
        if let Some(v) = value {
            self.buf.clear();
            push_money(&mut self.buf, v);
            self.buf_el(name)?;
        }
        Ok(())
    }

    fn decimal(&mut self, name: &str, value: Option<Decimal>) -> std::io::Result<()> {
        if let Some(v) = value {
            self.buf.clear();
            let _ = write!(self.buf, "{}", v.normalize());
            self.buf_el(name)?;
        }
        Ok(())
    }

    fn int(&mut self, name: &str, value: Option<i64>) -> std::io::Result<()> {
        if let Some(v) = value {
            self.buf.clear();
            let _ = write!(self.buf, "{v}");
            self.buf_el(name)?;
        }
        Ok(())
    }

    fn boolean(&mut self, name: &str, value: Option<bool>) -> std::io::Result<()> {
        match value {
            Some(v) => self.plain_el(name, bool_str(v)),
            None => Ok(()),
        }
    }

    fn date(&mut self, name: &str, value: Option<NaiveDate>) -> std::io::Result<()> {
        if let Some(d) = value {
            self.buf.clear();
            push_date(&mut self.buf, d);
            self.buf_el(name)?;
        }
        Ok(())
    }

    // ----- immobilie -------------------------------------------------------------------

    fn write_immobilie(&mut self, l: &Listing) -> std::io::Result<()> {
        let delete = l.action == Action::Delete;
        self.start("immobilie")?;
        self.write_objektkategorie(l)?;
        self.write_geo(l, delete)?;
        self.write_kontaktperson(l)?;
        if !delete {
            self.write_preise(l)?;
            self.write_flaechen(l)?;
            self.write_ausstattung(l)?;
            self.write_zustand(l)?;
            self.write_freitexte(l)?;
            self.write_anhaenge(l)?;
            self.write_verwaltung_objekt(l)?;
        }
        self.write_verwaltung_techn(l)?;
        self.end("immobilie")
    }

    fn write_objektkategorie(&mut self, l: &Listing) -> std::io::Result<()> {
        self.start("objektkategorie")?;
        let living = matches!(l.usage, Usage::Living(_));
        self.empty_with(
            "nutzungsart",
            &[("WOHNEN", bool_str(living)), ("GEWERBE", bool_str(!living))],
        )?;
        self.empty_with(
            "vermarktungsart",
            &[("KAUF", "false"), ("MIETE_PACHT", "true")],
        )?;
        self.start("objektart")?;
        match l.usage {
            Usage::Living(t) => self.empty_with("wohnung", &[("wohnungtyp", t.as_str())])?,
            Usage::Commercial(CommercialType::Office(t)) => {
                self.empty_with("buero_praxen", &[("buero_typ", t.as_str())])?
            }
            Usage::Commercial(CommercialType::Retail(t)) => {
                self.empty_with("einzelhandel", &[("handel_typ", t.as_str())])?
            }
            Usage::Commercial(CommercialType::Hall(t)) => {
                self.empty_with("hallen_lager_prod", &[("hallen_typ", t.as_str())])?
            }
            Usage::Parking(t) => self.empty_with("parken", &[("parken_typ", t.as_str())])?,
        }
        self.end("objektart")?;
        self.end("objektkategorie")
    }

    fn write_geo(&mut self, l: &Listing, delete: bool) -> std::io::Result<()> {
        let a = &l.address;
        self.start("geo")?;
        self.text_el("plz", a.plz.trim())?;
        self.opt_text("ort", &a.ort)?;
        if !delete {
            self.opt_text("strasse", &a.strasse)?;
            self.opt_text("hausnummer", &a.hausnummer)?;
            self.opt_text("bundesland", &a.bundesland)?;
            if let Some(land) = non_empty(&a.iso_land) {
                self.empty_with("land", &[("iso_land", land)])?;
            }
            self.int("etage", l.floor.map(i64::from))?;
            self.int("anzahl_etagen", l.floors_total.map(i64::from))?;
            self.opt_text("wohnungsnr", &a.wohnungsnr)?;
        }
        self.end("geo")
    }

    fn write_kontaktperson(&mut self, l: &Listing) -> std::io::Result<()> {
        let c = &l.contact;
        self.start("kontaktperson")?;
        // The schema's choice lists suffixes of this order, so writing every present channel
        // in this order is always valid.
        self.opt_text("email_zentrale", &c.email_zentrale)?;
        self.opt_text("email_direkt", &c.email_direkt)?;
        self.opt_text("tel_zentrale", &c.tel_zentrale)?;
        self.opt_text("tel_durchw", &c.tel_durchw)?;
        self.opt_text("tel_fax", &c.tel_fax)?;
        self.opt_text("tel_handy", &c.tel_handy)?;
        self.text_el("name", c.name.trim())?;
        self.opt_text("vorname", &c.vorname)?;
        self.opt_text("anrede", &c.anrede)?;
        self.opt_text("firma", &c.firma)?;
        self.end("kontaktperson")
    }

    fn write_preise(&mut self, l: &Listing) -> std::io::Result<()> {
        let p = &l.prices;
        self.start("preise")?;
        self.money("nettokaltmiete", p.net_cold_rent)?;
        self.money("kaltmiete", p.cold_rent)?;
        self.money("warmmiete", p.total_rent)?;
        self.money("nebenkosten", p.operating_costs)?;
        self.boolean("heizkosten_enthalten", p.heating_costs_included)?;
        self.money("heizkosten", p.heating_costs)?;
        self.money("gesamtmietebrutto", p.total_rent)?;
        self.empty_with("waehrung", &[("iso_waehrung", "EUR")])?;
        self.money("kaution", p.deposit)?;
        self.end("preise")
    }

    fn write_flaechen(&mut self, l: &Listing) -> std::io::Result<()> {
        if l.living_area.is_none() && l.usable_area.is_none() && l.rooms.is_none() {
            return Ok(());
        }
        self.start("flaechen")?;
        self.decimal("wohnflaeche", l.living_area)?;
        self.decimal("nutzflaeche", l.usable_area)?;
        self.decimal("anzahl_zimmer", l.rooms)?;
        self.end("flaechen")
    }

    fn write_ausstattung(&mut self, l: &Listing) -> std::io::Result<()> {
        let f = &l.features;
        let any = f.fitted_kitchen.is_some()
            || f.heating.any()
            || f.elevator.is_some()
            || f.cellar.is_some()
            || f.bike_room.is_some()
            || f.guest_wc.is_some()
            || f.intercom.is_some();
        if !any {
            return Ok(());
        }
        self.start("ausstattung")?;
        if let Some(ebk) = f.fitted_kitchen {
            self.empty_with("kueche", &[("EBK", bool_str(ebk))])?;
        }
        if f.heating.any() {
            let h = f.heating;
            let mut attrs: Vec<(&str, &str)> = Vec::with_capacity(5);
            for (name, on) in [
                ("OFEN", h.ofen),
                ("ETAGE", h.etage),
                ("ZENTRAL", h.zentral),
                ("FERN", h.fern),
                ("FUSSBODEN", h.fussboden),
            ] {
                if on {
                    attrs.push((name, "true"));
                }
            }
            self.empty_with("heizungsart", &attrs)?;
        }
        if let Some(lift) = f.elevator {
            self.empty_with("fahrstuhl", &[("PERSONEN", bool_str(lift))])?;
        }
        if let Some(cellar) = f.cellar {
            self.empty_with("unterkellert", &[("keller", cellar.as_str())])?;
        }
        self.boolean("fahrradraum", f.bike_room)?;
        self.boolean("gaestewc", f.guest_wc)?;
        if let Some(intercom) = f.intercom {
            let mut el = BytesStart::new("user_defined_simplefield");
            el.push_attribute(("feldname", "gegensprechanlage"));
            self.xml.write_event(Event::Start(el))?;
            self.xml
                .write_event(Event::Text(BytesText::new(bool_str(intercom))))?;
            self.end("user_defined_simplefield")?;
        }
        self.end("ausstattung")
    }

    fn write_zustand(&mut self, l: &Listing) -> std::io::Result<()> {
        if l.year_built.is_none() && l.energy_certificates.is_empty() {
            return Ok(());
        }
        self.start("zustand_angaben")?;
        self.int("baujahr", l.year_built.map(i64::from))?;
        for ep in &l.energy_certificates {
            self.start("energiepass")?;
            self.plain_el("epart", ep.kind.as_str())?;
            self.date("gueltig_bis", ep.valid_until)?;
            let (consumption, demand) = match ep.kind {
                EnergyCertificateKind::Consumption => (ep.value, None),
                EnergyCertificateKind::Demand => (None, ep.value),
            };
            self.decimal("energieverbrauchkennwert", consumption)?;
            self.boolean("mitwarmwasser", ep.with_hot_water)?;
            self.decimal("endenergiebedarf", demand)?;
            self.opt_text("primaerenergietraeger", &ep.primary_energy_carrier)?;
            self.opt_text("wertklasse", &ep.class)?;
            self.opt_text("baujahr", &ep.year_built)?;
            self.date("ausstelldatum", ep.issued_on)?;
            if let Some(v) = ep.vintage {
                self.plain_el("jahrgang", v.as_str())?;
            }
            if let Some(k) = ep.building_kind {
                self.plain_el("gebaeudeart", k.as_str())?;
            }
            self.end("energiepass")?;
        }
        self.end("zustand_angaben")
    }

    fn write_freitexte(&mut self, l: &Listing) -> std::io::Result<()> {
        let t = &l.texts;
        if [&t.title, &t.location, &t.features, &t.description]
            .iter()
            .all(|s| non_empty(s).is_none())
        {
            return Ok(());
        }
        self.start("freitexte")?;
        self.opt_text("objekttitel", &t.title)?;
        self.opt_text("lage", &t.location)?;
        self.opt_text("ausstatt_beschr", &t.features)?;
        self.opt_text("objektbeschreibung", &t.description)?;
        self.end("freitexte")
    }

    fn write_anhaenge(&mut self, l: &Listing) -> std::io::Result<()> {
        if l.attachments.is_empty() {
            return Ok(());
        }
        self.start("anhaenge")?;
        for a in &l.attachments {
            let mut el = BytesStart::new("anhang");
            el.push_attribute(("location", "EXTERN"));
            if let Some(g) = a.group {
                el.push_attribute(("gruppe", g.as_str()));
            }
            self.xml.write_event(Event::Start(el))?;
            self.opt_text("anhangtitel", &a.title)?;
            self.text_el("format", a.format.trim())?;
            self.start("daten")?;
            self.text_el("pfad", &a.path)?;
            self.end("daten")?;
            self.end("anhang")?;
        }
        self.end("anhaenge")
    }

    fn write_verwaltung_objekt(&mut self, l: &Listing) -> std::io::Result<()> {
        if non_empty(&l.available_from_text).is_none() && l.available_from.is_none() {
            return Ok(());
        }
        self.start("verwaltung_objekt")?;
        self.opt_text("verfuegbar_ab", &l.available_from_text)?;
        self.date("abdatum", l.available_from)?;
        self.end("verwaltung_objekt")
    }

    fn write_verwaltung_techn(&mut self, l: &Listing) -> std::io::Result<()> {
        self.start("verwaltung_techn")?;
        self.opt_text("objektnr_intern", &l.internal_id)?;
        self.text_el("objektnr_extern", l.object_id.trim())?;
        match l.action {
            Action::Add => self.empty_with("aktion", &[])?,
            Action::Change => self.empty_with("aktion", &[("aktionart", "CHANGE")])?,
            Action::Delete => self.empty_with("aktion", &[("aktionart", "DELETE")])?,
        }
        self.text_el("openimmo_obid", l.openimmo_obid.trim())?;
        self.date("stand_vom", Some(l.updated_on))?;
        self.end("verwaltung_techn")
    }
}

// ----- formatting ----------------------------------------------------------------------

fn bool_str(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// VAC-7: a dot and exactly two places (`520.00`), no float artefacts.
pub fn format_money(value: Decimal) -> String {
    let mut s = String::with_capacity(12);
    push_money(&mut s, value);
    s
}

fn push_money(buf: &mut String, value: Decimal) {
    let v = value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let _ = write!(buf, "{v:.2}");
}

fn push_date(buf: &mut String, d: NaiveDate) {
    let _ = write!(buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn format_datetime(ts: NaiveDateTime) -> String {
    let mut s = String::with_capacity(19);
    push_date(&mut s, ts.date());
    let _ = write!(s, "T{:02}:{:02}:{:02}", ts.hour(), ts.minute(), ts.second());
    s
}

// ----- validation ----------------------------------------------------------------------

fn validate_header(transfer: &Transfer, provider: &Provider) -> Result<(), ExportError> {
    let missing = |field: &'static str| ExportError::Header {
        field,
        reason: "Pflichtangabe fehlt".into(),
    };
    if transfer.sender_software.trim().is_empty() {
        return Err(missing("uebertragung/@sendersoftware"));
    }
    if transfer.sender_version.trim().is_empty() {
        return Err(missing("uebertragung/@senderversion"));
    }
    if provider.firma.trim().is_empty() {
        return Err(missing("anbieter/firma"));
    }
    if provider.openimmo_anid.trim().is_empty() {
        return Err(missing("anbieter/openimmo_anid"));
    }
    for (field, text) in [
        (
            "uebertragung/@sendersoftware",
            transfer.sender_software.as_str(),
        ),
        (
            "uebertragung/@senderversion",
            transfer.sender_version.as_str(),
        ),
        ("anbieter/firma", provider.firma.as_str()),
        ("anbieter/openimmo_anid", provider.openimmo_anid.as_str()),
    ] {
        if has_invalid_xml_char(text) {
            return Err(ExportError::Header {
                field,
                reason: "enthält Steuerzeichen, die in XML nicht erlaubt sind".into(),
            });
        }
    }
    Ok(())
}

/// Checks everything the schema (and VAC-1/VAC-7) requires before anything is written.
pub fn validate_listing(l: &Listing) -> Result<(), ValidationError> {
    let id = l.object_id.trim();
    let err = |field: &'static str, reason: String| ValidationError {
        object_id: id.to_string(),
        field,
        reason,
    };
    if id.is_empty() {
        return Err(err(
            "verwaltung_techn/objektnr_extern",
            "Objektnummer (extern) fehlt".into(),
        ));
    }
    if l.openimmo_obid.trim().is_empty() {
        return Err(err(
            "verwaltung_techn/openimmo_obid",
            "OpenImmo-Objekt-ID fehlt".into(),
        ));
    }
    if l.address.plz.trim().is_empty() {
        return Err(err("geo/plz", "Postleitzahl fehlt".into()));
    }
    let c = &l.contact;
    let channels = [
        &c.email_zentrale,
        &c.email_direkt,
        &c.tel_zentrale,
        &c.tel_durchw,
        &c.tel_fax,
        &c.tel_handy,
    ];
    if channels.iter().all(|ch| non_empty(ch).is_none()) {
        return Err(err(
            "kontaktperson",
            "Kontaktperson braucht mindestens eine E-Mail-Adresse oder Telefonnummer".into(),
        ));
    }
    if c.name.trim().is_empty() {
        return Err(err(
            "kontaktperson/name",
            "Name der Kontaktperson fehlt".into(),
        ));
    }
    if l.action != Action::Delete {
        let p = &l.prices;
        if p.net_cold_rent.is_none() {
            return Err(err(
                "preise/nettokaltmiete",
                "Nettokaltmiete fehlt; der Leerstand wird nicht gesendet (VAC-1)".into(),
            ));
        }
        for (field, v) in [
            ("preise/nettokaltmiete", p.net_cold_rent),
            ("preise/kaltmiete", p.cold_rent),
            ("preise/warmmiete", p.total_rent),
            ("preise/nebenkosten", p.operating_costs),
            ("preise/heizkosten", p.heating_costs),
            ("preise/kaution", p.deposit),
        ] {
            if let Some(v) = v {
                if v.is_sign_negative() && !v.is_zero() {
                    return Err(err(field, format!("Betrag darf nicht negativ sein: {v}")));
                }
                if v.normalize().scale() > 2 {
                    return Err(err(
                        field,
                        format!("Betrag hat mehr als zwei Nachkommastellen: {v} (VAC-7)"),
                    ));
                }
            }
        }
        for (field, v) in [
            ("flaechen/wohnflaeche", l.living_area),
            ("flaechen/nutzflaeche", l.usable_area),
            ("flaechen/anzahl_zimmer", l.rooms),
        ] {
            if let Some(v) = v
                && v.is_sign_negative()
                && !v.is_zero()
            {
                return Err(err(field, format!("Wert darf nicht negativ sein: {v}")));
            }
        }
        if let Some(land) = non_empty(&l.address.iso_land)
            && (land.len() != 3 || !land.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(err(
                "geo/land/@iso_land",
                format!("Ländercode muss ISO 3166 alpha-3 sein (z. B. DEU): {land}"),
            ));
        }
        for a in &l.attachments {
            if a.format.trim().is_empty() {
                return Err(err(
                    "anhang/format",
                    format!("Dateiformat fehlt für {}", a.path),
                ));
            }
            if let Err(reason) = check_relative_path(&a.path) {
                return Err(err("anhang/daten/pfad", reason));
            }
        }
    }
    // XML 1.0 forbids most control characters; reject instead of writing a broken document.
    let a = &l.address;
    let mut texts: Vec<(&'static str, Option<&str>)> = vec![
        ("verwaltung_techn/objektnr_extern", Some(&l.object_id)),
        ("verwaltung_techn/objektnr_intern", l.internal_id.as_deref()),
        ("verwaltung_techn/openimmo_obid", Some(&l.openimmo_obid)),
        ("geo/plz", Some(&a.plz)),
        ("geo/ort", a.ort.as_deref()),
        ("geo/strasse", a.strasse.as_deref()),
        ("geo/hausnummer", a.hausnummer.as_deref()),
        ("geo/bundesland", a.bundesland.as_deref()),
        ("geo/wohnungsnr", a.wohnungsnr.as_deref()),
        ("kontaktperson/email_zentrale", c.email_zentrale.as_deref()),
        ("kontaktperson/email_direkt", c.email_direkt.as_deref()),
        ("kontaktperson/tel_zentrale", c.tel_zentrale.as_deref()),
        ("kontaktperson/tel_durchw", c.tel_durchw.as_deref()),
        ("kontaktperson/tel_fax", c.tel_fax.as_deref()),
        ("kontaktperson/tel_handy", c.tel_handy.as_deref()),
        ("kontaktperson/name", Some(&c.name)),
        ("kontaktperson/vorname", c.vorname.as_deref()),
        ("kontaktperson/anrede", c.anrede.as_deref()),
        ("kontaktperson/firma", c.firma.as_deref()),
        ("freitexte/objekttitel", l.texts.title.as_deref()),
        ("freitexte/lage", l.texts.location.as_deref()),
        ("freitexte/ausstatt_beschr", l.texts.features.as_deref()),
        (
            "freitexte/objektbeschreibung",
            l.texts.description.as_deref(),
        ),
        (
            "verwaltung_objekt/verfuegbar_ab",
            l.available_from_text.as_deref(),
        ),
    ];
    for ep in &l.energy_certificates {
        texts.push((
            "energiepass/primaerenergietraeger",
            ep.primary_energy_carrier.as_deref(),
        ));
        texts.push(("energiepass/wertklasse", ep.class.as_deref()));
        texts.push(("energiepass/baujahr", ep.year_built.as_deref()));
    }
    for att in &l.attachments {
        texts.push(("anhang/anhangtitel", att.title.as_deref()));
        texts.push(("anhang/format", Some(&att.format)));
    }
    for (field, text) in texts {
        if text.is_some_and(has_invalid_xml_char) {
            return Err(err(
                field,
                "enthält Steuerzeichen, die in XML nicht erlaubt sind".into(),
            ));
        }
    }
    Ok(())
}

/// XML 1.0 forbids C0 controls except tab, LF and CR, and U+FFFE/U+FFFF. Byte scan: in UTF-8
/// every byte below 0x20 is such a control, and U+FFFE/U+FFFF are `EF BF BE`/`EF BF BF`.
fn has_invalid_xml_char(s: &str) -> bool {
    let b = s.as_bytes();
    // Fast path (vectorises): no control byte and no 0xEF lead byte at all.
    if !b
        .iter()
        .fold(false, |acc, &c| acc | (c < 0x20) | (c == 0xEF))
    {
        return false;
    }
    b.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    })
}

/// A ZIP-relative path: not empty, not absolute, no `..`, no backslashes or drive letters.
pub(crate) fn check_relative_path(path: &str) -> Result<(), String> {
    if path.trim().is_empty() {
        return Err("Pfad ist leer".into());
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return Err(format!(
            "Pfad muss relativ sein (ohne '/', '\\' oder Laufwerk am Anfang): {path}"
        ));
    }
    if path
        .split('/')
        .any(|seg| seg == ".." || seg == "." || seg.is_empty())
    {
        return Err(format!(
            "Pfad darf keine '..', '.' oder leeren Abschnitte enthalten: {path}"
        ));
    }
    if has_invalid_xml_char(path) {
        return Err(format!("Pfad enthält Steuerzeichen: {path:?}"));
    }
    Ok(())
}
