//! PostgreSQL and MariaDB: the example schema (erp/sql/example-*.sql) with real DECIMAL, DATE
//! and TIMESTAMP columns, read through the demo mapping.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use chrono::{TimeZone, Utc};
use futures::FutureExt;

use immohub_domain::{Entity, ErpEntity};
use immohub_erp::{Backend, ErpSource, Mapping};
use sqlx::{Connection, Executor, MySqlConnection, PgConnection};

use crate::common::{by_key, read_all, read_since, skip_or_fail, unique_name};

pub(crate) const PG_SCHEMA: &str = include_str!("../../../../erp/sql/example-postgres.sql");
pub(crate) const MARIADB_SCHEMA: &str = include_str!("../../../../erp/sql/example-mariadb.sql");

/// The same rows for both servers; every `updated_at` is 2024-06-01 10:00:00 UTC.
const FIXTURE: &str = "
INSERT INTO erp_clients (client_id, client_no, name, updated_at)
VALUES (1, 1, 'Wohnungsbaugenossenschaft Elbufer eG', '2024-06-01 10:00:00');
INSERT INTO erp_properties (property_id, client_id, property_no, name, is_weg, updated_at)
VALUES (1, 1, 100, 'Wohnanlage Elbchaussee', FALSE, '2024-06-01 10:00:00');
INSERT INTO erp_buildings (building_id, property_id, building_no, street, house_no, postal_code,
                           city, year_built, updated_at)
VALUES (1, 1, '1', 'Elbchaussee', '12a', '22763', 'Hamburg', 1958, '2024-06-01 10:00:00'),
       (2, 1, '2', 'Elbchaussee', '14', '22763', 'Hamburg', 1960, '2024-06-01 10:00:00');
INSERT INTO erp_units (unit_id, building_id, unit_no, usage_type, rooms, floor_text, area,
                       features, energy_cert_type, energy_value, energy_class,
                       energy_valid_until, year_built, updated_at)
