//! The whole life of a partner connection, step by step, on both backends.

use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use immohub_store::{FeedOp, RecordStatus, RunEnd, RunFilter, RunStatus, Store, StoreError};

use crate::fixtures::{self, CONN, batch, delete, keys, pid, send, skip, unchanged};
use crate::on_both_backends;
use crate::support::t;

on_both_backends!(story);

async fn story(store: &dyn Store) {
    // A partner connection, found again by its API key hash.
    let mut conn = fixtures::connection(CONN, "sha256-of-key");
    store.upsert_connection(&conn).await.unwrap();
    assert_eq!(
        store.connection_by_key_hash("sha256-of-key").await.unwrap(),
        Some(conn.clone())
    );
    assert_eq!(store.connection_by_key_hash("other").await.unwrap(), None);
    conn.clients.push("3".to_owned());
    store.upsert_connection(&conn).await.unwrap();
    assert_eq!(store.connection(CONN).await.unwrap(), Some(conn.clone()));
    assert_eq!(store.connections().await.unwrap(), vec![conn.clone()]);
    assert_eq!(store.connection("nobody").await.unwrap(), None);

    // A run.
    let run = store
        .start_run(&fixtures::new_run(CONN, t(0)))
        .await
        .unwrap();
    let r = store.run(run).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.ended_at, r.started_at),
        (RunStatus::Running, None, t(0))
    );
    assert_eq!(r.counts, Default::default());

    // Batch 1: three units are new and sent, one is skipped.
    let mut b = batch(run, t(1));
    send(&mut b, "1-1-1-1", "h1", 1);
    send(&mut b, "1-1-1-2", "h2", 1);
    send(&mut b, "1-1-1-3", "h3", 1);
    skip(&mut b, "1-1-1-4", "h4", "Einheit ohne Mieter", "STM-2");
    store.apply_batch(&b).await.unwrap();

    let e = store
        .entity(ErpEntity::Unit, "1-1-1-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e.version, e.deleted, e.hash.as_str()), (1, false, "h1"));
    let sent: serde_json::Value =
        serde_json::from_str(fixtures::unit("1-1-1-1", "h1").payload.as_str()).unwrap();
    assert_eq!(e.payload, sent);
    assert_eq!(e.updated_at, t(1));
    assert_eq!(
        store.entity(ErpEntity::Person, "1-1-1-1").await.unwrap(),
        None
    );

    let page = store.feed_page(CONN, FeedKind::Unit, 0, 10).await.unwrap();
    assert_eq!(page.len(), 3);
    assert!(page.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        page.iter()
            .map(|i| i.partner_id.clone())
            .collect::<Vec<_>>(),
        vec![pid("1-1-1-1"), pid("1-1-1-2"), pid("1-1-1-3")]
    );
    assert_eq!(page[0].op, FeedOp::Upsert);
    assert_eq!(page[0].version, 1);
    assert_eq!(page[0].created_at, t(1));
    assert_eq!(page[0].payload["hash"], "h1");
    let head1 = store.feed_head(CONN, FeedKind::Unit).await.unwrap();
    assert_eq!(head1, page[2].seq);
    assert_eq!(store.feed_head(CONN, FeedKind::Tenant).await.unwrap(), 0);
    assert!(
        store
            .feed_page(CONN, FeedKind::Tenant, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Batch 2: unit 1 unchanged keeps its version, unit 2 changed gets version 2.
    let mut b = batch(run, t(2));
    unchanged(&mut b, "1-1-1-1", "h1");
    send(&mut b, "1-1-1-2", "h2b", 2);
    store.apply_batch(&b).await.unwrap();
    let e1 = store
        .entity(ErpEntity::Unit, "1-1-1-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e1.version, e1.updated_at), (1, t(1)));
    let e2 = store
        .entity(ErpEntity::Unit, "1-1-1-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e2.version, e2.hash.as_str(), e2.updated_at),
        (2, "h2b", t(2))
    );
    assert_eq!(e2.payload["hash"], "h2b");

    // Paging through the feed: four items, two per page, in seq order.
    let p1 = store.feed_page(CONN, FeedKind::Unit, 0, 2).await.unwrap();
    let p2 = store
        .feed_page(CONN, FeedKind::Unit, p1[1].seq, 2)
        .await
        .unwrap();
    let p3 = store
        .feed_page(CONN, FeedKind::Unit, p2[1].seq, 2)
        .await
        .unwrap();
    assert_eq!((p1.len(), p2.len(), p3.len()), (2, 2, 0));
    assert!(p1[1].seq < p2[0].seq && p2[0].seq < p2[1].seq);
    assert_eq!(
        (p2[1].partner_id.as_str(), p2[1].version),
        (pid("1-1-1-2").as_str(), 2)
    );
    let head = store.feed_head(CONN, FeedKind::Unit).await.unwrap();
    assert_eq!(head, p2[1].seq);
    assert!(head > head1);

    // Acknowledging: forward moves, backward is ignored, past the head is a conflict.
    assert_eq!(store.cursor(CONN, FeedKind::Unit).await.unwrap(), 0);
    assert_eq!(
        store.ack(CONN, FeedKind::Unit, p1[1].seq).await.unwrap(),
        p1[1].seq
    );
    assert_eq!(
        store.ack(CONN, FeedKind::Unit, p1[0].seq).await.unwrap(),
        p1[1].seq
    );
    assert_eq!(store.cursor(CONN, FeedKind::Unit).await.unwrap(), p1[1].seq);
    let err = store.ack(CONN, FeedKind::Unit, head + 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.cursor(CONN, FeedKind::Unit).await.unwrap(), p1[1].seq);
    assert_eq!(store.ack(CONN, FeedKind::Unit, head).await.unwrap(), head);
    // Another feed of the same connection has its own head.
    let err = store.ack(CONN, FeedKind::Tenant, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Record states, many keys in one call; missing keys are absent.
    let mut states = store
        .record_states(
            CONN,
            FeedKind::Unit,
            &keys(&["1-1-1-1", "1-1-1-2", "1-1-1-4", "9-9-9-9"]),
        )
        .await
        .unwrap();
    states.sort_by(|a, b| a.erp_key.cmp(&b.erp_key));
    assert_eq!(states.len(), 3);
    assert_eq!(
        (states[0].status, states[0].version),
        (RecordStatus::Sent, 1)
    );
    assert_eq!(
        (states[1].status, states[1].version),
        (RecordStatus::Sent, 2)
    );
    assert_eq!(states[1].source_hash, "h2b");
    assert_eq!(states[1].updated_at, t(2));
    assert_eq!(states[2].status, RecordStatus::Skipped);
    assert_eq!(states[2].rule.as_deref(), Some("STM-2"));
    assert_eq!(states[2].reason.as_deref(), Some("Einheit ohne Mieter"));
    assert!(
        store
            .record_states(CONN, FeedKind::Tenant, &keys(&["1-1-1-1"]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 4);

    // Deletion detection: the ERP no longer has unit 2.
    store
        .stage_seen(
            run,
            FeedKind::Unit,
            &keys(&["1-1-1-1", "1-1-1-3", "1-1-1-4"]),
        )
        .await
        .unwrap();
    store
        .stage_seen(run, FeedKind::Unit, &keys(&["1-1-1-1"]))
        .await
        .unwrap();
    let gone = store
        .unseen_live(run, CONN, FeedKind::Unit, 100)
        .await
        .unwrap();
    assert_eq!(
        gone.iter().map(|s| s.erp_key.as_str()).collect::<Vec<_>>(),
        vec!["1-1-1-2"]
    );
    let mut b = batch(run, t(3));
    delete(&mut b, "1-1-1-2", "h2b", 3);
    store.apply_batch(&b).await.unwrap();
    assert!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 3);
    let e2 = store
        .entity(ErpEntity::Unit, "1-1-1-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e2.deleted, e2.version), (true, 3));
    let last = store
        .feed_page(CONN, FeedKind::Unit, head, 10)
        .await
        .unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!((last[0].op, last[0].version), (FeedOp::Delete, 3));
    assert_eq!(last[0].payload, serde_json::Value::Null);
    store.clear_seen(run).await.unwrap();
    assert_eq!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 100)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 2)
            .await
            .unwrap()
            .len(),
        2
    );

    // Watermarks.
    assert_eq!(store.watermark(CONN, ErpEntity::Unit).await.unwrap(), None);
    let wm = t(-30) + chrono::Duration::microseconds(123_456);
    store
        .set_watermark(CONN, ErpEntity::Unit, wm)
        .await
        .unwrap();
    assert_eq!(
        store.watermark(CONN, ErpEntity::Unit).await.unwrap(),
        Some(wm)
    );
    store
        .set_watermark(CONN, ErpEntity::Unit, t(-10))
        .await
        .unwrap();
    assert_eq!(
        store.watermark(CONN, ErpEntity::Unit).await.unwrap(),
        Some(t(-10))
    );
    assert_eq!(store.watermark(CONN, ErpEntity::Lease).await.unwrap(), None);

    // Record status (GEN-8): by partner ID, and the outcome history newest first.
    let s = store
        .record_by_partner_id(CONN, FeedKind::Unit, &pid("1-1-1-2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.erp_key.as_str(), s.status),
        ("1-1-1-2", RecordStatus::Deleted)
    );
    assert_eq!(s.rule.as_deref(), Some("GEN-10"));
    let history = store
        .outcomes(CONN, FeedKind::Unit, "1-1-1-2", 10)
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|o| o.status).collect::<Vec<_>>(),
        vec![
            RecordStatus::Deleted,
            RecordStatus::Sent,
            RecordStatus::Sent
        ]
    );
    assert_eq!(history[0].at, t(3));
    assert_eq!(history[2].at, t(1));
    assert_eq!(store.run_outcomes(run, 100).await.unwrap().len(), 6);

    // Finishing the run: counters are the sum of the batches.
    let end = RunEnd {
        ended_at: t(4),
        status: RunStatus::Succeeded,
        errors: vec![],
    };
    store.finish_run(run, &end).await.unwrap();
    let r = store.run(run).await.unwrap().unwrap();
    assert_eq!((r.status, r.ended_at), (RunStatus::Succeeded, Some(t(4))));
    assert_eq!(
        (
            r.counts.read,
            r.counts.sent,
            r.counts.skipped,
            r.counts.unchanged,
            r.counts.deleted,
            r.counts.failed
        ),
        (6, 4, 1, 1, 1, 0)
    );

    // A second run a day later fails; the protocol filters by date.
    let run2 = store
        .start_run(&fixtures::new_run(CONN, t(24 * 60)))
        .await
        .unwrap();
    let end2 = RunEnd {
        ended_at: t(24 * 60 + 1),
        status: RunStatus::Failed,
        errors: vec!["ERP nicht erreichbar".to_owned()],
    };
    store.finish_run(run2, &end2).await.unwrap();
    let ids = |runs: Vec<immohub_store::Run>| runs.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.runs(&RunFilter::default()).await.unwrap()),
        vec![run2, run]
    );
    let today = RunFilter {
        from: Some(t(0)),
        to: Some(t(12 * 60)),
        ..RunFilter::default()
    };
    assert_eq!(ids(store.runs(&today).await.unwrap()), vec![run]);
    let r2 = store.run(run2).await.unwrap().unwrap();
    assert_eq!(r2.errors, vec!["ERP nicht erreichbar".to_owned()]);
    assert_eq!(r2.status, RunStatus::Failed);
}
