//! Test databases for both backends and the macro that runs a scenario on each.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use immohub_store::{SqlStore, Store};
use sqlx::Connection as _;

/// A scenario: runs against one store.
pub trait Scenario: for<'a> FnOnce(&'a dyn Store) -> BoxFuture<'a, ()> {}
impl<F> Scenario for F where F: for<'a> FnOnce(&'a dyn Store) -> BoxFuture<'a, ()> {}

/// Generates `mod $name { sqlite, postgres }`, running `async fn $name(&dyn Store)` on both.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::on_sqlite(|s| Box::pin(super::$name(s))).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::on_postgres(|s| Box::pin(super::$name(s))).await;
            }
        }
    )*};
}

/// Runs the scenario on a fresh SQLite file.
pub async fn on_sqlite(scenario: impl Scenario) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    let store = immohub_store::open(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    scenario(&store).await;
    store.close().await;
}

/// Runs the scenario on a fresh PostgreSQL database, dropped afterwards (also on failure).
pub async fn on_postgres(scenario: impl Scenario) {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let store = immohub_store::open(&db.url).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    let result = AssertUnwindSafe(scenario(&store)).catch_unwind().await;
    store.close().await;
    db.drop_db().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Opens a store on both backends for a caller that manages the scenario itself (benchmarks).
pub async fn with_each_backend<F>(mut f: F)
where
    F: for<'a> FnMut(&'a SqlStore) -> BoxFuture<'a, ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    let store = immohub_store::open(&url).await.unwrap();
    f(&store).await;
    store.close().await;
    if let Some(db) = PgTestDb::create().await {
        let store = immohub_store::open(&db.url).await.unwrap();
        let result = AssertUnwindSafe(f(&store)).catch_unwind().await;
        store.close().await;
        db.drop_db().await;
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A PostgreSQL database of its own for one test.
pub struct PgTestDb {
    admin_url: String,
    name: String,
    /// URL of the test database.
    pub url: String,
}

impl PgTestDb {
    /// Creates the database; `None` (with a note on stderr) when the server is unreachable and
    /// this is not CI. On CI an unreachable server fails the test.
    pub async fn create() -> Option<PgTestDb> {
        let base = std::env::var("IMMOHUB_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let admin_url = with_database(&base, "postgres");
        let connect = tokio::time::timeout(
            Duration::from_secs(10),
            sqlx::PgConnection::connect(&admin_url),
        )
        .await;
        let mut admin = match connect {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return unreachable_pg(&admin_url, &e.to_string()),
            Err(_) => return unreachable_pg(&admin_url, "Zeitüberschreitung nach 10 s"),
        };
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let name = format!(
            "immohub_test_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        Some(PgTestDb {
            url: with_database(&base, &name),
            admin_url,
            name,
        })
    }

    pub async fn drop_db(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();
    }
}

fn unreachable_pg(url: &str, why: &str) -> Option<PgTestDb> {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    assert!(
        !ci,
        "PostgreSQL unter {url} nicht erreichbar (CI=true): {why}"
    );
    eprintln!("ÜBERSPRUNGEN: PostgreSQL unter {url} nicht erreichbar: {why}");
    None
}

/// `url` with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

/// 1 May 2024 08:00 UTC plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
