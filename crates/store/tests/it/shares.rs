//! SHR-1..SHR-10 in the hub store, on both backends: one room per object, recipients by token
//! hash, revocation and expiry, consents, events (first access once), counts, export marks,
//! staff accounts.

use immohub_store::{
    ConsentSettings, EventFilter, EventKind, NewEvent, NewRecipient, NewRoom, NewShareFile, Store,
    StoreError,
};

use crate::on_both_backends;
use crate::support::t;

on_both_backends!(shr_1_to_10_share_story, staff_accounts_by_key_hash);

fn room(object_id: &str) -> NewRoom {
    NewRoom {
        object_kind: "unit".to_owned(),
        object_id: object_id.to_owned(),
        title: "Wohnung 7".to_owned(),
        consent: ConsentSettings {
            required: true,
            policy_text: Some("Widerruf …".to_owned()),
            policy_version: Some("1".to_owned()),
            terms_text: None,
            terms_version: None,
        },
        first_access_activity: true,
        created_by: "erika".to_owned(),
        at: t(0),
    }
}

async fn shr_1_to_10_share_story(store: &dyn Store) {
    let r = store.create_room(&room("1.100.1.7")).await.unwrap();
    assert!(r.consent_required && r.first_access_activity);
    assert!(matches!(
        store.create_room(&room("1.100.1.7")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .room_by_object("unit", "1.100.1.7")
            .await
            .unwrap()
            .unwrap()
            .id,
        r.id
    );
    let folder = store.add_folder(r.id, "Grundrisse", t(1)).await.unwrap();
    assert!(matches!(
        store.add_folder(r.id, "Grundrisse", t(1)).await,
        Err(StoreError::Conflict(_))
    ));
    let f = store
        .add_file(&NewShareFile {
            room_id: r.id,
            folder_id: Some(folder.id),
            name: "EG.pdf".to_owned(),
            size: 5_000_000_000,
            content_type: "application/pdf".to_owned(),
            sha256: "ab".to_owned(),
            storage_key: "0123456789abcdef0123456789abcdef".to_owned(),
            created_by: "erika".to_owned(),
            at: t(2),
        })
        .await
        .unwrap();
    assert_eq!(f.size, 5_000_000_000);
    assert_eq!(store.file(r.id, f.id).await.unwrap().unwrap(), f);
    let other = store.create_room(&room("1.100.1.8")).await.unwrap();
    assert_eq!(store.file(other.id, f.id).await.unwrap(), None);

    let rec = store
        .add_recipient(&NewRecipient {
            room_id: r.id,
            kind: "address".to_owned(),
            source_ref: None,
            name: "Max".to_owned(),
            email: Some("max@example.de".to_owned()),
            token_hash: "hash-1".to_owned(),
            expires_at: Some(t(100)),
            at: t(3),
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .recipient_by_token_hash("hash-1")
            .await
            .unwrap()
            .unwrap()
            .id,
        rec.id
    );
    assert!(rec.active_at(t(99)) && !rec.active_at(t(100)));
    store
        .set_recipient_revoked(rec.id, Some(t(4)), t(4))
        .await
        .unwrap();
    let revoked = store.recipient(rec.id).await.unwrap().unwrap();
    assert!(!revoked.active_at(t(5)));
    store
        .set_recipient_revoked(rec.id, None, t(5))
        .await
        .unwrap();
    store
        .set_recipient_expiry(rec.id, None, t(5))
        .await
        .unwrap();
    assert!(
        store
            .recipient(rec.id)
            .await
            .unwrap()
            .unwrap()
            .active_at(t(10_000))
    );
    store
        .set_recipient_token(rec.id, "hash-2", t(6))
        .await
        .unwrap();
    assert!(
        store
            .recipient_by_token_hash("hash-1")
            .await
            .unwrap()
            .is_none()
    );

    assert!(store.latest_consent(rec.id).await.unwrap().is_none());
    store.record_consent(rec.id, "1", None, t(7)).await.unwrap();
    store
        .record_consent(rec.id, "2", Some("3"), t(8))
        .await
        .unwrap();
    let c = store.latest_consent(rec.id).await.unwrap().unwrap();
    assert_eq!(
        (
            c.policy_version.as_str(),
            c.terms_version.as_deref(),
            c.accepted_at
        ),
        ("2", Some("3"), t(8))
    );

    for (kind, file, at) in [
        (EventKind::Open, None, 10),
        (EventKind::Open, None, 11),
        (EventKind::View, Some(f.id), 12),
        (EventKind::Download, Some(f.id), 13),
    ] {
        store
            .record_event(
                &NewEvent {
                    room_id: r.id,
                    recipient_id: rec.id,
                    kind,
                    file_id: file,
                    at: t(at),
                },
                true,
            )
            .await
            .unwrap();
    }
    let all = store
        .events(&EventFilter {
            room_id: Some(r.id),
            limit: 100,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let kinds: Vec<EventKind> = all.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::FirstAccess,
            EventKind::Open,
            EventKind::Open,
            EventKind::View,
            EventKind::Download
        ]
    );
    assert_eq!(
        store
            .recipient(rec.id)
            .await
            .unwrap()
            .unwrap()
            .first_access_at,
        Some(t(10))
    );
    let counts = store.event_counts(r.id).await.unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!(
        (counts[0].opens, counts[0].views, counts[0].downloads),
        (2, 1, 1)
    );
    assert_eq!(counts[1].recipient_id, Some(rec.id));
    assert_eq!(counts[1].last_at, Some(t(13)));

    let ids: Vec<i64> = all.iter().take(3).map(|e| e.id).collect();
    assert_eq!(store.mark_events_exported(&ids, t(20)).await.unwrap(), 3);
    assert_eq!(store.mark_events_exported(&ids, t(21)).await.unwrap(), 0);
    let open = store
        .events(&EventFilter {
            unexported: true,
            limit: 100,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 2);

    let gone = store.delete_file(r.id, f.id).await.unwrap().unwrap();
    assert_eq!(gone.storage_key, f.storage_key);
    assert!(store.files(r.id).await.unwrap().is_empty());
}

async fn staff_accounts_by_key_hash(store: &dyn Store) {
    store
        .create_staff("erika", Some("e@x.de"), "k1", t(0))
        .await
        .unwrap();
    assert!(matches!(
        store.create_staff("erika", None, "k2", t(0)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.staff_by_key_hash("k1").await.unwrap().unwrap().name,
        "erika"
    );
    assert!(store.revoke_staff("erika", t(1)).await.unwrap());
    assert!(!store.revoke_staff("erika", t(1)).await.unwrap());
    assert!(store.staff_by_key_hash("k1").await.unwrap().is_none());
    assert_eq!(store.staff_list().await.unwrap().len(), 1);
}
