//! Batches, entity versions and the partner feed.

use futures::future::join_all;
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use immohub_store::{Batch, RecordStatus, RunEnd, RunStatus, Store, StoreError};

use crate::fixtures::{self, CONN, batch, delete, send, start, unchanged, unit};
use crate::on_both_backends;
use crate::support::t;

on_both_backends!(
    ack_moves_forward_only_and_never_past_the_head,
    entity_version_changes_only_with_the_hash,
    large_batches_span_statement_chunks_in_order,
    concurrent_batches_append_in_contiguous_seq_runs,
    failed_batch_writes_nothing,
    api_key_hash_belongs_to_one_connection,
    unknown_runs_are_not_found,
);

async fn ack_moves_forward_only_and_never_past_the_head(store: &dyn Store) {
    let run = start(store, t(0)).await;
    // Nothing to acknowledge yet: 0 is fine, 1 is not.
    assert_eq!(store.ack(CONN, FeedKind::Unit, 0).await.unwrap(), 0);
    let err = store.ack(CONN, FeedKind::Unit, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("Bestätigung 1"), "{err}");

    let mut b = batch(run, t(1));
    for i in 0..5 {
        send(&mut b, &format!("1-{i}"), "h", 1);
    }
    store.apply_batch(&b).await.unwrap();
    // Another connection's items do not move our head.
    let mut other = batch(run, t(1));
    other.connection = "other".to_owned();
    send(&mut other, "1-0", "h", 1);
    store.apply_batch(&other).await.unwrap();

    let items = store.feed_page(CONN, FeedKind::Unit, 0, 100).await.unwrap();
    let seqs: Vec<i64> = items.iter().map(|i| i.seq).collect();
    let head = store.feed_head(CONN, FeedKind::Unit).await.unwrap();
    assert_eq!(head, seqs[4]);
    assert!(store.feed_head("other", FeedKind::Unit).await.unwrap() > head);

    assert_eq!(
        store.ack(CONN, FeedKind::Unit, seqs[2]).await.unwrap(),
        seqs[2]
    );
    assert_eq!(
        store.ack(CONN, FeedKind::Unit, seqs[1]).await.unwrap(),
        seqs[2]
    );
    assert_eq!(
        store.ack(CONN, FeedKind::Unit, seqs[2]).await.unwrap(),
        seqs[2]
    );
    for bad in [head + 1, -1] {
        let err = store.ack(CONN, FeedKind::Unit, bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{bad}: {err:?}");
    }
    assert_eq!(store.cursor(CONN, FeedKind::Unit).await.unwrap(), seqs[2]);
    assert_eq!(store.cursor("other", FeedKind::Unit).await.unwrap(), 0);
    assert_eq!(store.cursor(CONN, FeedKind::Tenant).await.unwrap(), 0);
    assert_eq!(store.ack(CONN, FeedKind::Unit, head).await.unwrap(), head);
    // The page after the cursor is empty; limit 0 returns nothing.
    assert!(
        store
            .feed_page(CONN, FeedKind::Unit, head, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .feed_page(CONN, FeedKind::Unit, 0, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn entity_version_changes_only_with_the_hash(store: &dyn Store) {
    let run = start(store, t(0)).await;
    let get = |key: &'static str| async move {
        store
            .entity(ErpEntity::Unit, key)
            .await
            .unwrap()
            .map(|e| (e.version, e.deleted, e.hash))
    };
    let apply = |f: Box<dyn Fn(&mut Batch) + Send>, minute: i64| async move {
        let mut b = batch(run, t(minute));
        f(&mut b);
        store.apply_batch(&b).await.unwrap();
    };

    apply(Box::new(|b| unchanged(b, "1-1", "a")), 1).await;
    assert_eq!(get("1-1").await, Some((1, false, "a".into())));
    apply(Box::new(|b| unchanged(b, "1-1", "a")), 2).await;
    assert_eq!(get("1-1").await, Some((1, false, "a".into())));
    apply(Box::new(|b| unchanged(b, "1-1", "b")), 3).await;
    assert_eq!(get("1-1").await, Some((2, false, "b".into())));
    // Deleted: version + 1, once.
    apply(Box::new(|b| delete(b, "1-1", "b", 2)), 4).await;
    assert_eq!(get("1-1").await, Some((3, true, "b".into())));
    apply(Box::new(|b| delete(b, "1-1", "b", 2)), 5).await;
    assert_eq!(get("1-1").await, Some((3, true, "b".into())));
    // Back in the ERP with the same content: live again, new version.
    apply(Box::new(|b| unchanged(b, "1-1", "b")), 6).await;
    assert_eq!(get("1-1").await, Some((4, false, "b".into())));
    let e = store.entity(ErpEntity::Unit, "1-1").await.unwrap().unwrap();
    assert_eq!(e.updated_at, t(6));
    // Deleting an entity the store never had changes nothing.
    apply(Box::new(|b| delete(b, "1-404", "x", 1)), 7).await;
    assert_eq!(get("1-404").await, None);
    // One key twice in a batch: the last one wins, one version step.
    apply(
        Box::new(|b| {
            b.entities.push(unit("1-2", "x"));
            b.entities.push(unit("1-2", "y"));
        }),
        8,
    )
    .await;
    assert_eq!(get("1-2").await, Some((1, false, "y".into())));
    // The same key in two entities is two entities.
    let mut b = batch(run, t(9));
    let mut person = unit("1-2", "p");
    person.entity = ErpEntity::Person;
    b.entities.push(person);
    store.apply_batch(&b).await.unwrap();
    let p = store
        .entity(ErpEntity::Person, "1-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.version, p.hash.as_str()), (1, "p"));
    assert_eq!(get("1-2").await, Some((1, false, "y".into())));
}

async fn large_batches_span_statement_chunks_in_order(store: &dyn Store) {
    let run = start(store, t(0)).await;
    let n = 2_600;
    // Keys in descending order: the feed keeps batch order, not key order.
    let keys: Vec<String> = (0..n).rev().map(|i| format!("1-{i:05}")).collect();
    let mut b = batch(run, t(1));
    for k in &keys {
        send(&mut b, k, "h", 1);
    }
    store.apply_batch(&b).await.unwrap();

    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .feed_page(CONN, FeedKind::Unit, after, 1_000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        items.extend(page);
    }
    assert_eq!(items.len(), n);
    assert!(items.windows(2).all(|w| w[0].seq < w[1].seq));
    let expected: Vec<String> = keys.iter().map(|k| fixtures::pid(k)).collect();
    assert_eq!(
        items
            .iter()
            .map(|i| i.partner_id.clone())
            .collect::<Vec<_>>(),
        expected
    );

    // More keys than one `IN (…)` query takes, some unknown.
    let mut lookup: Vec<String> = (0..6_000).map(|i| format!("1-{i:05}")).collect();
    lookup.push("1-00001".to_owned());
    let states = store
        .record_states(CONN, FeedKind::Unit, &lookup)
        .await
        .unwrap();
    assert_eq!(states.len(), n);
    assert!(states.iter().all(|s| s.status == RecordStatus::Sent));
    assert_eq!(
        store.count_live(CONN, FeedKind::Unit).await.unwrap(),
        n as u64
    );
    assert_eq!(store.run_outcomes(run, 10_000).await.unwrap().len(), n);

    store
        .stage_seen(run, FeedKind::Unit, &lookup)
        .await
        .unwrap();
    assert!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let r = store.run(run).await.unwrap().unwrap();
    assert_eq!((r.counts.read, r.counts.sent), (n as i64, n as i64));
}

/// Batches of one connection applied at the same time: each batch's items get one unbroken
/// run of `seq` (batches are serialised), so a partner never sees a later item before an
/// earlier one commits.
async fn concurrent_batches_append_in_contiguous_seq_runs(store: &dyn Store) {
    let run = start(store, t(0)).await;
    let batches: Vec<Batch> = (0..4)
        .map(|w| {
            let mut b = batch(run, t(1));
            for i in 0..1_500 {
                send(&mut b, &format!("{w}-{i:05}"), "h", 1);
            }
            b
        })
        .collect();
    for r in join_all(batches.iter().map(|b| store.apply_batch(b))).await {
        r.unwrap();
    }
    let items = store
        .feed_page(CONN, FeedKind::Unit, 0, 10_000)
        .await
        .unwrap();
    assert_eq!(items.len(), 6_000);
    for chunk in items.chunks(1_500) {
        let writer = &chunk[0].partner_id[..4];
        assert!(chunk.iter().all(|i| i.partner_id.starts_with(writer)));
        assert_eq!(chunk[1_499].seq - chunk[0].seq, 1_499);
    }
    let r = store.run(run).await.unwrap().unwrap();
    assert_eq!(r.counts.sent, 6_000);
}

async fn failed_batch_writes_nothing(store: &dyn Store) {
    let run = start(store, t(0)).await;
    let mut b = batch(run + 1_000, t(1));
    send(&mut b, "1-1", "h", 1);
    b.entity_deletes.push((ErpEntity::Unit, "1-1".to_owned()));
    let err = store.apply_batch(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.entity(ErpEntity::Unit, "1-1").await.unwrap(), None);
    assert_eq!(store.feed_head(CONN, FeedKind::Unit).await.unwrap(), 0);
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 0);
    assert!(
        store
            .run_outcomes(run + 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The store is still usable afterwards.
    let mut b = batch(run, t(2));
    send(&mut b, "1-1", "h", 1);
    store.apply_batch(&b).await.unwrap();
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 1);
}

async fn api_key_hash_belongs_to_one_connection(store: &dyn Store) {
    store
        .upsert_connection(&fixtures::connection("a", "same"))
        .await
        .unwrap();
    let err = store
        .upsert_connection(&fixtures::connection("b", "same"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.connection("b").await.unwrap(), None);
    // A new key for the same connection is fine.
    let mut a = fixtures::connection("a", "new");
    a.config = serde_json::json!({});
    a.clients.clear();
    store.upsert_connection(&a).await.unwrap();
    assert_eq!(store.connection_by_key_hash("same").await.unwrap(), None);
    assert_eq!(store.connection_by_key_hash("new").await.unwrap(), Some(a));
}

async fn unknown_runs_are_not_found(store: &dyn Store) {
    let end = RunEnd {
        ended_at: t(1),
        status: RunStatus::Succeeded,
        errors: vec![],
    };
    let err = store.finish_run(42, &end).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.run(42).await.unwrap(), None);
}
