//! The adapter on hand-made SQLite databases: value conversion, errors, mapping behaviour.

use std::path::Path;

use chrono::{TimeZone, Utc};
use futures::{StreamExt, TryStreamExt};
use immohub_domain::ErpEntity;
use immohub_erp::{CheckStatus, EntityMapping, ErpError, ErpSource, Mapping};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::common::{read_all, read_since};

async fn db(path: &Path, sql: &str) -> String {
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    conn.execute(sqlx::raw_sql(sql)).await.unwrap();
    conn.close().await.unwrap();
    format!("sqlite:{}", path.display())
}

fn mapping(entity: ErpEntity, m: EntityMapping) -> Mapping {
    Mapping::new().with(entity, m).unwrap()
}

/// SQLite's storage classes become the interface's text.
#[tokio::test]
async fn sqlite_values_become_interface_text() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE c (client_no INTEGER, name TEXT, amount REAL, flag BOOLEAN, note BLOB, \
                         blank TEXT, missing TEXT, Updated_At TEXT);
         INSERT INTO c VALUES (7, '  Elbufer eG ', 845.5, 1, CAST('Grüße' AS BLOB), '   ', NULL,
                               '2024-01-01 10:00:00');",
    )
    .await;
    let source = ErpSource::connect(
        &url,
        mapping(
            ErpEntity::Client,
            EntityMapping::new("SELECT * FROM c").with_changed_column("updated_at"),
        ),
    )
    .await
    .unwrap();
    let rows = read_all(&source, ErpEntity::Client).await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.get("client_no"), Some("7"));
    assert_eq!(r.get("name"), Some("Elbufer eG"), "trimmed");
    assert_eq!(r.get("amount"), Some("845.5"));
    assert_eq!(r.get("flag"), Some("1"));
    assert_eq!(r.get("note"), Some("Grüße"));
    assert_eq!(r.get("blank"), None, "blank text counts as missing");
    assert_eq!(r.get("missing"), None);
    assert!(
        r.columns.contains_key("missing"),
        "NULL columns are present as None"
    );
    assert_eq!(
        r.get("updated_at"),
        Some("2024-01-01T10:00:00Z"),
        "lower-cased, RFC 3339"
    );
}

/// The change filter compares times, not text: ISO forms with `T`, `Z` and fractions work.
#[tokio::test]
async fn stm_5_sqlite_changed_since_compares_times_in_any_iso_form() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE c (client_no TEXT, name TEXT, changed TEXT);
         INSERT INTO c VALUES ('1', 'a', '2024-01-01 10:00:00'),
                              ('2', 'b', '2024-01-01T10:00:01Z'),
                              ('3', 'c', '2024-01-01 10:00:00.500'),
                              ('4', 'd', '2023-12-31T23:59:59+00:00');",
    )
    .await;
    let source = ErpSource::connect(
        &url,
        mapping(
            ErpEntity::Client,
            EntityMapping::new("SELECT * FROM c").with_changed_column("changed"),
        ),
    )
    .await
    .unwrap();
    let since = Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap();
    let mut nos: Vec<String> = read_since(&source, ErpEntity::Client, since)
        .await
        .iter()
        .map(|r| r.get("client_no").unwrap().to_owned())
        .collect();
    nos.sort();
    assert_eq!(nos, ["2", "3"]);
    let all = read_all(&source, ErpEntity::Client).await;
    let stamps: Vec<&str> = all.iter().filter_map(|r| r.get("changed")).collect();
    assert_eq!(
        stamps,
        [
            "2024-01-01T10:00:00Z",
            "2024-01-01T10:00:01Z",
            "2024-01-01T10:00:00.500Z",
            "2023-12-31T23:59:59Z"
        ]
    );
    assert_eq!(
        source.max_changed(ErpEntity::Client).await.unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 1).unwrap())
    );
}

/// Without a change column, a read "since" reads everything (and says so).
#[tokio::test]
async fn stm_5_without_change_column_reads_everything() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE c (client_no TEXT, name TEXT); INSERT INTO c VALUES ('1', 'a'), ('2', 'b');",
    )
    .await;
    let source = ErpSource::connect(
        &url,
        mapping(ErpEntity::Client, EntityMapping::new("SELECT * FROM c;")),
    )
    .await
    .unwrap();
    assert!(!source.supports_changed_since(ErpEntity::Client));
    let since = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(read_since(&source, ErpEntity::Client, since).await.len(), 2);
    assert_eq!(source.max_changed(ErpEntity::Client).await.unwrap(), None);
}

/// GEN-10: the database counts the usable keys exactly as the key stream would: rows with a
/// missing key column or the internal separator in a key are not counted (an incremental run
/// compares this number with the live records to detect deletions).
#[tokio::test]
async fn gen_10_count_keys_counts_what_the_key_stream_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE p (client_no TEXT, person_no INTEGER, surname TEXT); \
         INSERT INTO p VALUES ('1', 100, 'a'), ('1', 101, 'b'), ('2', 100, 'c'), \
         (NULL, 102, 'd'), ('1', NULL, 'e'), ('1' || char(31) || '9', 103, 'f');",
    )
    .await;
    let source = ErpSource::connect(
        &url,
        mapping(ErpEntity::Person, EntityMapping::new("SELECT * FROM p")),
    )
    .await
    .unwrap();
    let keys: Vec<_> = source.keys(ErpEntity::Person).try_collect().await.unwrap();
    assert_eq!(keys.len(), 6);
    let usable = keys
        .iter()
        .filter(|k| k.key(ErpEntity::Person).is_ok())
        .count() as u64;
    assert_eq!(usable, 3);
    assert_eq!(source.count_keys(ErpEntity::Person).await.unwrap(), usable);
}

