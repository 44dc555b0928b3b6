//! Issue "Letting", end to end through the real binary, a real SFTP server (OpenSSH) and the
//! demo ERP: a vacancy becomes an OpenImmo ZIP on the SFTP server (VAC-4); a feedback file with
//! three prospects comes back over SFTP (PRO-2), one of them an existing tenant typed with other
//! spacing and "ue" for "ü"; the duplicate check links that one to the existing person (PRO-3);
//! the demo ERP's import makes offers of all three and staff accept one, which creates a lease
//! that flows back as master data and ends the listing (PRO-4, VAC-6). Before that, the
//! platform accepts that prospect as tenant through the partner API of `serve` with two dossier
//! files: the ERP holds the tenant and the dossier, and subscribed staff get an e-mail at a real
//! SMTP server (TEN-1, TEN-2, TEN-3).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use immohub_testkit::smtp::SmtpServer;
use immohub_testkit::sshd::SshServer;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Connection;

use crate::support::{get_json, serve};
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
    let key = out
        .split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap_or_else(|| panic!("no key printed: {out}"))
        .to_owned();
    let smtp = SmtpServer::start();
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
    cfg.push_str(&smtp.config_section("immohub <immohub@elbufer-eg.example>"));
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();
    // TEN-3: one colleague subscribes to new tenants of this partner, another does not.
    for args in [
        &[
            "staff",
            "add",
            "vermietung",
            "--email",
            "vermietung@elbufer-eg.example",
        ][..],
        &[
            "staff",
            "add",
            "technik",
            "--email",
            "technik@elbufer-eg.example",
        ][..],
        &["staff", "subscribe", "vermietung", "--partner", "demo"][..],
    ] {
        let (ok, out) = immohub(dir, args);
        assert!(ok, "{args:?}: {out}");
    }

    // `check` logs in to both SFTP targets with the connection's key and pinned host key.
    let (ok, out) = immohub(dir, &["check"]);
    assert!(ok, "{out}");
    let sftp_url = format!("sftp://{}@127.0.0.1:{}/", sftp.user, sftp.port);
    for expected in [
        format!("✓ Partner demo: OpenImmo-Export „portal-sftp“ – {sftp_url}"),
        format!("✓ Partner demo: Feedback „portal-sftp“ – {sftp_url}"),
    ] {
        assert!(out.contains(&expected), "{expected} in {out}");
    }
    assert!(out.contains("0 Datei(en) „*.xml“ warten"), "{out}");

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
    c.close().await.unwrap();

    // TEN-1..3: the platform accepts Xenia as tenant and sends her with two dossier files.
    accept_tenant_through_the_api(dir, &key, &object_id, &smtp).await;
    let mut c = erp(dir).await;

    // Staff accept her offer in the ERP: a lease that flows back as master data.
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

/// TEN-1..3 over `serve`: POST /v1/tenants with two files, the worker writes the tenant and
/// the dossier into the demo ERP, and the subscribed colleague gets one e-mail by SMTP.
async fn accept_tenant_through_the_api(dir: &Path, key: &str, unit_id: &str, smtp: &SmtpServer) {
    let (_server, url) = serve(dir);
    let http = reqwest::Client::new();
    let tenant = json!({
        "unit_id": unit_id,
        "main_tenant": {"salutation": "Frau", "first_name": "Xenia", "surname": "Quastenflosser",
                        "email": "xenia@example.de", "birth_date": "1999-09-09"},
        "household": [{"first_name": "Till", "surname": "Quastenflosser", "relation": "Ehepartner"}],
        "move_in": "2027-02-01",
    });
    // A pay slip and a credit report of 1.5 MB (streamed, not one buffer).
    let payslip = b"%PDF-1.4\n% Gehaltsabrechnung Oktober 2026\n".to_vec();
    let credit: Vec<u8> = (0..1_500_000u32).map(|i| (i % 251) as u8).collect();
    let (content_type, body) = immohub_testkit::multipart_body(
        "tenant",
        &tenant,
        &[
            ("income_proof", "Gehaltsabrechnung 10-2026.pdf", &payslip),
            ("credit_report", "SCHUFA-Auskunft.pdf", &credit),
        ],
    );
    let r = http
        .post(format!("{url}/v1/tenants"))
        .bearer_auth(key)
        .header("Idempotency-Key", "mieter-xenia-1")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let created: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let s = get_json(&http, &format!("{url}/v1/tenants/{id}"), key).await;
        if s["status"] != "received" {
            break s;
        }
        assert!(Instant::now() < deadline, "not written: {s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["status"], "written", "{done}");

    // The ERP holds the tenant (TEN-2: the main tenant; the household only as dossier data)…
    let mut c = erp(dir).await;
    let (erp_id, surname, household, dossier_path, user): (i64, String, String, String, String) =
        sqlx::query_as(
            "SELECT id, surname, household, dossier_path, technical_user \
             FROM immohub_in_tenants WHERE external_ref = 'demo:mieter-xenia-1'",
        )
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(done["erp_id"], erp_id.to_string(), "{done}");
    assert_eq!(surname, "Quastenflosser");
    assert_eq!(user, "DEMO", "GEN-3");
    let household: Value = serde_json::from_str(&household).unwrap();
    assert_eq!(household[0]["first_name"], "Till", "{household}");
    // … and the dossier: both files in the ERP's dossier directory, byte for byte.
    let docs: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT kind, path, size_bytes, sha256 FROM immohub_in_tenant_documents \
         WHERE tenant_ref = 'demo:mieter-xenia-1' ORDER BY position",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    assert_eq!(docs.len(), 2, "{docs:?}");
    let erp_dossiers = dir.join("data/erp-dossiers");
    for ((kind, path, size, sha), (want_kind, content)) in docs
        .iter()
        .zip([("income_proof", &payslip), ("credit_report", &credit)])
    {
        assert_eq!(kind, want_kind);
        assert!(path.starts_with(&dossier_path), "{path} in {dossier_path}");
        let stored = std::fs::read(erp_dossiers.join(path)).unwrap();
        assert_eq!(stored.len() as i64, *size);
        assert_eq!(&stored, content, "{path}: the file as sent");
        assert_eq!(sha, &hex::encode(Sha256::digest(content)));
    }

    // TEN-3: exactly one e-mail, to the subscriber, naming tenant, unit and files.
    let mails = smtp.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.envelope_to, ["vermietung@elbufer-eg.example"]);
    assert_eq!(mail.from, "immohub@elbufer-eg.example");
    assert!(
        mail.subject
            .starts_with("Neuer Mieter ohne Vertrag: Xenia Quastenflosser"),
        "{}",
        mail.subject
    );
    assert!(mail.subject.contains(unit_id), "{}", mail.subject);
    for text in [
        "Till Quastenflosser (Ehepartner)",
        "Gehaltsabrechnung 10-2026.pdf",
        "SCHUFA-Auskunft.pdf",
        "Einzug ab:      01.02.2027",
        &format!("immohub_in_tenants, Zeile {erp_id}"),
    ] {
        assert!(mail.body.contains(text), "{text} in {}", mail.body);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.mails().len(), 1, "no second e-mail");
    let (ok, out) = immohub(
        dir,
        &[
            "protocol",
            "--partner",
            "demo",
            "--feed",
            "accepted-tenants",
            "--record",
            "mieter-xenia-1",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("vermietung@elbufer-eg.example"), "{out}");
}
