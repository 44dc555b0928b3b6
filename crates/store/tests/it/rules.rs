//! Store behaviour that rules of the specification rely on (GEN-7, GEN-8, GEN-10).

use immohub_domain::profile::FeedKind;
use immohub_store::{
    FeedOp, NewFeedItem, Outcome, RecordStatus, RunEnd, RunFilter, RunStatus, Store,
};

use crate::fixtures::{self, CONN, batch, delete, keys, outcome, pid, send, skip, start};
use crate::on_both_backends;
use crate::support::t;

on_both_backends!(
    gen_7_runs_filtered_by_date,
    gen_8_record_status_history_by_partner_id,
    gen_8_every_record_keeps_its_outcome,
    gen_10_unseen_keys_found_by_anti_join,
);

/// GEN-7: the protocol lists runs newest first, by connection, use case and date range.
async fn gen_7_runs_filtered_by_date(store: &dyn Store) {
    let day = 24 * 60;
    let mut ids = Vec::new();
    // Runs on 1, 2, 3 and 4 May; the one on 3 May belongs to another connection.
    for d in 0..4 {
        let connection = if d == 2 { "other" } else { CONN };
        let mut run = fixtures::new_run(connection, t(d * day));
        if d == 3 {
            run.use_case = "zahlungen".to_owned();
        }
        let id = store.start_run(&run).await.unwrap();
        let status = if d == 1 {
            RunStatus::Partial
        } else {
            RunStatus::Succeeded
        };
        let end = RunEnd {
            ended_at: t(d * day + 5),
            status,
            errors: vec![],
        };
        store.finish_run(id, &end).await.unwrap();
        ids.push(id);
    }
    let listed = |f: RunFilter| async move {
        store
            .runs(&f)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(RunFilter::default()).await,
        vec![ids[3], ids[2], ids[1], ids[0]]
    );
    // `from` inclusive, `to` exclusive.
    let may_2_and_3 = RunFilter {
        from: Some(t(day)),
        to: Some(t(3 * day)),
        ..RunFilter::default()
    };
    assert_eq!(listed(may_2_and_3.clone()).await, vec![ids[2], ids[1]]);
    let only_ours = RunFilter {
        connection: Some(CONN.to_owned()),
        ..may_2_and_3
    };
    assert_eq!(listed(only_ours).await, vec![ids[1]]);
    let from_may_2 = RunFilter {
        from: Some(t(day)),
        ..RunFilter::default()
    };
    assert_eq!(listed(from_may_2).await, vec![ids[3], ids[2], ids[1]]);
    let before_may_2 = RunFilter {
        to: Some(t(day)),
        ..RunFilter::default()
    };
    assert_eq!(listed(before_may_2).await, vec![ids[0]]);
    let use_case = RunFilter {
        use_case: Some("stammdaten".to_owned()),
        connection: Some(CONN.to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(listed(use_case).await, vec![ids[1], ids[0]]);
    let newest = RunFilter {
        limit: 1,
        ..RunFilter::default()
    };
    assert_eq!(listed(newest).await, vec![ids[3]]);
    let runs = store.runs(&RunFilter::default()).await.unwrap();
    assert_eq!(runs[2].status, RunStatus::Partial);
    assert_eq!(runs[2].ended_at, Some(t(day + 5)));

    // Bounds below the second: times compare chronologically (SQLite keeps them as text).
    let ms = |n: i64| chrono::Duration::microseconds(n);
    let base = t(5 * day);
    let mut sub = Vec::new();
    for offset in [0, 123_456, 500_000, 500_001, 1_000_000] {
        let id = store
            .start_run(&fixtures::new_run("sub", base + ms(offset)))
            .await
            .unwrap();
        sub.push(id);
    }
    let half_second = RunFilter {
        connection: Some("sub".to_owned()),
        from: Some(base + ms(500_000)),
        to: Some(base + ms(1_000_000)),
        ..RunFilter::default()
    };
    assert_eq!(listed(half_second).await, vec![sub[3], sub[2]]);
    let first_half = RunFilter {
        connection: Some("sub".to_owned()),
        from: Some(base + ms(1)),
        to: Some(base + ms(500_000)),
        ..RunFilter::default()
    };
    assert_eq!(listed(first_half).await, vec![sub[1]]);
    assert_eq!(
        store.run(sub[1]).await.unwrap().unwrap().started_at,
        base + ms(123_456)
    );

    // Limit 0 means the default of 50.
    for i in 0..60 {
        store
            .start_run(&fixtures::new_run(CONN, t(10 * day + i)))
            .await
            .unwrap();
    }
    assert_eq!(store.runs(&RunFilter::default()).await.unwrap().len(), 50);
    let all = RunFilter {
        limit: 1000,
        ..RunFilter::default()
    };
    assert_eq!(store.runs(&all).await.unwrap().len(), 69);
}

/// GEN-8: a record's current state is found by its partner ID (or ERP key), with the history
/// of outcomes, newest first, reasons and rules included.
async fn gen_8_record_status_history_by_partner_id(store: &dyn Store) {
    let run1 = start(store, t(0)).await;
    let mut b = batch(run1, t(1));
    skip(&mut b, "1-7", "h1", "Mieter ohne E-Mail-Adresse", "STM-2");
    send(&mut b, "1-8", "h8", 1);
    store.apply_batch(&b).await.unwrap();

    let run2 = store
        .start_run(&fixtures::new_run(CONN, t(60)))
        .await
        .unwrap();
    let mut b = batch(run2, t(61));
    send(&mut b, "1-7", "h1b", 1);
    store.apply_batch(&b).await.unwrap();

    let s = store
        .record_by_partner_id(CONN, FeedKind::Unit, &pid("1-7"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.erp_key, "1-7");
    assert_eq!(
        (s.status, s.version, s.run_id),
        (RecordStatus::Sent, 1, run2)
    );
    assert_eq!((s.reason, s.rule), (None, None));
    assert_eq!(s.source_hash, "h1b");
    assert_eq!(s.updated_at, t(61));
    // Also by ERP key.
    let by_key = store
        .record_by_partner_id(CONN, FeedKind::Unit, "1-7")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_key.partner_id, Some(pid("1-7")));
    // Not in another feed or connection, and unknown IDs are absent.
    for (conn, feed, id) in [
        (CONN, FeedKind::Tenant, pid("1-7")),
        ("other", FeedKind::Unit, pid("1-7")),
        (CONN, FeedKind::Unit, pid("9-9")),
    ] {
        assert_eq!(
            store.record_by_partner_id(conn, feed, &id).await.unwrap(),
            None
        );
    }

    let history = store
        .outcomes(CONN, FeedKind::Unit, "1-7", 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0].status, history[0].run_id, history[0].at),
        (RecordStatus::Sent, run2, t(61))
    );
    assert_eq!(
        (history[1].status, history[1].run_id, history[1].at),
        (RecordStatus::Skipped, run1, t(1))
    );
    assert_eq!(
        history[1].reason.as_deref(),
        Some("Mieter ohne E-Mail-Adresse")
    );
    assert_eq!(history[1].rule.as_deref(), Some("STM-2"));
    assert_eq!(history[1].partner_id, Some(pid("1-7")));
    assert_eq!(
        store
            .outcomes(CONN, FeedKind::Unit, "1-7", 1)
            .await
            .unwrap(),
        history[..1].to_vec()
    );
    assert!(
        store
            .outcomes(CONN, FeedKind::Tenant, "1-7", 10)
            .await
            .unwrap()
            .is_empty()
    );

    let of_run1 = store.run_outcomes(run1, 10).await.unwrap();
    assert_eq!(
        of_run1
            .iter()
            .map(|o| o.erp_key.as_str())
            .collect::<Vec<_>>(),
        vec!["1-8", "1-7"]
    );
    assert_eq!(store.run_outcomes(run2, 10).await.unwrap().len(), 1);
}

