//! The interface table `immohub_in_prospects` on all three ERP backends: every row carries the
//! technical user (GEN-3), a repeated write has one effect (GEN-11), errors are classified.

use chrono::{NaiveDate, TimeZone, Utc};
use immohub_domain::prospect::{Prospect, ProspectAddress, TechnicalUser};
use immohub_domain::{ErpEntity, RawRecord};
use immohub_erp::{
    DemoOptions, EntityMapping, ErpSink, ErpSource, Mapping, PROSPECTS_TABLE, PersonMatch,
    ProspectRow, create_demo,
};
use sqlx::{Connection, Executor, MySqlConnection, PgConnection};

use crate::common::{read_all, skip_or_fail, unique_name};
use crate::servers::{MARIADB_SCHEMA, PG_SCHEMA, mysql_url, pg_url, with_cleanup, with_database};

fn row(external_ref: &str, user: &str, surname: &str) -> ProspectRow {
    ProspectRow {
        external_ref: external_ref.to_owned(),
        technical_user: TechnicalUser::new(user).unwrap(),
        partner: "immomio-prod".to_owned(),
        received_at: Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap(),
        client_no: "1".to_owned(),
        property_no: "100".to_owned(),
        building_no: "1".to_owned(),
        unit_no: "2".to_owned(),
        source: "api".to_owned(),
        payload_hash: "0123456789abcdef".to_owned(),
        prospect: Prospect {
            unit_id: "1.100.1.2".to_owned(),
            salutation: Some("Frau".to_owned()),
            first_name: Some("Käthe".to_owned()),
            surname: surname.to_owned(),
            birth_date: NaiveDate::from_ymd_opt(1985, 2, 28),
            email: Some("kaethe@example.org".to_owned()),
            phone: None,
            address: Some(ProspectAddress {
                street: "Elbchaussee".to_owned(),
                house_no: Some("12a".to_owned()),
                postal_code: "22763".to_owned(),
                city: "Hamburg".to_owned(),
                country: "DE".to_owned(),
            }),
            message: Some("Guten Tag,\nich komme gern zur Besichtigung.".to_owned()),
        },
        person_match: PersonMatch {
            linked_person_no: Some("4711".to_owned()),
            score: Some("0.97".to_owned()),
            note: Some("Dublettenprüfung: verknüpft mit Person 4711".to_owned()),
        },
    }
}

/// The rows of the interface table as text (read through the adapter, so every backend's
/// types arrive the same way).
async fn rows(url: &str) -> Vec<RawRecord> {
    let mapping = Mapping::new()
        .with(
            ErpEntity::Client,
            EntityMapping::new(format!("SELECT * FROM {PROSPECTS_TABLE} ORDER BY id")),
        )
        .unwrap();
    let source = ErpSource::connect(url, mapping).await.unwrap();
    let rows = read_all(&source, ErpEntity::Client).await;
    source.close().await;
    rows
}

/// What every backend must do.
async fn story(url: &str) {
    let sink = ErpSink::connect(url).await.unwrap();
    assert_eq!(sink.check().await.unwrap(), 0);

    let first = sink
        .write_prospect(&row("immomio-prod:k1", "IMMOMIO", "Müller-Lüdenscheidt"))
        .await
        .unwrap();
    assert!(first.inserted);
    // The same prospect again (e.g. after a crash before immohub noted the write): one row,
    // the same id, the first content kept.
    let again = sink
        .write_prospect(&row("immomio-prod:k1", "IMMOMIO", "Anders"))
        .await
        .unwrap();
    assert_eq!((again.erp_id, again.inserted), (first.erp_id, false));
    let second = sink
        .write_prospect(&row("casavi:k1", "042", "Öztürk"))
        .await
        .unwrap();
    assert!(second.inserted);
    assert_ne!(second.erp_id, first.erp_id);
    // Concurrent writes of one prospect: one row.
    let r = row("immomio-prod:k2", "IMMOMIO", "Parallel");
    let (a, b) = futures::join!(sink.write_prospect(&r), sink.write_prospect(&r));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.erp_id, b.erp_id);
    assert!(a.inserted ^ b.inserted, "{a:?} {b:?}");
    assert_eq!(sink.check().await.unwrap(), 3);

    let rows = rows(url).await;
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert!(r.get("technical_user").is_some(), "GEN-3: {r:?}");
        assert_eq!(r.get("import_status"), Some("neu"));
        assert!(r.get("written_at").is_some());
        assert_eq!(r.get("offer_no"), None);
    }
    let k1 = &rows[0];
    assert_eq!(k1.get("id"), Some(first.erp_id.to_string().as_str()));
    assert_eq!(k1.get("external_ref"), Some("immomio-prod:k1"));
    assert_eq!(k1.get("technical_user"), Some("IMMOMIO"));
    assert_eq!(k1.get("surname"), Some("Müller-Lüdenscheidt"));
    assert_eq!(k1.get("first_name"), Some("Käthe"));
    assert_eq!(k1.get("birth_date"), Some("1985-02-28"));
    assert_eq!(k1.get("unit_id"), Some("1.100.1.2"));
    assert_eq!(
        [
            k1.get("client_no"),
            k1.get("property_no"),
            k1.get("building_no"),
            k1.get("unit_no")
        ],
        [Some("1"), Some("100"), Some("1"), Some("2")]
    );
    assert_eq!(k1.get("postal_code"), Some("22763"));
    assert_eq!(k1.get("country"), Some("DE"));
    assert_eq!(k1.get("phone"), None);
    assert!(k1.get("message").unwrap().contains('\n'));
    assert!(
        k1.get("received_at").unwrap().starts_with("2024-06-01"),
        "{k1:?}"
    );
    assert_eq!(
        rows[1].get("technical_user"),
        Some("042"),
        "leading zero kept"
    );
    sink.close().await;
}

