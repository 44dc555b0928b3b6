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

fn feedback_xml(object_id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<openimmo_feedback>
  <version>1.2.5</version>
  <sender><name>Portal</name><datum>28.11.2026</datum><makler_id>K-1</makler_id></sender>
  <objekt>
    <oobj_id>{object_id}</oobj_id>
    <interessent>
      <anrede>Frau</anrede><vorname>Käthe</vorname><nachname>Müller-Lüdenscheidt</nachname>
      <strasse>Elbchaussee 12a</strasse><plz>22763</plz><ort>Hamburg</ort>
      <email>kaethe@example.de</email><anfrage>Besichtigung?</anfrage>
      <user_defined_extend><feld><name>geburtsdatum</name><wert>14.03.1961</wert></feld></user_defined_extend>
    </interessent>
    <interessent>
      <vorname>Ohne</vorname><anfrage>weder Nachname noch E-Mail</anfrage>
    </interessent>
    <interessent>
      <anrede>Herr</anrede><vorname>Jonas</vorname><nachname>Schmidt</nachname>
      <plz>20099</plz><mobil>0170 7654321</mobil>
    </interessent>
  </objekt>
</openimmo_feedback>
"#
    )
}

/// PRO-2, PRO-5: a feedback file dropped for the partner is picked up by the manual run,
/// its usable prospects are written into the ERP's interface table, the unusable one is in
/// the output with its position and reason, and the file moves to the archive; a second run
/// takes nothing twice.
#[tokio::test]
async fn pro_2_pro_5_feedback_file_prospects_reach_the_erp() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "400"]);
    assert!(ok, "{out}");
    let inbox = dir.join("feedback-in");
    std::fs::create_dir_all(&inbox).unwrap();
    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(&format!(
        "\n[[partner.feedback]]\nname = \"portal\"\ntarget = {{ kind = \"directory\", path = \"{}\" }}\n",
        inbox.display()
    ));
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    let (xml, _) = xml_of(&zips(dir)[0]);
    let start = xml.find("<objektnr_extern>").unwrap() + "<objektnr_extern>".len();
    let object_id = &xml[start..start + xml[start..].find('<').unwrap()];

    std::fs::write(inbox.join("anfragen.xml"), feedback_xml(object_id)).unwrap();
    std::fs::write(inbox.join("halb.xml.part"), "<openimmo_feedback>").unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("anfragen.xml – 2 Interessenten übernommen, 0 schon bekannt, 1 unbrauchbar"),
        "{out}"
    );
    assert!(out.contains("Interessent Nr. 2"), "{out}");
    assert!(out.contains("2 ins ERP geschrieben"), "{out}");
    assert!(!inbox.join("anfragen.xml").exists(), "archived");
    assert!(inbox.join("archiv/anfragen.xml").exists());
    assert!(
        inbox.join("halb.xml.part").exists(),
        "files in progress are left alone"
    );

    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT surname, birth_date, phone FROM immohub_in_prospects ORDER BY id")
            .fetch_all(&mut c)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "Müller-Lüdenscheidt");
    assert_eq!(rows[0].1.as_deref(), Some("1961-03-14"));
    assert_eq!(
        rows[1].2.as_deref(),
        Some("0170 7654321"),
        "mobile stands in for phone"
    );

    // The same file again (a partner resends it): nothing twice.
    std::fs::copy(
        inbox.join("archiv/anfragen.xml"),
        inbox.join("anfragen.xml"),
    )
    .unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("0 Interessenten übernommen, 2 schon bekannt"),
        "{out}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM immohub_in_prospects")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 2);
}
