//! Issue "Letting", end to end through the real binary, a real SFTP server (OpenSSH) and the
//! demo ERP: a vacancy becomes an OpenImmo ZIP on the SFTP server (VAC-4); a feedback file with
//! three prospects comes back over SFTP (PRO-2), one of them an existing tenant typed with other
//! spacing and "ue" for "ü"; the duplicate check links that one to the existing person (PRO-3);
//! the demo ERP's import makes offers of all three and staff accept one, which creates a lease
//! that flows back as master data and ends the listing (PRO-4, VAC-6).

use std::io::Read;
use std::path::{Path, PathBuf};

use immohub_testkit::sshd::SshServer;
use sqlx::Connection;

use crate::tour::immohub;

fn zips(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    v.sort();
    v
}

fn xml_of(zip: &Path) -> String {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut xml = String::new();
    a.by_index(0).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

async fn erp(dir: &Path) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap()
}

fn feedback(object_id: &str, first: &str, surname: &str, birth: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<openimmo_feedback>
  <version>1.2.5</version>
  <sender><name>Portal</name><datum>28.11.2026</datum></sender>
  <objekt>
    <oobj_id>{object_id}</oobj_id>
    <interessent>
      <vorname>{first}</vorname><nachname>{surname}</nachname>
      <email>bekannt@example.de</email><anfrage>Ich wohne schon bei Ihnen.</anfrage>
      <user_defined_extend><feld><name>geburtsdatum</name><wert>{birth}</wert></feld></user_defined_extend>
    </interessent>
    <interessent>
      <anrede>Frau</anrede><vorname>Xenia</vorname><nachname>Quastenflosser</nachname>
      <email>xenia@example.de</email>
      <user_defined_extend><feld><name>geburtsdatum</name><wert>09.09.1999</wert></feld></user_defined_extend>
    </interessent>
    <interessent>
      <anrede>Herr</anrede><vorname>Jonas</vorname><nachname>Zwiebelhuber</nachname>
      <mobil>0170 7654321</mobil>
    </interessent>
  </objekt>
</openimmo_feedback>
"#
    )
}

/// "Müller" → "  MUELLER " is too much for a person to type; "mueller" with spaces is typical.
fn typed_differently(name: &str) -> String {
    let t = name
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss");
    format!("  {t}  ")
}