/// GEN-10: a read that fails is an error in the stream, never a short or empty stream, and the
/// message names the entity.
#[tokio::test]
async fn gen_10_failed_read_is_an_error_not_an_empty_stream() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(&dir.path().join("t.db"), "CREATE TABLE c (client_no TEXT);").await;
    let source = ErpSource::connect(
        &url,
        mapping(
            ErpEntity::Unit,
            EntityMapping::new("SELECT * FROM v_units_missing"),
        ),
    )
    .await
    .unwrap();
    let items: Vec<_> = source.rows(ErpEntity::Unit, None).collect().await;
    assert_eq!(items.len(), 1);
    let err = items.into_iter().next().unwrap().unwrap_err();
    assert!(matches!(
        err,
        ErpError::Query {
            entity: ErpEntity::Unit,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.starts_with("ERP-Abfrage für units fehlgeschlagen"),
        "{msg}"
    );
    assert!(msg.contains("v_units_missing"), "{msg}");
    let keys: Result<Vec<_>, _> = source.keys(ErpEntity::Unit).try_collect().await;
    assert!(keys.is_err());

    // An entity without a query is not silently empty either.
    let err = source
        .rows(ErpEntity::Person, None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ErpError::NotMapped {
            entity: ErpEntity::Person
        }
    ));
    assert!(err.to_string().contains("persons"));
}

/// A change column that holds no timestamp is reported with entity and column.
#[tokio::test]
async fn bad_change_timestamp_names_entity_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE c (client_no TEXT, name TEXT, stamp TEXT);
         INSERT INTO c VALUES ('1', 'a', 'gestern');",
    )
    .await;
    let source = ErpSource::connect(
        &url,
        mapping(
            ErpEntity::Client,
            EntityMapping::new("SELECT * FROM c").with_changed_column("stamp"),
        ),
    )
    .await
    .unwrap();
    let err = source
        .rows(ErpEntity::Client, None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("clients") && msg.contains("„stamp“") && msg.contains("gestern"),
        "{msg}"
    );
}

#[tokio::test]
async fn connect_errors_are_clear() {
    let err = ErpSource::connect("oracle://x", Mapping::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ErpError::UnsupportedUrl { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let err = ErpSource::connect(&format!("sqlite:{}", missing.display()), Mapping::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ErpError::Connect { .. }), "{err}");
    assert!(!missing.exists(), "the adapter never creates an ERP file");
    let err = ErpSource::connect("postgres://u:geheim@127.0.0.1:1/x", Mapping::new())
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("geheim"), "{err}");
}

/// `check` reports missing required columns, a missing change column, an unmapped entity.
#[tokio::test]
async fn check_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let url = db(
        &dir.path().join("t.db"),
        "CREATE TABLE u (client_no TEXT, property_no TEXT, building_no TEXT, usage_type TEXT);
         INSERT INTO u VALUES ('1', '100', '1', 'WOHNUNG');
         CREATE TABLE c (client_no TEXT, name TEXT); INSERT INTO c VALUES ('1', 'x');",
    )
    .await;
    let m = Mapping::new()
        .with(
            ErpEntity::Unit,
            EntityMapping::new("SELECT * FROM u").with_changed_column("updated_at"),
        )
        .unwrap()
        .with(ErpEntity::Client, EntityMapping::new("SELECT * FROM c"))
        .unwrap()
        .with(
            ErpEntity::Lease,
            EntityMapping::new("SELECT * FROM nowhere"),
        )
        .unwrap();
    let source = ErpSource::connect(&url, m).await.unwrap();
    let lines = source.check().await.unwrap();
    let line = |e: ErpEntity| lines.iter().find(|l| l.entity == e).unwrap();
    let units = line(ErpEntity::Unit);
    assert_eq!(units.status, CheckStatus::Error);
    let text = units.to_string();
    assert!(
        text.contains("unit_no") && text.contains("updated_at"),
        "{text}"
    );
    assert_eq!(
        line(ErpEntity::Client).status,
        CheckStatus::Warning,
        "no updated_at column"
    );
    assert_eq!(line(ErpEntity::Client).rows, Some(1));
    assert_eq!(line(ErpEntity::Lease).status, CheckStatus::Error);
    assert!(line(ErpEntity::Lease).to_string().contains("nowhere"));
    assert_eq!(line(ErpEntity::Person).status, CheckStatus::NotMapped);
}

/// Dropping a stream early stops the reader; the source stays usable.
#[tokio::test]
async fn dropping_a_stream_early_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let mut sql =
        String::from("CREATE TABLE c (client_no INTEGER, name TEXT); INSERT INTO c VALUES ");
    let values: Vec<String> = (0..5000).map(|i| format!("({i}, 'n{i}')")).collect();
    sql.push_str(&values.join(","));
    let url = db(&dir.path().join("t.db"), &sql).await;
    let source = ErpSource::connect(
        &url,
        mapping(ErpEntity::Client, EntityMapping::new("SELECT * FROM c")),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let first: Vec<_> = source
            .rows(ErpEntity::Client, None)
            .take(10)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(first.len(), 10);
    }
    assert_eq!(read_all(&source, ErpEntity::Client).await.len(), 5000);
    assert_eq!(source.count(ErpEntity::Client).await.unwrap(), 5000);
}

/// The shipped mapping file loads from disk.
#[test]
fn shipped_demo_mapping_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../erp/demo-mapping.toml");
    let m = Mapping::load(&path).unwrap();
    assert_eq!(m, Mapping::demo().unwrap());
    assert_eq!(m.entities().count(), ErpEntity::ALL.len());
    let err = Mapping::load(Path::new("/nonexistent/mapping.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/mapping.toml"));
}
