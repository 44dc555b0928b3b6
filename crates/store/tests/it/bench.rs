//! Throughput of `apply_batch` for a full load, on both backends. Ignored by default:
//!
//! ```text
//! cargo test -p immohub-store --release --test it -- --ignored --nocapture bench
//! ```
//!
//! `IMMOHUB_BENCH_RECORDS` sets the number of records (default 400 000, about a full load of
//! 100 000 units with their buildings, leases and persons); `IMMOHUB_BENCH_BACKEND=sqlite` (or
//! `postgres`) runs one backend only.

use std::time::{Duration, Instant};

use chrono::Utc;
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use immohub_store::{
    Batch, EntityUpsert, FeedOp, NewFeedItem, Outcome, RecordState, RecordStatus, SqlStore, Store,
};
use serde_json::json;

use crate::fixtures::{self, CONN};
use crate::support::with_each_backend;

const BATCH: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture, preferably --release"]
async fn bench_apply_batch_full_load() {
    let records: usize = std::env::var("IMMOHUB_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400_000);
    let only = std::env::var("IMMOHUB_BENCH_BACKEND").unwrap_or_default();
    with_each_backend(|store| {
        let only = only.clone();
        Box::pin(async move {
            if only.is_empty() || only == store.backend() {
                full_load(store, records).await;
            }
        })
    })
    .await;
}

async fn full_load(store: &SqlStore, records: usize) {
    let run = fixtures::start(store, Utc::now()).await;
    let feeds = [
        (ErpEntity::Unit, FeedKind::Unit),
        (ErpEntity::Building, FeedKind::Building),
        (ErpEntity::Lease, FeedKind::Lease),
        (ErpEntity::Person, FeedKind::Tenant),
    ];
    let per_feed = records / feeds.len();

    // First load: every record is new (entity, feed item, record state, outcome). Only the
    // time spent in the store counts, not building the batches.
    let mut first = Duration::ZERO;
    let mut rows = 0;
    for (entity, feed) in feeds {
        for start in (0..per_feed).step_by(BATCH) {
            let keys: Vec<String> = (start..(start + BATCH).min(per_feed))
                .map(|i| format!("{}-{}-{:06}", 1 + i % 7, i / 1000, i))
                .collect();
            let b = new_records(run, entity, feed, &keys, "v1");
            rows += b.entities.len() + b.feed.len() + b.states.len() + b.outcomes.len();
            let started = Instant::now();
            // The engine looks up the current states first.
            let known = store.record_states(CONN, feed, &keys).await.unwrap();
            assert!(known.is_empty());
            store.apply_batch(&b).await.unwrap();
            first += started.elapsed();
        }
    }

    // Second load: nothing changed; the engine writes the canonical entities only.
    let mut second = Duration::ZERO;
    for (entity, feed) in feeds {
        for start in (0..per_feed).step_by(BATCH) {
            let keys: Vec<String> = (start..(start + BATCH).min(per_feed))
                .map(|i| format!("{}-{}-{:06}", 1 + i % 7, i / 1000, i))
                .collect();
            let mut b = new_records(run, entity, feed, &keys, "v1");
            b.feed.clear();
            b.states.clear();
            b.outcomes.clear();
            let started = Instant::now();
            let known = store.record_states(CONN, feed, &keys).await.unwrap();
            assert_eq!(known.len(), keys.len());
            store.apply_batch(&b).await.unwrap();
            second += started.elapsed();
        }
    }

    let n = (per_feed * feeds.len()) as f64;
    println!(
        "{}: first load of {} records ({} rows) in {:.2} s = {:.0} records/s, {:.0} rows/s; \
         unchanged reload in {:.2} s = {:.0} records/s",
        store.backend(),
        per_feed * feeds.len(),
        rows,
        first.as_secs_f64(),
        n / first.as_secs_f64(),
        rows as f64 / first.as_secs_f64(),
        second.as_secs_f64(),
        n / second.as_secs_f64(),
    );
    assert_eq!(
        store.count_live(CONN, FeedKind::Unit).await.unwrap(),
        per_feed as u64
    );
}

pub fn new_records(
    run_id: i64,
    entity: ErpEntity,
    feed: FeedKind,
    keys: &[String],
    version: &str,
) -> Batch {
    let at = Utc::now();
    let mut b = fixtures::batch(run_id, at);
    for key in keys {
        let hash = format!("{:064x}", fxhash(key, version));
        let payload = json!({
            "client_no": "1", "property_no": "1000", "building_no": "01", "unit_no": key,
            "kind": "Wohnung", "floor": "2. OG", "rooms": "3", "living_space": "72.50",
            "street": "Musterstraße", "house_no": "12a", "postcode": "10115", "city": "Berlin",
            "net_rent": "650.00", "service_charges": "180.00", "valid_from": "2020-01-01",
        });
        b.entities.push(EntityUpsert {
            entity,
            erp_key: key.clone(),
            client_no: "1".to_owned(),
            hash: hash.clone(),
            payload: payload.clone().into(),
        });
        let partner_id = format!("P-{key}");
        b.feed.push(NewFeedItem {
            feed,
            erp_key: key.clone(),
            partner_id: partner_id.clone(),
            op: FeedOp::Upsert,
            version: 1,
            payload: payload.into(),
        });
        b.states.push(RecordState {
            connection: CONN.to_owned(),
            feed,
            erp_key: key.clone(),
            partner_id: Some(partner_id.clone()),
            status: RecordStatus::Sent,
            hash: hash.clone(),
            source_hash: hash,
            reason: None,
            rule: None,
            version: 1,
            run_id,
            updated_at: at,
        });
        b.outcomes.push(Outcome {
            run_id,
            connection: CONN.to_owned(),
            feed,
            erp_key: key.clone(),
            partner_id: Some(partner_id),
            status: RecordStatus::Sent,
            reason: None,
            rule: None,
            at,
        });
        b.counts.read += 1;
        b.counts.sent += 1;
    }
    b
}

/// A cheap stable hash for fake content hashes.
fn fxhash(key: &str, version: &str) -> u64 {
    key.bytes()
        .chain(version.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}