VALUES (1, 1, '1', 'WOHNUNG', 2.5, 'EG links', 67.45, 'Balkon, Keller', 'verbrauch', 112.4,
        'D', '2030-05-31', NULL, '2024-06-01 10:00:00'),
       (2, 1, '2', 'WOHNUNG', 3, '1. OG rechts', 78.00, NULL, NULL, NULL, NULL, NULL, 1999,
        '2024-06-01 10:00:00'),
       (3, 2, '901', 'STELLPLATZ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        '2024-06-01 10:00:00');
INSERT INTO erp_persons (person_id, client_id, person_no, salutation, title, first_name, surname,
                         company_name, birth_date, email, phone, mobile, street, house_no,
                         postal_code, city, anonymised, updated_at)
VALUES (1, 1, 100001, 'Frau', 'Dr.', 'Käthe', 'Müller-Lüdenscheidt', NULL, '1961-03-14',
        'kaethe.mueller@web.de', '040 8901234', NULL, 'Elbchaussee', '12a', '22763', 'Hamburg',
        FALSE, '2024-06-01 10:00:00'),
       (2, 1, 100002, 'Herr', NULL, 'Jörg', 'von der Heide', NULL, NULL, NULL, NULL,
        '0171 2345678', 'Elbchaussee', '12a', '22763', 'Hamburg', FALSE, '2024-06-01 10:00:00'),
       (3, 1, 100003, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, TRUE, '2024-06-01 10:00:00');
INSERT INTO erp_leases (lease_id, client_id, lease_no, unit_id, start_date, end_date,
                        net_cold_rent, updated_at)
VALUES (1, 1, 1000001, 1, '2024-01-01', NULL, 845.50, '2024-06-01 10:00:00'),
       (2, 1, 1000002, 2, '2010-04-01', '2023-12-31', 612.00, '2024-06-01 10:00:00');
INSERT INTO erp_lease_parties (lease_id, person_id, role)
VALUES (1, 1, 'HM'), (1, 2, 'MB'), (2, 3, 'HM');
INSERT INTO erp_ownerships (ownership_id, client_id, ownership_no, unit_id, owner_person_id,
                            start_date, end_date, updated_at)
VALUES (1, 1, 9000001, 3, 2, '2015-07-01', NULL, '2024-06-01 10:00:00');
INSERT INTO erp_vacancies (vacancy_id, unit_id, status, available_from, available_text,
                           net_cold_rent, operating_costs, heating_costs, total_rent, deposit,
                           heating_type, title, description, location_text, equipment_text,
                           contact_name, contact_email, contact_phone, updated_at)
VALUES (1, 2, 'OFFEN', '2024-07-01', NULL, 702.00, 180.50, 95.25, 977.75, 2106.00, 'ZENTRAL',
        '3-Zimmer-Wohnung an der Elbe', 'Helle Wohnung', 'Elbnah', 'Einbauküche',
        'Vermietungsteam', 'vermietung@elbufer-eg.de', '040 890123-0', '2024-06-01 10:00:00'),
       (2, 1, 'VERMIETET', '2024-01-01', NULL, 845.50, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, '2024-06-01 10:00:00');
INSERT INTO erp_vacancy_documents (document_id, vacancy_id, seq, kind, title, file_path)
VALUES (1, 1, 1, 'BILD', 'Wohnzimmer', 'bilder/wohnung-1.png'),
       (2, 1, 2, 'GRUNDRISS', 'Grundriss', 'grundrisse/grundriss-3-zimmer.pdf');
";

pub(crate) fn pg_url() -> String {
    std::env::var("IMMOHUB_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub(crate) fn mysql_url() -> String {
    std::env::var("IMMOHUB_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

/// `url` with its database name replaced.
pub(crate) fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Runs `body` and re-raises its panic after `cleanup` ran.
pub(crate) async fn with_cleanup<F, C>(body: F, cleanup: C)
where
    F: Future<Output = ()>,
    C: Future<Output = ()>,
{
    let result = AssertUnwindSafe(body).catch_unwind().await;
    cleanup.await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// STM-5 and the value rules on PostgreSQL.
#[tokio::test]
async fn stm_5_postgres_reads_typed_columns_and_changes() {
    let admin_url = pg_url();
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("PostgreSQL", &e.to_string()),
    };
    let db = unique_name("immohub_erp_it");
    admin
        .execute(format!("CREATE DATABASE {db}").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(PG_SCHEMA)).await.unwrap();
        conn.execute(sqlx::raw_sql(&format!("SET TIME ZONE 'UTC'; {FIXTURE}")))
            .await
            .unwrap();
        let source = ErpSource::connect(&url, Mapping::demo().unwrap())
            .await
            .unwrap();
        assert_eq!(source.backend(), Backend::Postgres);
        let db = Db::Pg(sqlx::PgPool::connect(&url).await.unwrap());
        story(&source, &db).await;
        // PostgreSQL-specific types.
        let r = read_all(&source, ErpEntity::Unit).await;
        let unit2 = r.iter().find(|u| u.get("unit_no") == Some("2")).unwrap();
        assert_eq!(
            unit2.get("rooms"),
            Some("3.0"),
            "numeric(3,1) keeps its scale"
        );
        source.close().await;
        db.close().await;
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

/// STM-5 and the value rules on MariaDB / MySQL.
#[tokio::test]
async fn stm_5_mariadb_reads_typed_columns_and_changes() {
    let admin_url = mysql_url();
    let mut admin = match MySqlConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => return skip_or_fail("MariaDB", &e.to_string()),
    };
    let db = unique_name("immohub_erp_it");
    admin
        .execute(format!("CREATE DATABASE {db} CHARACTER SET utf8mb4").as_str())
        .await
        .unwrap();
    let url = with_database(&admin_url, &db);
    let body = async {
        let mut conn = MySqlConnection::connect(&url).await.unwrap();
        conn.execute(sqlx::raw_sql(MARIADB_SCHEMA)).await.unwrap();
        conn.execute(sqlx::raw_sql(FIXTURE)).await.unwrap();
        // The mariadb:// spelling works as well.
        let url = url.replacen("mysql://", "mariadb://", 1);
        let source = ErpSource::connect(&url, Mapping::demo().unwrap())
            .await
            .unwrap();
        assert_eq!(source.backend(), Backend::MySql);
        let db = Db::MySql(
            sqlx::MySqlPool::connect(&url.replacen("mariadb://", "mysql://", 1))
                .await
                .unwrap(),
        );
        story(&source, &db).await;
        let r = read_all(&source, ErpEntity::Unit).await;
        let unit2 = r.iter().find(|u| u.get("unit_no") == Some("2")).unwrap();
        assert_eq!(
            unit2.get("rooms"),
            Some("3.0"),
            "DECIMAL(3,1) keeps its scale"
        );
        source.close().await;
        db.close().await;
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

/// A second connection to change the ERP while the source reads it.
enum Db {
    Pg(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

impl Db {
    async fn exec(&self, sql: &str) {
        match self {
            Db::Pg(p) => p.execute(sql).await.map(|_| ()),
            Db::MySql(p) => p.execute(sql).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn close(&self) {
        match self {
            Db::Pg(p) => p.close().await,
            Db::MySql(p) => p.close().await,
        }
    }
}

/// What both servers must do with the fixture.
async fn story(source: &ErpSource, db: &Db) {
    let mark = Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap();
    for entity in ErpEntity::ALL {
        let rows = read_all(source, entity).await;
        assert!(!rows.is_empty(), "{entity}");
        for row in &rows {
            Entity::parse(entity, row).unwrap_or_else(|e| panic!("{e}: {row:?}"));
            assert_eq!(
                row.get("updated_at"),
                Some("2024-06-01T10:00:00Z"),
                "{entity}"
            );
            assert_eq!(source.changed_at(entity, row), Some(mark));
        }
        assert_eq!(
            source.max_changed(entity).await.unwrap(),
            Some(mark),
            "{entity}"
        );
        assert!(
            read_since(source, entity, mark).await.is_empty(),
            "{entity}"
        );
        let before = Utc.with_ymd_and_hms(2024, 6, 1, 9, 59, 59).unwrap();
        assert_eq!(
            read_since(source, entity, before).await.len(),
            rows.len(),
            "{entity}"
        );
    }

    // Values as text.
    let leases = by_key(ErpEntity::Lease, read_all(source, ErpEntity::Lease).await);
    let lease = &leases["1/1000001"];
    assert_eq!(lease.get("net_cold_rent"), Some("845.50"));
    assert_eq!(lease.get("start_date"), Some("2024-01-01"));
    assert_eq!(lease.get("end_date"), None);
    assert_eq!(
        lease.get("parties"),
        Some("100001:main_tenant;100002:co_resident")
    );
    assert_eq!(leases["1/1000002"].get("end_date"), Some("2023-12-31"));
    assert_eq!(leases["1/1000002"].get("net_cold_rent"), Some("612.00"));

    let units = by_key(ErpEntity::Unit, read_all(source, ErpEntity::Unit).await);
    let unit = &units["1/100/1/1"];
    assert_eq!(unit.get("rooms"), Some("2.5"));
    assert_eq!(unit.get("area"), Some("67.45"));
    assert_eq!(unit.get("energy_value"), Some("112.4"));
    assert_eq!(unit.get("energy_valid_until"), Some("2030-05-31"));
    assert_eq!(unit.get("year_built"), Some("1958"));
    assert_eq!(
        unit.get("tenancies"),
        Some("1000001:main_tenant:2024-01-01:")
    );
    assert_eq!(units["1/100/1/2"].get("area"), Some("78.00"));
    assert_eq!(units["1/100/1/2"].get("year_built"), Some("1999"));
    assert_eq!(
        units["1/100/1/2"].get("tenancies"),
        Some("1000002:main_tenant:2010-04-01:2023-12-31")
    );
    assert_eq!(units["1/100/2/901"].get("tenancies"), None);

    let persons = by_key(ErpEntity::Person, read_all(source, ErpEntity::Person).await);
    let kaethe = &persons["1/100001"];
    assert_eq!(kaethe.get("surname"), Some("Müller-Lüdenscheidt"));
    assert_eq!(kaethe.get("birth_date"), Some("1961-03-14"));
    assert_eq!(kaethe.get("anonymised"), Some("0"));
    assert_eq!(
        kaethe.get("tenancies"),
        Some("1000001:main_tenant:2024-01-01:")
    );
    assert_eq!(persons["1/100002"].get("ownerships"), Some("9000001"));
    assert_eq!(persons["1/100003"].get("anonymised"), Some("1"));
    let buildings = by_key(
        ErpEntity::Building,
        read_all(source, ErpEntity::Building).await,
    );
    assert_eq!(buildings["1/100/1"].get("postal_code"), Some("22763"));
    assert_eq!(buildings["1/100/1"].get("year_built"), Some("1958"));
    let clients = read_all(source, ErpEntity::Client).await;
    assert_eq!(clients[0].get("client_no"), Some("1"));

    // A change of one unit: only that unit is read since the watermark.
    db.exec("UPDATE erp_units SET floor_text = '3. OG links' WHERE unit_id = 2")
        .await;
    let changed = read_since(source, ErpEntity::Unit, mark).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].get("unit_no"), Some("2"));
    assert_eq!(changed[0].get("floor_text"), Some("3. OG links"));
    assert!(source.changed_at(ErpEntity::Unit, &changed[0]).unwrap() > mark);
    assert!(read_since(source, ErpEntity::Lease, mark).await.is_empty());

    // A change of a lease reaches the unit and the persons that list it.
    db.exec("UPDATE erp_leases SET end_date = '2025-12-31' WHERE lease_id = 1")
        .await;
    assert_eq!(read_since(source, ErpEntity::Lease, mark).await.len(), 1);
    let units = by_key(
        ErpEntity::Unit,
        read_since(source, ErpEntity::Unit, mark).await,
    );
    assert_eq!(units.keys().collect::<Vec<_>>(), ["1/100/1/1", "1/100/1/2"]);
    assert_eq!(
        units["1/100/1/1"].get("tenancies"),
        Some("1000001:main_tenant:2024-01-01:2025-12-31")
    );
    let persons = by_key(
        ErpEntity::Person,
        read_since(source, ErpEntity::Person, mark).await,
    );
    assert_eq!(persons.keys().collect::<Vec<_>>(), ["1/100001", "1/100002"]);

    // Key streams.
    for entity in ErpEntity::ALL {
        let keys: Vec<_> = futures::TryStreamExt::try_collect(source.keys(entity))
            .await
            .unwrap();
        assert_eq!(
            keys.len() as u64,
            source.count(entity).await.unwrap(),
            "{entity}"
        );
        // GEN-10: the database's count of usable keys is the key stream's.
        let usable = keys.iter().filter(|k| k.key(entity).is_ok()).count() as u64;
        assert_eq!(source.count_keys(entity).await.unwrap(), usable, "{entity}");
    }
    // VAC-2: only the open vacancy, with its documents in ERP order and money as decimals.
    let vacancies = read_all(source, ErpEntity::Vacancy).await;
    assert_eq!(vacancies.len(), 1, "the let vacancy is not in the view");
    match Entity::parse(ErpEntity::Vacancy, &vacancies[0]).unwrap() {
        Entity::Vacancy(v) => {
            assert_eq!(v.unit_no, "2");
            assert_eq!(
                v.net_cold_rent.map(|d| d.to_string()).as_deref(),
                Some("702.00")
            );
            assert_eq!(
                v.total_rent.map(|d| d.to_string()).as_deref(),
                Some("977.75")
            );
            let paths: Vec<_> = v.attachments.iter().map(|a| a.path.as_str()).collect();
            assert_eq!(
                paths,
                ["bilder/wohnung-1.png", "grundrisse/grundriss-3-zimmer.pdf"]
            );
            assert_eq!(v.attachments[1].kind, "GRUNDRISS");
        }
        other => panic!("not a vacancy: {other:?}"),
    }
    let lines = source.check().await.unwrap();
    assert!(lines.iter().all(|l| l.is_ok()), "{lines:?}");
}