#[tokio::test]
async fn letting_vac_4_pro_2_pro_3_pro_4_vacancy_to_sftp_prospects_back_offer_accepted() {
    let Some(sftp) = SshServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "600"]);
    assert!(ok, "{out}");
    let out_dir = sftp.data.join("openimmo");
    let in_dir = sftp.data.join("feedback");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::create_dir_all(&in_dir).unwrap();
    let target = |path: &Path| {
        format!(
            "{{ kind = \"sftp\", host = \"127.0.0.1\", port = {}, user = \"{}\", dir = \"{}\", \
             known_host_fingerprint = \"{}\", auth = {{ private_key = {{ path = \"{}\" }} }} }}",
            sftp.port,
            sftp.user,
            path.display(),
            sftp.host_fingerprint,
            sftp.client_key().display()
        )
    };
    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(&format!(
        "\n[[partner.openimmo]]\nname = \"portal-sftp\"\ncompany = \"Elbufer eG\"\n\
         openimmo_anid = \"DEMO0001\"\ntechn_email = \"it@elbufer-eg.example\"\ntarget = {}\n\
         \n[[partner.feedback]]\nname = \"portal-sftp\"\ntarget = {}\n",
        target(&out_dir),
        target(&in_dir)
    ));
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();

    // Master data first (immohub learns units and persons), then the vacancies.
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("OpenImmo-Export „portal-sftp“"), "{out}");
    let files = zips(&out_dir);
    assert_eq!(files.len(), 1, "one ZIP on the SFTP server: {out}");
    let xml = xml_of(&files[0]);
    // A listing of client 1 (persons belong to a client).
    let marker = "<objektnr_extern>1.";
    let start = xml.find(marker).expect("a listing of client 1") + "<objektnr_extern>".len();
    let object_id = xml[start..start + xml[start..].find('<').unwrap()].to_owned();

    // An existing main tenant of client 1 with an umlaut in the surname.
    let mut c = erp(dir).await;
    let (person_no, first, surname, birth): (String, String, String, String) = sqlx::query_as(
        "SELECT pe.person_no, pe.first_name, pe.surname, pe.birth_date FROM erp_persons pe \
         JOIN erp_clients c ON c.client_id = pe.client_id \
         JOIN erp_lease_parties lp ON lp.person_id = pe.person_id AND lp.role = 'HM' \
         WHERE c.client_no = '1' AND pe.anonymised = 0 AND pe.first_name IS NOT NULL \
           AND pe.birth_date IS NOT NULL AND pe.surname NOT LIKE '% %' \
           AND (pe.surname LIKE '%ü%' OR pe.surname LIKE '%ö%' OR pe.surname LIKE '%ä%') \
         ORDER BY (pe.surname LIKE '%ü%') DESC, pe.person_id LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let birth_de = chrono::NaiveDate::parse_from_str(&birth, "%Y-%m-%d")
        .unwrap()
        .format("%d.%m.%Y")
        .to_string();
    std::fs::write(
        in_dir.join("anfragen.xml"),
        feedback(
            &object_id,
            &first.to_uppercase(),
            &typed_differently(&surname),
            &birth_de,
        ),
    )
    .unwrap();

    // PRO-2 over SFTP, PRO-3 on the way into the ERP.
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("3 Interessenten übernommen"), "{out}");
    assert!(out.contains("3 ins ERP geschrieben"), "{out}");
    assert!(in_dir.join("archiv/anfragen.xml").exists(), "archived");
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, surname, linked_person_no, match_note FROM immohub_in_prospects ORDER BY id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[0].2.as_deref(),
        Some(person_no.as_str()),
        "the existing tenant is linked: {:?}",
        rows[0].3
    );
    assert_eq!(rows[1].2, None, "{:?}", rows[1].3);
    assert_eq!(rows[2].2, None, "{:?}", rows[2].3);

    // PRO-4: the ERP's import makes offers; the duplicate gets no second business partner.
    let persons_before: i64 = sqlx::query_scalar("SELECT count(*) FROM erp_persons")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let (ok, out) = immohub(dir, &["demo-erp", "import"]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("für vorhandenen Geschäftspartner {person_no}")),
        "{out}"
    );
    let persons_after: i64 = sqlx::query_scalar("SELECT count(*) FROM erp_persons")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(persons_after, persons_before + 2, "two new, one linked");
    let offers: Vec<(String, String)> = sqlx::query_as(
        "SELECT offer_no, person_no FROM immohub_in_prospects WHERE import_status = 'importiert' \
         ORDER BY id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(offers.len(), 3);
    assert_eq!(offers[0].1, person_no);

    // Staff accept the new prospect's offer: a lease that flows back as master data.
    let (offer_no, new_person) = offers[1].clone();
    let (ok, out) = immohub(dir, &["demo-erp", "accept", &offer_no, "--client", "1"]);
    assert!(ok, "{out}");
    assert!(out.contains("2 weitere Angebote abgelehnt"), "{out}");
    let lease_no: String = sqlx::query_scalar(
        "SELECT l.lease_no FROM erp_leases l JOIN erp_offers o ON o.lease_id = l.lease_id \
         WHERE o.offer_no = $1",
    )
    .bind(&offer_no)
    .fetch_one(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    let mut hub = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/immohub.db").display()
    ))
    .await
    .unwrap();
    let sent: Vec<String> = sqlx::query_scalar(
        "SELECT feed FROM feed_items WHERE connection = 'demo' AND \
         (erp_key = '1' || char(31) || $1 OR erp_key = '1' || char(31) || $2) ORDER BY feed",
    )
    .bind(&lease_no)
    .bind(&new_person)
    .fetch_all(&mut hub)
    .await
    .unwrap();
    assert!(
        sent.iter().any(|f| f == "leases"),
        "lease delivered: {sent:?}"
    );
    assert!(
        sent.iter()
            .any(|f| f.contains("tenant") || f.contains("person")),
        "its tenant delivered: {sent:?}"
    );
    hub.close().await.unwrap();

    // VAC-6: the let vacancy leaves the portal.
    let (ok, out) = immohub(dir, &["sync", "run", "leerstaende", "--partner", "demo"]);
    assert!(ok, "{out}");
    let files = zips(&out_dir);
    assert_eq!(files.len(), 2, "{out}");
    let xml = xml_of(&files[1]);
    assert!(xml.contains("aktionart=\"DELETE\""), "{xml}");
    assert!(xml.contains(&object_id), "{xml}");
}
