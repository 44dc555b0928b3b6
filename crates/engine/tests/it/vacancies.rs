//! Use case `leerstaende`: open vacancies into the partner's feed (VAC-1, VAC-2, VAC-5) and
//! the OpenImmo file export of that feed (VAC-3, VAC-4, VAC-6), against a real SQLite store
//! and a real directory as the partner's drop.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_domain::rules::UnitTypeMapping;
use immohub_domain::{ErpEntity, RawRecord, Separator};
use immohub_engine::openimmo_export::{FileDestination, OpenImmoExport, export_openimmo};
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{FixedClock, PartnerConfig, SyncOptions, sync_leerstaende};
use immohub_store::{FeedOp, RecordStatus, RunStatus, SqlStore, Store};

use crate::memory_erp::MemoryErp;

struct Env {
    dir: tempfile::TempDir,
    store: SqlStore,
    erp: MemoryErp,
    clock: FixedClock,
}

fn vacancy(unit: &str, net_cold_rent: Option<&str>, total: Option<&str>) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some("1"))
        .with("property_no", Some("100"))
        .with("building_no", Some("2"))
        .with("unit_no", Some(unit))
        .with("usage_type", Some("WOHNUNG"))
        .with("rooms", Some("3"))
        .with("floor_text", Some("Dachgeschoss"))
        .with("area", Some("74.10"))
        .with("features", Some("Keller, Aufzug"))
        .with("street", Some("Elbchaussee"))
        .with("house_no", Some("12a"))
        .with("postal_code", Some("22763"))
        .with("city", Some("Hamburg"))
        .with("net_cold_rent", net_cold_rent)
        .with("operating_costs", Some("150.00"))
        .with("heating_costs", Some("80.00"))
        .with("total_rent", total)
        .with("title", Some("3-Zimmer-Wohnung unterm Dach"))
        .with("contact_email", Some("vermietung@elbufer-eg.de"))
        .with("contact_name", Some("Vermietungsteam"))
        .with(
            "attachments",
            Some("BILD|Wohnzimmer|bilder/wohnung-1.png\nGRUNDRISS|Grundriss|grundrisse/g 3.pdf"),
        )
        .with("updated_at", Some("2026-11-01 10:00:00"))
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display()))
        .await
        .unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("bilder")).unwrap();
    std::fs::create_dir_all(docs.join("grundrisse")).unwrap();
    std::fs::write(
        docs.join("bilder/wohnung-1.png"),
        b"\x89PNG fake image bytes",
    )
    .unwrap();
    std::fs::write(docs.join("grundrisse/g 3.pdf"), b"%PDF-1.4 floor plan").unwrap();
    let erp = MemoryErp::default();
    erp.set(
        ErpEntity::Vacancy,
        vec![
            vacancy("1", Some("900.00"), Some("1130.00")),
            vacancy("2", None, None),
            vacancy("3", Some("700.00"), Some("999.99")),
        ],
    );
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    Env {
        dir,
        store,
        erp,
        clock,
    }
}

fn partner() -> PartnerConfig {
    PartnerConfig {
        name: "immomio".to_owned(),
        profile: PartnerProfile::Immomio,
        separator: Separator::Dot,
        clients: vec!["1".to_owned()],
        unit_types: UnitTypeMapping::default(),
        technical_user: None,
    }
}

fn export(e: &Env) -> OpenImmoExport {
    OpenImmoExport {
        target: "drop".to_owned(),
        company: "Wohnungsbaugenossenschaft Elbufer eG".to_owned(),
        openimmo_anid: "ELBUFER01".to_owned(),
        provider_no: Some("4711".to_owned()),
        techn_email: Some("it@elbufer-eg.de".to_owned()),
        documents_dir: e.dir.path().join("docs"),
        work_dir: e.dir.path().join("work"),
        trigger: "manual".to_owned(),
    }
}

/// The partner's drop directory; `fail` makes the next upload fail like a broken connection.
struct Drop {
    dir: PathBuf,
    fail: Mutex<bool>,
}

