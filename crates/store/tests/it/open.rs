//! Opening stores by URL.

use immohub_domain::profile::FeedKind;
use immohub_store::{Store, StoreError};

use crate::fixtures::{self, CONN};

#[tokio::test]
async fn bad_urls_are_rejected() {
    for url in [
        "mysql://localhost/hub",
        "hub.txt",
        "",
        "sqlite:",
        "redis://x/hub.db",
    ] {
        let err = immohub_store::open(url).await.unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)), "{url}: {err:?}");
    }
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub-hub.db");
    for url in [
        format!("sqlite://{}", path.display()),
        format!("sqlite:{}", path.display()),
        path.display().to_string(),
    ] {
        let store = immohub_store::open(&url).await.unwrap();
        // Migrations run again without harm; data persists.
        if store.connection(CONN).await.unwrap().is_none() {
            store
                .upsert_connection(&fixtures::connection(CONN, "k"))
                .await
                .unwrap();
        }
        assert!(store.connection(CONN).await.unwrap().is_some());
        assert!(dir.path().join("sub-hub.db-wal").exists());
        store.close().await;
    }
}

#[tokio::test]
async fn sqlite_in_memory_store_works() {
    let store = immohub_store::open("sqlite::memory:").await.unwrap();
    let run = fixtures::start(&store, crate::support::t(0)).await;
    let mut b = fixtures::batch(run, crate::support::t(1));
    fixtures::send(&mut b, "1-1", "h", 1);
    store.apply_batch(&b).await.unwrap();
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 1);
}