/// GEN-8: for every record the protocol says what was sent or why not. A plain "sent" outcome
/// is stored on the feed item it sent rather than as a row of its own; this fails if the
/// protocol loses such an outcome, invents one for a feed item that stands for none, or puts
/// the two kinds out of the order in which they were decided.
async fn gen_8_every_record_keeps_its_outcome(store: &dyn Store) {
    let sorted = |mut v: Vec<Outcome>| {
        v.sort_by(|a, b| (&a.erp_key, a.status.as_str()).cmp(&(&b.erp_key, b.status.as_str())));
        v
    };
    let run1 = start(store, t(0)).await;
    let mut b = batch(run1, t(1));
    send(&mut b, "1-1", "h1", 1);
    skip(&mut b, "1-2", "h2", "Mieter ohne E-Mail-Adresse", "STM-2");
    // Sent with a warning: the reason must survive.
    send(&mut b, "1-3", "h3", 1);
    let warned = b.outcomes.last_mut().unwrap();
    warned.reason = Some("Leerstand ohne Kosten".to_owned());
    warned.rule = Some("VAC-5".to_owned());
    // A new partner ID: the old one is deleted, the new one sent (one outcome).
    send(&mut b, "1-4", "h4", 2);
    b.feed.insert(
        b.feed.len() - 1,
        NewFeedItem {
            feed: FeedKind::Unit,
            erp_key: "1-4".to_owned(),
            partner_id: "alt-1-4".to_owned(),
            op: FeedOp::Delete,
            version: 1,
            payload: serde_json::Value::Null.into(),
        },
    );
    // A feed item that stands for no outcome of its own.
    b.feed.push(NewFeedItem {
        feed: FeedKind::Unit,
        erp_key: "1-5".to_owned(),
        partner_id: pid("1-5"),
        op: FeedOp::Upsert,
        version: 1,
        payload: serde_json::json!({ "id": pid("1-5") }).into(),
    });
    // A failure, and a sent outcome decided at another time than the batch's.
    let mut failed = outcome(&b, FeedKind::Unit, "1-6", RecordStatus::Failed, None, None);
    failed.reason = Some("Wohnfläche: keine Zahl".to_owned());
    failed.rule = Some("VALIDATION".to_owned());
    b.outcomes.push(failed);
    send(&mut b, "1-7", "h7", 1);
    b.outcomes.last_mut().unwrap().at = t(2);
    let expected1 = b.outcomes.clone();
    store.apply_batch(&b).await.unwrap();

    let of_run1 = store.run_outcomes(run1, 100).await.unwrap();
    assert_eq!(sorted(of_run1.clone()), sorted(expected1.clone()));
    // Every record's history has its outcome (1-5 has none).
    for o in &expected1 {
        let history = store.outcomes(CONN, o.feed, &o.erp_key, 10).await.unwrap();
        assert_eq!(history, vec![o.clone()], "{}", o.erp_key);
    }
    assert!(
        store
            .outcomes(CONN, FeedKind::Unit, "1-5", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A later run: sent again, then deleted; newest first across runs and kinds.
    let run2 = start(store, t(10)).await;
    let mut b = batch(run2, t(11));
    send(&mut b, "1-1", "h1b", 2);
    skip(&mut b, "1-4", "h4", "Mieter ohne E-Mail-Adresse", "STM-2");
    store.apply_batch(&b).await.unwrap();
    let mut b = batch(run2, t(12));
    delete(&mut b, "1-1", "h1b", 3);
    store.apply_batch(&b).await.unwrap();
    let history = store
        .outcomes(CONN, FeedKind::Unit, "1-1", 10)
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|o| (o.status, o.run_id, o.at))
            .collect::<Vec<_>>(),
        vec![
            (RecordStatus::Deleted, run2, t(12)),
            (RecordStatus::Sent, run2, t(11)),
            (RecordStatus::Sent, run1, t(1)),
        ]
    );
    assert_eq!(
        store
            .outcomes(CONN, FeedKind::Unit, "1-1", 2)
            .await
            .unwrap(),
        history[..2].to_vec()
    );
    // In the order they were decided: the skip of 1-4 came after the send of 1-1.
    let of_run2 = store.run_outcomes(run2, 100).await.unwrap();
    assert_eq!(
        of_run2
            .iter()
            .map(|o| (o.erp_key.as_str(), o.status))
            .collect::<Vec<_>>(),
        vec![
            ("1-1", RecordStatus::Deleted),
            ("1-4", RecordStatus::Skipped),
            ("1-1", RecordStatus::Sent),
        ]
    );
    assert_eq!(
        store.run_outcomes(run2, 1).await.unwrap(),
        of_run2[..1].to_vec()
    );
    assert_eq!(store.run_outcomes(run1, 100).await.unwrap(), of_run1);
}

