//! The tenant interface tables `immohub_in_tenants` and `immohub_in_tenant_documents` on all
//! three ERP backends (TEN-1, TEN-2): the main tenant is one row, the household travels as
//! JSON, each dossier file is copied into the ERP's dossier directory and has one row; a
//! repeated write has one effect (GEN-11).

use chrono::{NaiveDate, TimeZone, Utc};
use immohub_domain::prospect::{Prospect, TechnicalUser};
use immohub_domain::tenant::{AcceptedTenant, DocumentKind, DossierDocument, HouseholdMember};
use immohub_domain::{ErpEntity, RawRecord};
use immohub_erp::{
    DemoOptions, EntityMapping, ErpSink, ErpSource, Mapping, PersonMatch, TENANT_DOCUMENTS_TABLE,
    TENANTS_TABLE, TenantRow, create_demo,
};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, MySqlConnection, PgConnection};

use crate::common::{read_all, skip_or_fail, unique_name};
use crate::servers::{MARIADB_SCHEMA, PG_SCHEMA, mysql_url, pg_url, with_cleanup, with_database};

fn tenant_row(external_ref: &str, src: &std::path::Path) -> TenantRow {
    let files = [
        (
            DocumentKind::IncomeProof,
            "Gehalt März.pdf",
            b"%PDF-1.4 income".to_vec(),
        ),
        (DocumentKind::CreditReport, "schufa.pdf", vec![7u8; 300_000]),
    ];
    let mut documents = Vec::new();
    for (i, (kind, name, content)) in files.into_iter().enumerate() {
        let stored = format!("{:02}-{name}", i + 1);
        std::fs::write(src.join(&stored), &content).unwrap();
        documents.push(DossierDocument {
            kind,
            file_name: name.to_owned(),
            stored_name: stored,
            content_type: Some("application/pdf".to_owned()),
            size: content.len() as u64,
            sha256: hex::encode(Sha256::digest(&content)),
        });
    }
    TenantRow {
        external_ref: external_ref.to_owned(),
        technical_user: TechnicalUser::new("IMMOMIO").unwrap(),
        partner: "immomio-prod".to_owned(),
        received_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap(),
        client_no: "1".to_owned(),
        property_no: "100".to_owned(),
        building_no: "1".to_owned(),
        unit_no: "2".to_owned(),
        source: "api".to_owned(),
        payload_hash: "abc".to_owned(),
        tenant: AcceptedTenant {
            main_tenant: Prospect {
                unit_id: "1.100.1.2".to_owned(),
                salutation: Some("Herr".to_owned()),
                first_name: Some("Jörg".to_owned()),
                surname: "Weiß".to_owned(),
                birth_date: NaiveDate::from_ymd_opt(1979, 3, 4),
                email: Some("joerg@example.org".to_owned()),
                phone: None,
                address: None,
                message: None,
            },
            household: vec![HouseholdMember {
                first_name: Some("Lena".to_owned()),
                surname: "Weiß".to_owned(),
                birth_date: NaiveDate::from_ymd_opt(2015, 5, 5),
                relation: Some("Kind".to_owned()),
            }],
            move_in: NaiveDate::from_ymd_opt(2027, 1, 1),
            documents,
        },
        person_match: PersonMatch::default(),
        source_dir: src.to_owned(),
    }
}

async fn table(url: &str, sql: String) -> Vec<RawRecord> {
    let mapping = Mapping::new()
        .with(ErpEntity::Client, EntityMapping::new(sql))
        .unwrap();
    let source = ErpSource::connect(url, mapping).await.unwrap();
    let rows = read_all(&source, ErpEntity::Client).await;
    source.close().await;
    rows
}

