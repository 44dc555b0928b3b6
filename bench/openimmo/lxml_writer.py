#!/usr/bin/env python3
"""Straightforward lxml writer of the same OpenImmo document as
`cargo run --release -p immohub-openimmo --example export_bench -- N OUT.xml LISTINGS.jsonl`.

Reads the listings the Rust example dumped as JSON Lines (not timed), then writes them with
lxml's incremental `etree.xmlfile` (one `immobilie` element at a time, like the Rust writer)
and prints seconds, MB written and MB/s for the writing only.

usage: lxml_writer.py LISTINGS.jsonl OUT.xml
"""
import json
import os
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

TWO = Decimal("0.01")


def money(s):
    return str(Decimal(s).quantize(TWO, rounding=ROUND_HALF_UP))


def num(s):
    d = Decimal(s).normalize()
    text = format(d, "f")
    return text


def b(v):
    return "true" if v else "false"


def sub(parent, name, text=None, **attrs):
    el = etree.SubElement(parent, name, attrs)
    if text is not None:
        el.text = text
    return el


def opt(parent, name, value):
    if value is not None and str(value).strip() != "":
        sub(parent, name, str(value).strip())


def immobilie(l):
    imm = etree.Element("immobilie")
    delete = l["action"] == "DELETE"
    ok = sub(imm, "objektkategorie")
    living = l["usage"] == "living"
    sub(ok, "nutzungsart", WOHNEN=b(living), GEWERBE=b(not living))
    sub(ok, "vermarktungsart", KAUF="false", MIETE_PACHT="true")
    oa = sub(ok, "objektart")
    sub(oa, l["objektart"], **{l["typ_attr"]: l["typ"]})

    a = l["address"]
    geo = sub(imm, "geo")
    sub(geo, "plz", a["plz"].strip())
    opt(geo, "ort", a["ort"])
    if not delete:
        opt(geo, "strasse", a["strasse"])
        opt(geo, "hausnummer", a["hausnummer"])
        opt(geo, "bundesland", a["bundesland"])
        if a["iso_land"]:
            sub(geo, "land", iso_land=a["iso_land"])
        if l["floor"] is not None:
            sub(geo, "etage", str(l["floor"]))
        if l["floors_total"] is not None:
            sub(geo, "anzahl_etagen", str(l["floors_total"]))
        opt(geo, "wohnungsnr", a["wohnungsnr"])

    c = l["contact"]
    kp = sub(imm, "kontaktperson")
    for k in ("email_zentrale", "email_direkt", "tel_zentrale", "tel_durchw", "tel_fax", "tel_handy"):
        opt(kp, k, c[k])
    sub(kp, "name", c["name"].strip())
    for k in ("vorname", "anrede", "firma"):
        opt(kp, k, c[k])

    if not delete:
        p = l["prices"]
        pr = sub(imm, "preise")
        for k in ("nettokaltmiete", "kaltmiete", "warmmiete", "nebenkosten"):
            if p[k] is not None:
                sub(pr, k, money(p[k]))
        if p["heizkosten_enthalten"] is not None:
            sub(pr, "heizkosten_enthalten", b(p["heizkosten_enthalten"]))
        if p["heizkosten"] is not None:
            sub(pr, "heizkosten", money(p["heizkosten"]))
        if p["warmmiete"] is not None:
            sub(pr, "gesamtmietebrutto", money(p["warmmiete"]))
        sub(pr, "waehrung", iso_waehrung="EUR")
        if p["kaution"] is not None:
            sub(pr, "kaution", money(p["kaution"]))

        if l["living_area"] or l["usable_area"] or l["rooms"]:
            fl = sub(imm, "flaechen")
            for k, el in (("living_area", "wohnflaeche"), ("usable_area", "nutzflaeche"), ("rooms", "anzahl_zimmer")):
                if l[k] is not None:
                    sub(fl, el, num(l[k]))

        f = l["features"]
        if any(f[k] is not None for k in ("ebk", "elevator", "cellar", "bike_room", "guest_wc", "intercom")) or f["heating"]:
            au = sub(imm, "ausstattung")
            if f["ebk"] is not None:
                sub(au, "kueche", EBK=b(f["ebk"]))
            if f["heating"]:
                sub(au, "heizungsart", **{h: "true" for h in f["heating"]})
            if f["elevator"] is not None:
                sub(au, "fahrstuhl", PERSONEN=b(f["elevator"]))
            if f["cellar"] is not None:
                sub(au, "unterkellert", keller=f["cellar"])
            if f["bike_room"] is not None:
                sub(au, "fahrradraum", b(f["bike_room"]))
            if f["guest_wc"] is not None:
                sub(au, "gaestewc", b(f["guest_wc"]))
            if f["intercom"] is not None:
                sub(au, "user_defined_simplefield", b(f["intercom"]), feldname="gegensprechanlage")

        if l["year_built"] is not None or l["energy"]:
            z = sub(imm, "zustand_angaben")
            if l["year_built"] is not None:
                sub(z, "baujahr", str(l["year_built"]))
            for e in l["energy"]:
                ep = sub(z, "energiepass")
                sub(ep, "epart", e["epart"])
                opt(ep, "gueltig_bis", e["gueltig_bis"])
                if e["epart"] == "VERBRAUCH" and e["value"] is not None:
                    sub(ep, "energieverbrauchkennwert", num(e["value"]))
                if e["mitwarmwasser"] is not None:
                    sub(ep, "mitwarmwasser", b(e["mitwarmwasser"]))
                if e["epart"] == "BEDARF" and e["value"] is not None:
                    sub(ep, "endenergiebedarf", num(e["value"]))
                for k in ("primaerenergietraeger", "wertklasse", "baujahr", "ausstelldatum", "jahrgang", "gebaeudeart"):
                    opt(ep, k, e[k])

        t = l["texts"]
        if any(t[k] for k in t):
            ft = sub(imm, "freitexte")
            for k in ("objekttitel", "lage", "ausstatt_beschr", "objektbeschreibung"):
                opt(ft, k, t[k])

        if l["attachments"]:
            an = sub(imm, "anhaenge")
            for att in l["attachments"]:
                attrs = {"location": "EXTERN"}
                if att["group"]:
                    attrs["gruppe"] = att["group"]
                ah = sub(an, "anhang", **attrs)
                opt(ah, "anhangtitel", att["title"])
                sub(ah, "format", att["format"].strip())
                d = sub(ah, "daten")
                sub(d, "pfad", att["path"])

        if l["available_from_text"] or l["available_from"]:
            vo = sub(imm, "verwaltung_objekt")
            opt(vo, "verfuegbar_ab", l["available_from_text"])
            opt(vo, "abdatum", l["available_from"])

    vt = sub(imm, "verwaltung_techn")
    opt(vt, "objektnr_intern", l["internal_id"])
    sub(vt, "objektnr_extern", l["object_id"].strip())
    if l["action"] == "ADD":
        sub(vt, "aktion")
    else:
        sub(vt, "aktion", aktionart=l["action"])
    sub(vt, "openimmo_obid", l["openimmo_obid"].strip())
    sub(vt, "stand_vom", l["updated_on"])
    return imm


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        listings = [json.loads(line) for line in f]  # not timed

    start = time.perf_counter()
    with etree.xmlfile(out, encoding="UTF-8", buffered=True) as xf:
        xf.write_declaration()
        with xf.element("openimmo"):
            xf.write(etree.Element("uebertragung", {
                "art": "OFFLINE", "umfang": "VOLL", "version": "1.2.7",
                "sendersoftware": "immohub", "senderversion": "0.1.0",
                "techn_email": "technik@wohnbau-beispiel.de", "timestamp": "2026-11-28T06:30:00",
            }))
            with xf.element("anbieter"):
                for name, text in (("anbieternr", "K-4711"), ("firma", "Wohnbau Beispiel eG"),
                                   ("openimmo_anid", "AIMMOHUB000000000001")):
                    el = etree.Element(name)
                    el.text = text
                    xf.write(el)
                for l in listings:
                    xf.write(immobilie(l))
    secs = time.perf_counter() - start
    mb = os.path.getsize(out) / 1_000_000
    print(f"python lxml: {len(listings)} listings, {secs:.3f} s, {mb:.1f} MB written, "
          f"{mb / secs:.1f} MB/s ({len(listings) / secs:.0f} listings/s) -> {out}")


if __name__ == "__main__":
    main()
