//! The inbox (PRO-2, GEN-11) on both backends: idempotent insert, claims that share the work
//! and expire, the end of an attempt with its protocol line.

use chrono::Duration;
use immohub_domain::profile::FeedKind;
use immohub_store::{
    Counts, InboxDone, InboxInsert, InboxKind, InboxResult, InboxStatus, NewInboxItem, NewReview,
    NewRun, Outcome, RecordStatus, ReviewDecision, Store, StoreError,
};
use serde_json::json;

use crate::on_both_backends;
use crate::support::t;

on_both_backends!(
    pro_2_inbox_insert_is_idempotent_per_connection,
    gen_11_claims_share_the_work_and_expire,
    gen_11_attempt_end_writes_status_outcome_and_counts_once,
    gen_11_concurrent_claims_never_overlap,
    pro_3_review_list_holds_the_item_until_staff_decide,
);

fn item(conn: &str, key: &str, hash: &str, minute: i64) -> NewInboxItem {
    NewInboxItem {
        connection: conn.to_owned(),
        kind: InboxKind::Prospect,
        idempotency_key: key.to_owned(),
        source: "api".to_owned(),
        payload: json!({ "unit_id": "1.1.1.1", "surname": format!("Name {hash}") }),
        payload_hash: hash.to_owned(),
        received_at: t(minute),
    }
}

async fn run(store: &dyn Store, conn: &str) -> i64 {
    store
        .start_run(&NewRun {
            use_case: "interessenten".to_owned(),
            connection: conn.to_owned(),
            direction: "partner_to_erp".to_owned(),
            trigger: "manual".to_owned(),
            started_at: t(0),
        })
        .await
        .unwrap()
}

fn done(id: i64, holder: &str, run_id: i64, result: InboxResult, minute: i64) -> InboxDone {
    let status = match result {
        InboxResult::Written { .. } => RecordStatus::Sent,
        _ => RecordStatus::Failed,
    };
    InboxDone {
        id,
        holder: holder.to_owned(),
        run_id,
        result,
        at: t(minute),
        outcome: Outcome {
            run_id,
            connection: "a".to_owned(),
            feed: FeedKind::Prospect,
            erp_key: format!("a:{id}"),
            partner_id: Some(format!("key-{id}")),
            status,
            reason: None,
            rule: None,
            at: t(minute),
        },
        counts: Counts {
            read: 1,
            sent: i64::from(status == RecordStatus::Sent),
            failed: i64::from(status != RecordStatus::Sent),
            ..Counts::default()
        },
        notify: Vec::new(),
    }
}

