//! GEN-6: run leases (a run never overlaps itself, across processes) and schedule claims
//! (two instances never both start the same due run), on both backends.

use chrono::Duration;
use futures::future::join_all;
use immohub_domain::UseCase;
use immohub_store::Store;

use crate::on_both_backends;
use crate::support::t;

const CONN: &str = "immomio-prod";

on_both_backends!(
    gen_6_lease_excludes_others_until_released_or_expired,
    gen_6_lease_of_concurrent_acquirers_goes_to_one,
    gen_6_schedule_claim_is_compare_and_set,
);

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

async fn gen_6_lease_excludes_others_until_released_or_expired(store: &dyn Store) {
    let uc = UseCase::Stammdaten;
    let ttl = secs(60);
    let a = store
        .try_acquire_lease(CONN, uc, "host-a/1", t(0), ttl)
        .await
        .unwrap()
        .expect("free lease is taken");
    assert_eq!(
        (a.holder.as_str(), a.generation, a.acquired_at, a.expires_at),
        ("host-a/1", 1, t(0), t(0) + ttl)
    );
    assert_eq!(store.lease(CONN, uc).await.unwrap(), Some(a.clone()));
    assert!(a.is_active(t(0) + secs(59)));

    // Held: nobody else gets it, not even the same holder a second time.
    for holder in ["host-b/2", "host-a/1"] {
        let got = store
            .try_acquire_lease(CONN, uc, holder, t(0) + secs(30), ttl)
            .await
            .unwrap();
        assert_eq!(got, None, "{holder}");
    }
    // Other use cases and connections are independent.
    assert!(
        store
            .try_acquire_lease(CONN, UseCase::TicketsIn, "host-b/2", t(0), ttl)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .try_acquire_lease("casavi-prod", uc, "host-b/2", t(0), ttl)
            .await
            .unwrap()
            .is_some()
    );

    // Renewed while the run lasts: still excluded after the first time to live.
    let a = store
        .renew_lease(&a, t(0) + secs(50), ttl)
        .await
        .unwrap()
        .expect("own lease renewed");
    assert_eq!(a.expires_at, t(0) + secs(110));
    assert_eq!(
        store
            .try_acquire_lease(CONN, uc, "host-b/2", t(0) + secs(100), ttl)
            .await
            .unwrap(),
        None
    );

    // The holder died: once expired, another takes over (next generation).
    let b = store
        .try_acquire_lease(CONN, uc, "host-b/2", t(0) + secs(110), ttl)
        .await
        .unwrap()
        .expect("expired lease is taken over");
    assert_eq!((b.holder.as_str(), b.generation), ("host-b/2", 2));
    // The old holder can neither renew nor release its successor's lease.
    assert_eq!(
        store.renew_lease(&a, t(0) + secs(111), ttl).await.unwrap(),
        None
    );
    assert!(!store.release_lease(&a, t(0) + secs(111)).await.unwrap());
    assert_eq!(store.lease(CONN, uc).await.unwrap(), Some(b.clone()));

    // Released: free at once.
    assert!(store.release_lease(&b, t(0) + secs(120)).await.unwrap());
    assert!(!store.release_lease(&b, t(0) + secs(120)).await.unwrap());
    let stored = store.lease(CONN, uc).await.unwrap().unwrap();
    assert!(!stored.is_active(t(0) + secs(120)));
    let c = store
        .try_acquire_lease(CONN, uc, "host-a/1", t(0) + secs(120), ttl)
        .await
        .unwrap()
        .expect("released lease is free");
    assert_eq!(c.generation, 3);
}

async fn gen_6_lease_of_concurrent_acquirers_goes_to_one(store: &dyn Store) {
    let uc = UseCase::Stammdaten;
    let ttl = secs(60);
    for (round, at) in [(1, t(0)), (2, t(1) + secs(1))] {
        let holders: Vec<String> = (0..8).map(|i| format!("host-{i}")).collect();
        let tries = holders
            .iter()
            .map(|h| store.try_acquire_lease(CONN, uc, h, at, ttl));
        let won: Vec<_> = join_all(tries)
            .await
            .into_iter()
            .filter_map(|r| r.unwrap())
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {won:?}");
        assert_eq!(won[0].generation, round);
        assert_eq!(store.lease(CONN, uc).await.unwrap(), Some(won[0].clone()));
    }
}

async fn gen_6_schedule_claim_is_compare_and_set(store: &dyn Store) {
    let uc = UseCase::Stammdaten;
    let text = "Di, Do, So 02:00";
    let (due, next) = (t(60), t(60 * 24 * 2));

    let s = store
        .ensure_schedule(CONN, uc, text, Some(due), t(0))
        .await
        .unwrap();
    assert_eq!((s.schedule.as_str(), s.next_due_at), (text, Some(due)));
    assert_eq!((s.last_claimed_at, s.claimed_by), (None, None));

    // Ensured again (a restart) with the same schedule: the due time stays, so a run missed
    // during downtime is still due.
    let s = store
        .ensure_schedule(CONN, uc, text, Some(t(10_000)), t(5_000))
        .await
        .unwrap();
    assert_eq!(s.next_due_at, Some(due));

    // Two instances find it due at the same time: exactly one claims it.
    let claims = ["serve-1", "serve-2", "serve-3", "serve-4"]
        .map(|h| store.claim_due(CONN, uc, due, Some(next), h, t(61)));
    let results: Vec<bool> = join_all(claims)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(results.iter().filter(|w| **w).count(), 1, "{results:?}");
    let winner =
        ["serve-1", "serve-2", "serve-3", "serve-4"][results.iter().position(|w| *w).unwrap()];
    let s = store.schedule_state(CONN, uc).await.unwrap().unwrap();
    assert_eq!(s.next_due_at, Some(next));
    assert_eq!(s.last_claimed_at, Some(t(61)));
    assert_eq!(s.claimed_by.as_deref(), Some(winner));

    // A claim of the old due time fails: it was taken.
    assert!(
        !store
            .claim_due(CONN, uc, due, Some(next), "serve-2", t(62))
            .await
            .unwrap()
    );

    // A changed schedule gets the new due time; manual has none and cannot be claimed.
    let s = store
        .ensure_schedule(CONN, uc, "täglich 03:00", Some(t(200)), t(100))
        .await
        .unwrap();
    assert_eq!(
        (s.schedule.as_str(), s.next_due_at),
        ("täglich 03:00", Some(t(200)))
    );
    let s = store
        .ensure_schedule(CONN, UseCase::Leerstaende, "manuell", None, t(100))
        .await
        .unwrap();
    assert_eq!(s.next_due_at, None);
    assert!(
        !store
            .claim_due(CONN, UseCase::Leerstaende, t(100), None, "serve-1", t(100))
            .await
            .unwrap()
    );

    let all = store.schedule_states().await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.use_case).collect::<Vec<_>>(),
        [UseCase::Leerstaende, UseCase::Stammdaten]
    );
    assert_eq!(
        store
            .schedule_state("nobody", UseCase::Stammdaten)
            .await
            .unwrap(),
        None
    );
}
