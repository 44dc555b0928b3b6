//! Use case `leerstaende` through the real binary on the demo ERP: open vacancies become an
//! OpenImmo ZIP in the demo's drop directory (VAC-3, VAC-4) with their photos and floor plans;
//! a vacancy that is let leaves as a DELETE (VAC-6); nothing changed, no new file.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::tour::immohub;

fn zips(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("data/openimmo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    v.sort();
    v
}

fn xml_of(zip: &Path) -> (String, Vec<String>) {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let names: Vec<String> = a.file_names().map(str::to_owned).collect();
    assert!(names[0].ends_with(".xml"), "XML first: {names:?}");
    let mut xml = String::new();
    a.by_index(0).unwrap().read_to_string(&mut xml).unwrap();
    (xml, names)
}

async fn erp_exec(dir: &Path, sql: &str) -> u64 {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap();
    sqlx::query(sql)
        .execute(&mut c)
        .await
        .unwrap()
        .rows_affected()
}

#[tokio::test]
async fn vac_4_vac_6_demo_vacancies_become_openimmo_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "600"]);
    assert!(ok, "{out}");
    assert!(out.contains("Leerstand: "), "demo counts vacancies: {out}");

    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("OpenImmo-Export „verzeichnis“: immohub_demo_"),
        "{out}"
    );
    let files = zips(dir);
    assert_eq!(files.len(), 1, "{out}");
    let (xml, names) = xml_of(&files[0]);
    assert!(xml.starts_with("<?xml"), "{}", &xml[..100]);
    let listings = xml.matches("<immobilie>").count();
    assert!(listings > 5, "{listings} listings");
    assert!(xml.contains("<nettokaltmiete>"));
    assert!(!xml.contains("aktionart=\"DELETE\""));
    // Photos and floor plans from the demo's document store, under relative paths.
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("dokumente/bilder/") && n.ends_with(".png"))
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("dokumente/grundrisse/") && n.ends_with(".pdf"))
    );
    // The protocol names VAC-1 for the demo's vacancies without net cold rent, if any.
    let (ok, protocol) = immohub(dir, &["protocol"]);
    assert!(ok, "{protocol}");
    assert!(protocol.contains("leerstaende"), "{protocol}");

    // Nothing changed: no new file.
    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("keine Änderungen"), "{out}");
    assert_eq!(zips(dir).len(), 1);

    // One open vacancy is let: it leaves the view, the next file removes the listing.
    let let_out = erp_exec(
        dir,
        "UPDATE erp_vacancies SET status = 'VERMIETET' WHERE vacancy_id = \
         (SELECT min(vacancy_id) FROM erp_vacancies WHERE status = 'OFFEN' AND net_cold_rent IS NOT NULL)",
    )
    .await;
    assert_eq!(let_out, 1);
    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("1 gelöscht"), "{out}");
    let files = zips(dir);
    assert_eq!(files.len(), 2, "{out}");
    let (xml, _) = xml_of(&files[1]);
    assert_eq!(xml.matches("<immobilie>").count(), 1, "{xml}");
    assert!(xml.contains("aktionart=\"DELETE\""), "{xml}");
}