async fn pro_2_inbox_insert_is_idempotent_per_connection(store: &dyn Store) {
    let first = store.insert_inbox(&item("a", "k1", "h1", 0)).await.unwrap();
    let InboxInsert::Created(created) = first else {
        panic!("not created: {first:?}")
    };
    assert_eq!(created.status, InboxStatus::Received);
    assert_eq!(created.attempts, 0);
    assert_eq!(created.next_attempt_at, t(0));
    assert_eq!(created.received_at, t(0));
    assert_eq!(created.payload["surname"], "Name h1");
    assert_eq!(created.claimed_by, None);

    // The same key and content again (later): the same item, unchanged.
    let again = store.insert_inbox(&item("a", "k1", "h1", 5)).await.unwrap();
    assert_eq!(again, InboxInsert::Existing(created.clone()));

    // The same key with other content: a conflict, and the item stays as it was.
    let err = store
        .insert_inbox(&item("a", "k1", "h2", 6))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("k1")),
        "{err}"
    );
    assert_eq!(
        store.inbox_item("a", created.id).await.unwrap(),
        Some(created.clone())
    );

    // Another connection may use the same key; it cannot see a's item.
    let other = store.insert_inbox(&item("b", "k1", "h2", 7)).await.unwrap();
    assert!(matches!(other, InboxInsert::Created(_)));
    assert_ne!(other.item().id, created.id);
    assert_eq!(store.inbox_item("b", created.id).await.unwrap(), None);
    assert_eq!(
        store
            .inbox_by_key("a", InboxKind::Prospect, "k1")
            .await
            .unwrap()
            .map(|i| i.id),
        Some(created.id)
    );
    assert_eq!(
        store
            .inbox_by_key("a", InboxKind::Prospect, "k2")
            .await
            .unwrap(),
        None
    );
    let listed = store
        .inbox_items("a", InboxKind::Prospect, None, 10)
        .await
        .unwrap();
    assert_eq!(listed, vec![created]);
    assert!(
        store
            .inbox_items("a", InboxKind::Prospect, Some(InboxStatus::Written), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn gen_11_claims_share_the_work_and_expire(store: &dyn Store) {
    let mut ids = Vec::new();
    for n in 0..5 {
        let i = store
            .insert_inbox(&item("a", &format!("k{n}"), "h", n))
            .await
            .unwrap();
        ids.push(i.item().id);
    }
    store.insert_inbox(&item("b", "kb", "h", 0)).await.unwrap();
    let lease = Duration::minutes(5);
    let now = t(10);
    let claim = |holder: &'static str, conn: Option<&'static str>, limit: u32, at| async move {
        store
            .claim_inbox(InboxKind::Prospect, conn, holder, limit, lease, at)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect::<Vec<_>>()
    };
    // Oldest due first; one connection only when asked.
    assert_eq!(claim("w1", Some("a"), 3, now).await, ids[..3]);
    assert_eq!(claim("w2", Some("a"), 10, now).await, ids[3..]);
    assert!(claim("w3", Some("a"), 10, now).await.is_empty(), "all held");
    let held = store.inbox_item("a", ids[0]).await.unwrap().unwrap();
    assert_eq!(held.claimed_by.as_deref(), Some("w1"));
    assert_eq!(held.claimed_until, Some(now + lease));
    // Without a connection: b's item.
    assert_eq!(claim("w3", None, 10, now).await.len(), 1);

    // Items not yet received are not due.
    store
        .insert_inbox(&item("a", "later", "h", 60))
        .await
        .unwrap();
    // w1 gives one item back: at once claimable again.
    store.release_inbox("w1", &[ids[0]]).await.unwrap();
    store.release_inbox("w2", &[ids[1]]).await.unwrap(); // not w2's: no effect
    assert_eq!(claim("w3", Some("a"), 10, now).await, [ids[0]]);

    // After the lease, a dead worker's items go to another.
    let later = now + lease + Duration::seconds(1);
    assert_eq!(claim("w4", Some("a"), 10, later).await, ids[..5]);
    // The old holder cannot finish an item it lost.
    let run_id = run(store, "a").await;
    let lost = done(
        ids[1],
        "w1",
        run_id,
        InboxResult::Written {
            erp_id: "7".to_owned(),
        },
        16,
    );
    assert!(!store.finish_inbox(&lost).await.unwrap());
    let item = store.inbox_item("a", ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (item.status, item.claimed_by.as_deref()),
        (InboxStatus::Received, Some("w4"))
    );
    assert!(store.run_outcomes(run_id, 10).await.unwrap().is_empty());
}

async fn gen_11_attempt_end_writes_status_outcome_and_counts_once(store: &dyn Store) {
    let run_id = run(store, "a").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let i = store
            .insert_inbox(&item("a", &format!("k{n}"), "h", 0))
            .await
            .unwrap();
        ids.push(i.item().id);
    }
    let lease = Duration::minutes(5);
    let claimed = store
        .claim_inbox(InboxKind::Prospect, None, "w", 10, lease, t(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);

    // Written.
    let written = done(
        ids[0],
        "w",
        run_id,
        InboxResult::Written {
            erp_id: "4711".to_owned(),
        },
        2,
    );
    assert!(store.finish_inbox(&written).await.unwrap());
    let i = store.inbox_item("a", ids[0]).await.unwrap().unwrap();
    assert_eq!(i.status, InboxStatus::Written);
    assert_eq!(i.erp_id.as_deref(), Some("4711"));
    assert_eq!(i.attempts, 1);
    assert_eq!(i.run_id, Some(run_id));
    assert_eq!((i.claimed_by, i.claimed_until), (None, None));
    // Finishing twice writes nothing more.
    assert!(!store.finish_inbox(&written).await.unwrap());

    // A transient error: due again only at the retry time, with the error kept.
    let retry = done(
        ids[1],
        "w",
        run_id,
        InboxResult::Retry {
            error: "ERP nicht erreichbar".to_owned(),
            next_attempt_at: t(30),
        },
        2,
    );
    assert!(store.finish_inbox(&retry).await.unwrap());
    let i = store.inbox_item("a", ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (i.status, i.attempts, i.next_attempt_at),
        (InboxStatus::Received, 1, t(30))
    );
    assert_eq!(i.error.as_deref(), Some("ERP nicht erreichbar"));

    // Failed and dead items are not due any more.
    let failed = done(
        ids[2],
        "w",
        run_id,
        InboxResult::Failed {
            error: "Einheit unbekannt".to_owned(),
            rule: Some("PRO-1".to_owned()),
        },
        2,
    );
    assert!(store.finish_inbox(&failed).await.unwrap());
    let dead = done(
        ids[3],
        "w",
        run_id,
        InboxResult::Dead {
            error: "zu viele Versuche".to_owned(),
        },
        2,
    );
    assert!(store.finish_inbox(&dead).await.unwrap());
    let i = store.inbox_item("a", ids[2]).await.unwrap().unwrap();
    assert_eq!(
        (i.status, i.rule.as_deref()),
        (InboxStatus::Failed, Some("PRO-1"))
    );
    let claim = |at| store.claim_inbox(InboxKind::Prospect, None, "w2", 10, lease, at);
    assert!(claim(t(29)).await.unwrap().is_empty());
    let due: Vec<i64> = claim(t(30)).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(due, [ids[1]]);

    // One protocol line per finished attempt, and the run's counters.
    let outcomes = store.run_outcomes(run_id, 10).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes.iter().all(|o| o.feed == FeedKind::Prospect));
    let r = store.run(run_id).await.unwrap().unwrap();
    assert_eq!((r.counts.read, r.counts.sent, r.counts.failed), (4, 1, 3));
    let only_written = store
        .inbox_items("a", InboxKind::Prospect, Some(InboxStatus::Written), 10)
        .await
        .unwrap();
    assert_eq!(only_written.len(), 1);

    // An unknown run rolls the whole attempt back.
    let mut orphan = done(
        ids[1],
        "w2",
        run_id + 100,
        InboxResult::Written {
            erp_id: "1".to_owned(),
        },
        31,
    );
    orphan.outcome.run_id = run_id + 100;
    assert!(matches!(
        store.finish_inbox(&orphan).await,
        Err(StoreError::NotFound(_))
    ));
    let i = store.inbox_item("a", ids[1]).await.unwrap().unwrap();
    assert_eq!(i.status, InboxStatus::Received);
}

async fn gen_11_concurrent_claims_never_overlap(store: &dyn Store) {
    for n in 0..40 {
        store
            .insert_inbox(&item("a", &format!("k{n}"), "h", 0))
            .await
            .unwrap();
    }
    let lease = Duration::minutes(5);
    let run_id = run(store, "a").await;
    // Each worker finishes what it claimed, as the inbound worker does: a holder's own open
    // claims are handed back to it (a restarted instance resumes its work), so a worker that
    // never finished would see the same items again.
    let claim = |holder: &'static str| async move {
        let mut mine = Vec::new();
        loop {
            let got = store
                .claim_inbox(InboxKind::Prospect, None, holder, 3, lease, t(1))
                .await
                .unwrap();
            if got.is_empty() {
                return mine;
            }
            assert!(got.iter().all(|i| i.claimed_by.as_deref() == Some(holder)));
            for i in got {
                let finished = store
                    .finish_inbox(&done(
                        i.id,
                        holder,
                        run_id,
                        InboxResult::Written {
                            erp_id: format!("erp-{}", i.id),
                        },
                        2,
                    ))
                    .await
                    .unwrap();
                assert!(finished, "{holder} finishes its own claim {}", i.id);
                mine.push(i.id);
            }
        }
    };
    let (a, b, c) = futures::join!(claim("w1"), claim("w2"), claim("w3"));
    let mut all: Vec<i64> = a.iter().chain(&b).chain(&c).copied().collect();
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every item exactly once");
}