async fn story(url: &str) {
    let src = tempfile::tempdir().unwrap();
    let erp_dir = tempfile::tempdir().unwrap();
    let sink = ErpSink::connect(url).await.unwrap();
    assert_eq!(sink.check_tenants().await.unwrap(), 0);
    let row = tenant_row("immomio-prod:t1", src.path());
    let first = sink.write_tenant(&row, erp_dir.path()).await.unwrap();
    assert!(first.inserted);
    let again = sink.write_tenant(&row, erp_dir.path()).await.unwrap();
    assert_eq!((again.erp_id, again.inserted), (first.erp_id, false));
    assert_eq!(sink.check_tenants().await.unwrap(), 1);

    let tenants = table(url, format!("SELECT * FROM {TENANTS_TABLE}")).await;
    assert_eq!(tenants.len(), 1, "TEN-2: one business partner per tenant");
    let t = &tenants[0];
    assert_eq!(t.get("surname"), Some("Weiß"));
    assert_eq!(t.get("technical_user"), Some("IMMOMIO"));
    assert_eq!(t.get("move_in"), Some("2027-01-01"));
    assert_eq!(t.get("household_count"), Some("1"));
    assert_eq!(t.get("document_count"), Some("2"));
    assert_eq!(t.get("import_status"), Some("neu"));
    let household: serde_json::Value = serde_json::from_str(t.get("household").unwrap()).unwrap();
    assert_eq!(
        household[0]["first_name"], "Lena",
        "TEN-2: household in the dossier"
    );

    let docs = table(
        url,
        format!("SELECT * FROM {TENANT_DOCUMENTS_TABLE} ORDER BY position"),
    )
    .await;
    assert_eq!(docs.len(), 2);
    for (d, want) in docs.iter().zip(&row.tenant.documents) {
        let path = erp_dir.path().join(d.get("path").unwrap());
        let content = std::fs::read(&path).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&content)), want.sha256);
        assert_eq!(d.get("sha256"), Some(want.sha256.as_str()));
        assert_eq!(d.get("tenant_ref"), Some("immomio-prod:t1"));
    }
    assert_eq!(docs[0].get("kind_label"), Some("Einkommensnachweis"));
    assert_eq!(docs[0].get("file_name"), Some("Gehalt März.pdf"));
    // No half-written files are left.
    let dossier = erp_dir.path().join(row.dossier_name());
    let names: Vec<String> = std::fs::read_dir(&dossier)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
    assert_eq!(names.len(), 2);

    // A dossier whose files are gone is the item's fault, not transient.
    let mut lost = tenant_row("immomio-prod:t2", src.path());
    lost.source_dir = src.path().join("gone");
    let e = sink.write_tenant(&lost, erp_dir.path()).await.unwrap_err();
    assert!(!e.is_transient(), "{e}");
    sink.close().await;
}

#[tokio::test]
async fn ten_1_ten_2_sqlite_demo_erp_tenant_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erp.db");
    create_demo(
        &path,
        DemoOptions {
            units: 50,
            ..DemoOptions::default()
        },
    )
    .await
    .unwrap();
    story(&format!("sqlite:{}", path.display())).await;
}

#[tokio::test]
async fn ten_1_ten_2_postgres_tenant_tables() {
    let admin_url = pg_url();
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("PostgreSQL", &e.to_string()),
    };
    let db = unique_name("immohub_erp_tenants");
    admin
        .execute(format!("CREATE DATABASE {db}").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(PG_SCHEMA)).await.unwrap();
        story(&url).await;
        conn.close().await.unwrap();
    };
    let cleanup = async {
        admin
            .execute(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)").as_str())
            .await
            .unwrap();
    };
    with_cleanup(body, cleanup).await;
}

#[tokio::test]
async fn ten_1_ten_2_mariadb_tenant_tables() {
    let admin_url = mysql_url();
    let mut admin = match MySqlConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("MariaDB", &e.to_string()),
    };
    let db = unique_name("immohub_erp_tenants");
    admin
        .execute(format!("CREATE DATABASE {db} CHARACTER SET utf8mb4").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = MySqlConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(MARIADB_SCHEMA)).await.unwrap();
        story(&url).await;
        conn.close().await.unwrap();
    };
    let cleanup = async {
        admin
            .execute(format!("DROP DATABASE IF EXISTS {db}").as_str())
            .await
            .unwrap();
    };
    with_cleanup(body, cleanup).await;
}