#[tokio::test]
async fn gen_3_gen_11_sqlite_demo_erp_interface_table() {
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
    let url = format!("sqlite:{}", path.display());
    story(&url).await;
    // Creating the tables again (an older demo ERP) keeps the rows.
    immohub_erp::demo::ensure_interface_tables(&path)
        .await
        .unwrap();
    assert_eq!(
        ErpSink::connect(&url).await.unwrap().check().await.unwrap(),
        3
    );
}

/// An ERP without the interface table: the write fails, and it may work later (transient),
/// e.g. once the table exists; `check` says which table is missing.
#[tokio::test]
async fn gen_11_missing_interface_table_is_a_transient_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erp.db");
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    c.execute("CREATE TABLE t (x)").await.unwrap();
    c.close().await.unwrap();
    let sink = ErpSink::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let e = sink
        .write_prospect(&row("a:1", "IMMOMIO", "X"))
        .await
        .unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(e.to_string().contains(PROSPECTS_TABLE), "{e}");
    let e = sink.check().await.unwrap_err();
    assert!(e.to_string().contains("immohub_in_prospects"), "{e}");
    // A missing file is not created.
    let missing = dir.path().join("missing.db");
    let e = ErpSink::connect(&format!("sqlite:{}", missing.display()))
        .await
        .unwrap_err();
    assert!(e.is_transient());
    assert!(!missing.exists());
}

#[tokio::test]
async fn gen_3_gen_11_postgres_interface_table() {
    let admin_url = pg_url();
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("PostgreSQL", &e.to_string()),
    };
    let db = unique_name("immohub_erp_sink");
    admin
        .execute(format!("CREATE DATABASE {db}").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(PG_SCHEMA)).await.unwrap();
        story(&url).await;
        // A value the table refuses (varchar(100)) is the record's fault, not transient.
        let sink = ErpSink::connect(&url).await.unwrap();
        let e = sink
            .write_prospect(&row("x:1", "IMMOMIO", &"A".repeat(101)))
            .await
            .unwrap_err();
        assert!(!e.is_transient(), "{e}");
        sink.close().await;
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
async fn gen_3_gen_11_mariadb_interface_table() {
    let admin_url = mysql_url();
    let mut admin = match MySqlConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("MariaDB", &e.to_string()),
    };
    let db = unique_name("immohub_erp_sink");
    admin
        .execute(format!("CREATE DATABASE {db} CHARACTER SET utf8mb4").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = MySqlConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(MARIADB_SCHEMA)).await.unwrap();
        story(&url.replacen("mysql://", "mariadb://", 1)).await;
        // Overlong text is refused (the session runs in strict mode), never truncated.
        let sink = ErpSink::connect(&url).await.unwrap();
        let e = sink
            .write_prospect(&row("x:1", "IMMOMIO", &"A".repeat(101)))
            .await
            .unwrap_err();
        assert!(!e.is_transient(), "{e}");
        sink.close().await;
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