#[async_trait]
impl FileDestination for Drop {
    fn describe(&self) -> String {
        format!("Verzeichnis {}", self.dir.display())
    }
    async fn put(&self, local: &Path, name: &str) -> Result<(), String> {
        if std::mem::take(&mut *self.fail.lock().unwrap()) {
            return Err("Verbindung abgebrochen".to_owned());
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        std::fs::copy(local, self.dir.join(name))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn zip_entry(zip: &Path, name_prefix: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let name = archive
        .file_names()
        .find(|n| n.starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no {name_prefix} in ZIP"))
        .to_owned();
    let mut out = Vec::new();
    archive
        .by_name(&name)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

async fn sync(e: &Env) -> immohub_engine::RunSummary {
    let opts = SyncOptions {
        overlap_seconds: 0,
        ..SyncOptions::default()
    };
    sync_leerstaende(&e.store, &e.erp, &partner(), &e.clock, &opts, &NoProgress)
        .await
        .unwrap()
}

#[tokio::test]
async fn vac_1_vac_5_vacancies_enter_the_feed_with_their_status() {
    let e = env().await;
    let s = sync(&e).await;
    assert_eq!((s.counts.sent, s.counts.skipped), (2, 1), "{s:?}");
    let feed = e
        .store
        .feed_page("immomio", FeedKind::Vacancy, 0, 100)
        .await
        .unwrap();
    let ids: Vec<_> = feed.iter().map(|i| i.partner_id.as_str()).collect();
    assert_eq!(ids, ["1.100.2.1", "1.100.2.3"]);
    assert_eq!(feed[0].payload["costs"]["total_rent"], "1130.00");
    // VAC-1: the state says why not.
    let st = e
        .store
        .record_by_partner_id("immomio", FeedKind::Vacancy, "1.100.2.2")
        .await
        .unwrap();
    assert!(st.is_none(), "a skipped record has no partner ID");
    let outcomes = e.store.run_outcomes(s.run_id, 100).await.unwrap();
    let vac1 = outcomes
        .iter()
        .find(|o| o.rule.as_deref() == Some("VAC-1"))
        .unwrap();
    assert_eq!(vac1.status, RecordStatus::Skipped);
    assert!(vac1.reason.as_deref().unwrap().contains("Nettokaltmiete"));
    // VAC-5: sent, with the warning in the status.
    let st3 = e
        .store
        .record_by_partner_id("immomio", FeedKind::Vacancy, "1.100.2.3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st3.status, RecordStatus::Sent);
    assert_eq!(st3.rule.as_deref(), Some("VAC-5"));
    assert!(st3.reason.unwrap().contains("999,99"));
    // A rerun without change sends nothing.
    assert_eq!(sync(&e).await.counts.sent, 0);
}

#[tokio::test]
async fn vac_4_vac_6_openimmo_zip_reaches_the_drop_once_and_deletions_follow() {
    let e = env().await;
    let drop = Drop {
        dir: e.dir.path().join("partner"),
        fail: Mutex::new(false),
    };
    let p = partner();
    sync(&e).await;

    // A failed upload keeps the position: nothing is lost.
    *drop.fail.lock().unwrap() = true;
    let err = export_openimmo(&e.store, &p, &export(&e), &drop, &e.clock)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Verbindung abgebrochen"), "{err}");
    assert_eq!(
        e.store
            .export_cursor("immomio", FeedKind::Vacancy, "drop")
            .await
            .unwrap(),
        0
    );
    assert!(files(&drop.dir).is_empty());

    let s = export_openimmo(&e.store, &p, &export(&e), &drop, &e.clock)
        .await
        .unwrap();
    assert_eq!((s.listings, s.deletions), (2, 0), "{s:?}");
    assert_eq!(s.attachments, 2, "shared files are packed once");
    let zips = files(&drop.dir);
    assert_eq!(zips.len(), 1);
    let xml = String::from_utf8(zip_entry(&zips[0], "immohub_")).unwrap();
    assert!(
        xml.contains("<objektnr_extern>1.100.2.1</objektnr_extern>"),
        "{xml}"
    );
    assert!(xml.contains("<nettokaltmiete>900.00</nettokaltmiete>"));
    assert!(xml.contains("wohnungtyp=\"DACHGESCHOSS\""));
    assert!(xml.contains("<pfad>dokumente/grundrisse/g 3.pdf</pfad>"));
    assert!(
        !xml.contains("1.100.2.2"),
        "VAC-1: no listing without net cold rent"
    );
    assert_eq!(
        zip_entry(&zips[0], "dokumente/grundrisse/g 3.pdf"),
        b"%PDF-1.4 floor plan"
    );
    let run = e.store.run(s.run_id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    let lines = e.store.run_outcomes(s.run_id, 10).await.unwrap();
    assert!(lines.iter().all(|o| o.status == RecordStatus::Delivered));
    assert!(
        lines[0]
            .reason
            .as_deref()
            .unwrap()
            .contains(".zip an Verzeichnis")
    );

    // Nothing changed: no new file.
    let again = export_openimmo(&e.store, &p, &export(&e), &drop, &e.clock)
        .await
        .unwrap();
    assert_eq!(again.file_name, None);
    assert_eq!(files(&drop.dir).len(), 1);

    // VAC-6: unit 1 is let (it leaves the view), unit 3 changes its rent.
    e.erp.update(ErpEntity::Vacancy, |rows| {
        rows.retain(|r| r.get("unit_no") != Some("1"));
        for r in rows.iter_mut() {
            if r.get("unit_no") == Some("3") {
                r.set("net_cold_rent", Some("719.99".to_owned()));
                r.set("total_rent", None);
            }
        }
    });
    let s = sync(&e).await;
    assert_eq!((s.counts.sent, s.counts.deleted), (1, 1), "{s:?}");
    let feed = e
        .store
        .feed_page("immomio", FeedKind::Vacancy, 2, 100)
        .await
        .unwrap();
    assert!(
        feed.iter()
            .any(|i| i.op == FeedOp::Delete && i.partner_id == "1.100.2.1")
    );
    let s = export_openimmo(&e.store, &p, &export(&e), &drop, &e.clock)
        .await
        .unwrap();
    assert_eq!((s.listings, s.deletions), (1, 1), "{s:?}");
    let zips = files(&drop.dir);
    assert_eq!(zips.len(), 2);
    let xml = String::from_utf8(zip_entry(&zips[1], "immohub_")).unwrap();
    // The DELETE is the listing of unit 1, and only that one.
    let listings: Vec<&str> = xml.split("<immobilie>").skip(1).collect();
    assert_eq!(listings.len(), 2, "{xml}");
    let deletes: Vec<&&str> = listings
        .iter()
        .filter(|l| l.contains("aktionart=\"DELETE\""))
        .collect();
    assert_eq!(deletes.len(), 1, "{xml}");
    assert!(deletes[0].contains("<objektnr_extern>1.100.2.1</objektnr_extern>"));
    assert!(xml.contains("aktionart=\"CHANGE\""), "unit 3 is a change");
    assert!(xml.contains("<nettokaltmiete>719.99</nettokaltmiete>"));
}