async fn pro_3_review_list_holds_the_item_until_staff_decide(store: &dyn Store) {
    let run_id = run(store, "a").await;
    let id = store
        .insert_inbox(&item("a", "twin", "h", 0))
        .await
        .unwrap()
        .item()
        .id;
    let lease = Duration::minutes(5);
    let claimed = store
        .claim_inbox(InboxKind::Prospect, None, "w", 10, lease, t(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let review = InboxResult::Review(NewReview {
        client_no: "1".to_owned(),
        candidates: json!([{"person_id": "100007", "score": 0.78, "reasons": []}]),
        summary: "Dublettenprüfung unsicher".to_owned(),
    });
    assert!(
        store
            .finish_inbox(&done(id, "w", run_id, review, 2))
            .await
            .unwrap()
    );
    let i = store.inbox_item("a", id).await.unwrap().unwrap();
    assert_eq!(i.status, InboxStatus::Review);
    assert_eq!(i.rule.as_deref(), Some("PRO-3"));
    // Not due while in review.
    let due = store
        .claim_inbox(InboxKind::Prospect, None, "w", 10, lease, t(60))
        .await
        .unwrap();
    assert!(due.is_empty());
    let open = store.reviews(Some("a"), true, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].item_id, id);
    assert_eq!(open[0].candidates[0]["person_id"], "100007");
    assert_eq!(open[0].payload["surname"], "Name h");
    assert!(store.reviews(Some("b"), true, 10).await.unwrap().is_empty());

    let link = ReviewDecision::Link {
        person_no: "100007".to_owned(),
    };
    assert!(store.decide_review(id, &link, "anna", t(61)).await.unwrap());
    assert!(
        !store
            .decide_review(id, &ReviewDecision::New, "bert", t(62))
            .await
            .unwrap()
    );
    let r = store.review(id).await.unwrap().unwrap();
    assert_eq!(r.decision, Some(link));
    assert_eq!(r.decided_by.as_deref(), Some("anna"));
    assert_eq!(r.decided_at, Some(t(61)));
    assert!(store.reviews(None, true, 10).await.unwrap().is_empty());
    assert_eq!(store.reviews(None, false, 10).await.unwrap().len(), 1);
    // Due again at once.
    let due = store
        .claim_inbox(InboxKind::Prospect, None, "w", 10, lease, t(61))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].status, InboxStatus::Received);
}