/// GEN-10: after a complete read, the live records the run did not see are found by an
/// anti-join against the staged keys: per run, feed and connection; deleted ones excluded.
async fn gen_10_unseen_keys_found_by_anti_join(store: &dyn Store) {
    let run = start(store, t(0)).await;
    let all: Vec<String> = (0..20).map(|i| format!("1-{i:02}")).collect();
    let mut b = batch(run, t(1));
    for k in &all[..18] {
        send(&mut b, k, "h", 1);
    }
    // Skipped records are live too: the partner may have had them before.
    skip(&mut b, &all[18], "h", "Einheit ohne Mieter", "STM-2");
    send(&mut b, &all[19], "h", 1);
    store.apply_batch(&b).await.unwrap();
    // 1-19 is already deleted.
    let mut b = batch(run, t(2));
    delete(&mut b, &all[19], "h", 2);
    store.apply_batch(&b).await.unwrap();
    // Another connection has the same keys: never part of our result.
    let mut b = batch(run, t(2));
    b.connection = "other".to_owned();
    for k in &all {
        let mut s = fixtures::state(&b, FeedKind::Unit, k, RecordStatus::Sent, 1, "h");
        s.connection = "other".to_owned();
        b.states.push(s);
    }
    store.apply_batch(&b).await.unwrap();
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 19);
    assert_eq!(store.count_live("other", FeedKind::Unit).await.unwrap(), 20);

    // The ERP still has every key but 1-03, 1-11 and 1-18, staged in two calls.
    let seen: Vec<String> = all
        .iter()
        .filter(|k| !["1-03", "1-11", "1-18"].contains(&k.as_str()))
        .cloned()
        .collect();
    store
        .stage_seen(run, FeedKind::Unit, &seen[..10])
        .await
        .unwrap();
    store
        .stage_seen(run, FeedKind::Unit, &seen[5..])
        .await
        .unwrap();
    store.stage_seen(run, FeedKind::Unit, &[]).await.unwrap();
    // Keys staged for another run or feed do not count.
    let other_run = store
        .start_run(&fixtures::new_run(CONN, t(5)))
        .await
        .unwrap();
    store
        .stage_seen(other_run, FeedKind::Unit, &keys(&["1-03", "1-11"]))
        .await
        .unwrap();
    store
        .stage_seen(run, FeedKind::Tenant, &keys(&["1-03", "1-11"]))
        .await
        .unwrap();

    let unseen = store
        .unseen_live(run, CONN, FeedKind::Unit, 100)
        .await
        .unwrap();
    assert_eq!(
        unseen
            .iter()
            .map(|s| s.erp_key.as_str())
            .collect::<Vec<_>>(),
        vec!["1-03", "1-11", "1-18"]
    );
    assert_eq!(unseen[2].status, RecordStatus::Skipped);
    assert_eq!(unseen[0].partner_id, Some(pid("1-03")));
    let first_two = store
        .unseen_live(run, CONN, FeedKind::Unit, 2)
        .await
        .unwrap();
    assert_eq!(first_two, unseen[..2].to_vec());

    // Deleting them empties the result; clearing the run's keys leaves other runs alone.
    let mut b = batch(run, t(3));
    for s in &unseen {
        delete(&mut b, &s.erp_key, "h", s.version + 1);
    }
    store.apply_batch(&b).await.unwrap();
    assert!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_live(CONN, FeedKind::Unit).await.unwrap(), 16);
    store.clear_seen(run).await.unwrap();
    assert_eq!(
        store
            .unseen_live(run, CONN, FeedKind::Unit, 100)
            .await
            .unwrap()
            .len(),
        16
    );
    assert_eq!(
        store
            .unseen_live(other_run, CONN, FeedKind::Unit, 100)
            .await
            .unwrap()
            .len(),
        16
    );
}
