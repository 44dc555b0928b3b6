//! Security: tokens, consent on every file URL, revocation and expiry at once, no
//! enumeration, no path traversal, rate limiting, staff authentication.

use immohub_shares::SharesConfig;
use immohub_shares::token::hash_token;
use immohub_store::ShareStore;
use serde_json::json;

use crate::support::{start, start_with};

#[tokio::test]
async fn shr_2_tokens_have_256_random_bits_and_only_hashes_are_stored() {
    let env = start().await;
    let room = env.room("1.100.1.7", false).await;
    let (id_a, a) = env.recipient(room, "a@example.de").await;
    let (_, b) = env.recipient(room, "b@example.de").await;
    assert_eq!(a.len(), 43);
    assert_ne!(a, b);
    let r = env.store.recipient(id_a).await.unwrap().unwrap();
    assert_eq!(r.token_hash, hash_token(&a));
    assert_ne!(r.token_hash, a);
    // The clear token is nowhere in the database file.
    env.store.close().await;
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(!bytes.windows(a.len()).any(|w| w == a.as_bytes()));
    }
}

#[tokio::test]
async fn shr_4_consent_is_enforced_on_every_file_url() {
    let env = start().await;
    let room = env.room("1.100.1.8", true).await;
    let file = env
        .file(room, None, "Grundriss.pdf", b"%PDF-1.4 plan".to_vec())
        .await;
    let (rid, token) = env.recipient(room, "c@example.de").await;

    let (status, page) = env.get(&format!("/r/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Widerrufsbelehrung") && page.contains("2024-01"));
    assert!(
        !page.contains("Grundriss.pdf"),
        "nothing of the room before consent"
    );
    for path in [
        format!("/r/{token}/files/{file}"),
        format!("/r/{token}/files/{file}/download"),
        format!("/r/{token}/zip"),
    ] {
        let (status, body) = env.get_bytes(&path).await;
        assert_eq!(status, 303, "{path}");
        assert!(!body.windows(4).any(|w| w == b"%PDF"));
    }
    // Only the policy, not the terms: refused with the reason.
    let r = env
        .http
        .post(env.url(&format!("/r/{token}/consent")))
        .form(&[("policy", "ja")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("AGB"));
    env.accept(&token).await;
    let c = env.store.latest_consent(rid).await.unwrap().unwrap();
    assert_eq!(
        (c.policy_version.as_str(), c.terms_version.as_deref()),
        ("2024-01", Some("3"))
    );
    let (status, body) = env.get_bytes(&format!("/r/{token}/files/{file}")).await;
    assert_eq!((status, body), (200, b"%PDF-1.4 plan".to_vec()));

    // A new policy version asks again (SHR-9: a change for every recipient).
    let r = env
        .http
        .patch(env.url(&format!("/staff/v1/rooms/{room}")))
        .header("X-Staff-Key", &env.staff_key)
        .json(&json!({"consent": {"required": true, "policy_text": "neu", "policy_version": "2025-01"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let changed: serde_json::Value = r.json().await.unwrap();
    assert!(
        changed["notice"]
            .as_str()
            .unwrap()
            .contains("alle 1 Empfänger")
    );
    let (status, _) = env.get_bytes(&format!("/r/{token}/files/{file}")).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn shr_8_shr_10_revoked_and_expired_links_stop_at_once_and_look_like_unknown_ones() {
    let env = start().await;
    let room = env.room("1.100.1.9", false).await;
    let file = env.file(room, None, "Expose.pdf", b"expose".to_vec()).await;
    let (a, ta) = env.recipient(room, "a@example.de").await;
    let (b, tb) = env.recipient(room, "b@example.de").await;
    assert_eq!(env.get(&format!("/r/{ta}")).await.0, 200);
    assert_eq!(
        env.get(&format!("/r/{tb}/files/{file}/download")).await.0,
        200
    );

    let (status, _) = env
        .staff_post(&format!("/staff/v1/recipients/{a}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (s_revoked, revoked) = env.get(&format!("/r/{ta}/files/{file}/download")).await;
    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let (status, _) = env
        .staff_post(
            &format!("/staff/v1/recipients/{b}/expiry"),
            json!({"expires_at": past}),
        )
        .await;
    assert_eq!(status, 200);
    let (s_expired, expired) = env.get(&format!("/r/{tb}")).await;
    let unknown_token = immohub_shares::token::new_token();
    let (s_unknown, unknown) = env.get(&format!("/r/{unknown_token}")).await;
    assert_eq!((s_revoked, s_expired, s_unknown), (410, 410, 410));
    assert!(revoked.contains("Link ungültig oder abgelaufen"));
    assert_eq!(revoked, expired);
    assert_eq!(revoked, unknown);

    // Restored: works again.
    env.staff_post(&format!("/staff/v1/recipients/{a}/restore"), json!({}))
        .await;
    assert_eq!(env.get(&format!("/r/{ta}")).await.0, 200);
}

#[tokio::test]
async fn no_path_traversal_through_names_ids_or_tokens() {
    let env = start().await;
    let room = env.room("1.100.2.1", false).await;
    let other = env.room("1.100.2.2", false).await;
    let secret = env.file(other, None, "fremd.pdf", b"fremd".to_vec()).await;
    let (_, token) = env.recipient(room, "a@example.de").await;
    for name in ["../../etc/passwd", "a/b.pdf", "..", "x\\y.pdf", ""] {
        let (status, err) = env.upload(room, None, name, b"x".to_vec()).await;
        assert_eq!(status, 422, "{name}: {err}");
        assert_eq!(err["error"]["field"], "name");
    }
    for path in [
        format!("/r/{token}/files/{secret}"),
        format!("/r/{token}/files/..%2F..%2Fhub.db"),
        format!("/r/{token}/files/%2e%2e/download"),
        "/r/..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        let (status, body) = env.get_bytes(&path).await;
        assert!(status == 410 || status == 404, "{path}: {status}");
        assert!(!body.windows(5).any(|w| w == b"fremd"), "{path}");
    }
    // Files on disk have generated names only.
    for e in std::fs::read_dir(env.dir.path().join("shares")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn upload_size_limit_keeps_nothing() {
    let env = start_with(
        SharesConfig {
            max_upload_bytes: 1000,
            ..SharesConfig::default()
        },
        |s| s,
    )
    .await;
    let room = env.room("1.100.3.1", false).await;
    let (status, err) = env.upload(room, None, "gross.pdf", vec![7u8; 5000]).await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1000 Bytes")
    );
    assert_eq!(
        std::fs::read_dir(env.dir.path().join("shares"))
            .unwrap()
            .count(),
        0
    );
    assert!(env.store.files(room).await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_tokens_are_rate_limited_per_ip() {
    let env = start_with(
        SharesConfig {
            bad_tokens_per_minute: 5,
            ..SharesConfig::default()
        },
        |s| s,
    )
    .await;
    let room = env.room("1.100.4.1", false).await;
    let (_, token) = env.recipient(room, "a@example.de").await;
    assert_eq!(env.get(&format!("/r/{token}")).await.0, 200);
    for _ in 0..5 {
        let guess = immohub_shares::token::new_token();
        assert_eq!(env.get(&format!("/r/{guess}")).await.0, 410);
    }
    let guess = immohub_shares::token::new_token();
    let (status, page) = env.get(&format!("/r/{guess}")).await;
    assert_eq!(status, 429);
    assert!(page.contains("Zu viele Versuche"));
    // Blocked for valid tokens too, while the window lasts.
    assert_eq!(env.get(&format!("/r/{token}")).await.0, 429);
}

#[tokio::test]
async fn staff_endpoints_need_staff_keys_and_partner_keys_do_not_work() {
    let env = start().await;
    let partner_key = "ihk_partner";
    immohub_store::Store::upsert_connection(
        env.store.as_ref(),
        &immohub_store::Connection {
            name: "immomio".to_owned(),
            profile: "immomio".to_owned(),
            api_key_hash: immohub_api::hash_api_key(partner_key),
            clients: vec!["1".to_owned()],
            config: json!({}),
        },
    )
    .await
    .unwrap();
    let r = env
        .http
        .get(env.url("/staff/v1/rooms"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Mitarbeiter")
    );
    let r = env
        .http
        .get(env.url("/staff/v1/rooms"))
        .bearer_auth(partner_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // The staff key on the partner API.
    let r = env
        .http
        .get(env.url("/v1/feeds"))
        .bearer_auth(&env.staff_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(env.staff_get("/staff/v1/rooms").await.0, 200);
    // Revoked staff: at once.
    env.store
        .revoke_staff("erika", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(env.staff_get("/staff/v1/rooms").await.0, 401);
}

#[tokio::test]
async fn shr_1_one_room_per_object_and_fields_are_named() {
    let env = start().await;
    env.room("1.100.5.1", false).await;
    let (status, err) = env
        .staff_post(
            "/staff/v1/rooms",
            json!({"object_kind": "unit", "object_id": "1.100.5.1", "title": "nochmal"}),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("SHR-1"));
    let (status, err) = env
        .staff_post(
            "/staff/v1/rooms",
            json!({"object_kind": "garage", "object_id": "1", "title": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "object_kind");
    let (status, err) = env
        .staff_post(
            "/staff/v1/rooms",
            json!({"object_kind": "unit", "object_id": "2", "title": "x",
                   "consent": {"required": true, "policy_version": "1"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "consent.policy_text");
}
