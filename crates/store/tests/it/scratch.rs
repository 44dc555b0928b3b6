use crate::fixtures::CONN;
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use immohub_store::Store;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn scratch_breakdown() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("SCRATCH_URL")
        .unwrap_or(format!("sqlite:{}", dir.path().join("hub.db").display()));
    let store = immohub_store::open(&url).await.unwrap();
    let run = crate::fixtures::start(&store, chrono::Utc::now()).await;
    let n = 100_000usize;
    let mut t = [Duration::ZERO; 6];
    for start in (0..n).step_by(2000) {
        let keys: Vec<String> = (start..start + 2000)
            .map(|i| format!("{}-{}-{:06}", 1 + i % 7, i / 1000, i))
            .collect();
        let full = crate::bench::new_records(run, ErpEntity::Unit, FeedKind::Unit, &keys, "v1");
        let mut parts = Vec::new();
        let mut b = full.clone();
        b.feed.clear();
        b.states.clear();
        b.outcomes.clear();
        parts.push(b);
        let mut b = full.clone();
        b.entities.clear();
        b.states.clear();
        b.outcomes.clear();
        parts.push(b);
        let mut b = full.clone();
        b.entities.clear();
        b.feed.clear();
        b.outcomes.clear();
        parts.push(b);
        let mut b = full.clone();
        b.entities.clear();
        b.feed.clear();
        b.states.clear();
        parts.push(b);
        let mut b = full.clone();
        b.entities.clear();
        b.feed.clear();
        b.states.clear();
        b.outcomes.clear();
        parts.push(b);
        for (i, b) in parts.iter().enumerate() {
            let s = Instant::now();
            store.apply_batch(b).await.unwrap();
            t[i] += s.elapsed();
        }
        let s = Instant::now();
        let got = store
            .record_states(CONN, FeedKind::Unit, &keys)
            .await
            .unwrap();
        assert_eq!(got.len(), 2000);
        t[5] += s.elapsed();
    }
    println!(
        "{}: per 100k rows: entities {:?} feed {:?} states {:?} outcomes {:?} empty-batch {:?} lookup {:?}",
        store.backend(),
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5]
    );
}
