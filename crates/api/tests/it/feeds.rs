//! Change feeds: isolation per connection, paging, acknowledgement.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{KEY_A, KEY_B, TestApp, assert_error, ids, send, seqs};

#[tokio::test]
async fn feed_list_follows_the_profile_with_head_and_cursor() {
    let app = TestApp::spawn().await;
    let body = app.get_ok("/v1/feeds", KEY_A).await;
    let feeds = body["feeds"].as_array().unwrap();
    let names: Vec<&str> = feeds.iter().map(|f| f["feed"].as_str().unwrap()).collect();
    // Immomio receives stock, leases, tenants and vacancies; no clients, ownerships or owners
    // (STM-1).
    assert_eq!(
        names,
        [
            "properties",
            "buildings",
            "units",
            "leases",
            "tenants",
            "vacancies"
        ]
    );
    let units = &feeds[2];
    assert_eq!(units["label"], "Einheiten");
    let page = app.get_ok("/v1/feeds/units?limit=1000", KEY_A).await;
    assert_eq!(units["head"], *seqs(&page).last().unwrap());
    assert_eq!(units["cursor"], 0);
    assert_eq!(units["has_more"], true);
    assert_eq!(feeds[0]["head"], 0);
    assert_eq!(feeds[0]["has_more"], false);

    // casavi also receives ownerships and owners.
    let body = app.get_ok("/v1/feeds", KEY_B).await;
    let names: Vec<&str> = body["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feed"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"owners") && names.contains(&"ownerships"));
    app.stop().await;
}

#[tokio::test]
async fn gen_2_connection_sees_only_its_own_feed() {
    let app = TestApp::spawn().await;
    let a = app.get_ok("/v1/feeds/units", KEY_A).await;
    assert_eq!(
        ids(&a),
        [
            "1/1/1/1", "1/1/1/2", "1/1/1/3", "1/1/1/4", "1/1/1/5", "1/1/1/1", "1/1/1/5"
        ]
    );
    let b = app.get_ok("/v1/feeds/units", KEY_B).await;
    assert_eq!(ids(&b), ["2-1-1-1", "2-1-1-2"]);

    // A's profile has no owners feed: 404, not B's owners.
    let (status, body) = app.get("/v1/feeds/owners", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", None);
    assert_eq!(ids(&app.get_ok("/v1/feeds/owners", KEY_B).await), ["2-9"]);

    // B's records and runs do not exist for A.
    let (status, _) = app.get("/v1/records/units/2-1-1-1", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(&format!("/v1/runs/{}", app.runs.b1), Some(KEY_A))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Acknowledging moves only the caller's cursor.
    let head_b = *seqs(&b).last().unwrap();
    let (status, _) = app.ack("units", head_b, KEY_B).await;
    assert_eq!(status, StatusCode::OK);
    let a_again = app.get_ok("/v1/feeds/units", KEY_A).await;
    assert_eq!(ids(&a_again).len(), 7);
    app.stop().await;
}

#[tokio::test]
async fn items_carry_version_idempotency_key_and_data() {
    let app = TestApp::spawn().await;
    let page = app.get_ok("/v1/feeds/units", KEY_A).await;
    let items = page["items"].as_array().unwrap();
    let first = &items[0];
    assert_eq!(first["id"], "1/1/1/1");
    assert_eq!(first["op"], "upsert");
    assert_eq!(first["version"], 1);
    assert_eq!(first["idempotency_key"], "units:1/1/1/1:1");
    assert_eq!(
        first["data"],
        json!({ "id": "1/1/1/1", "type": "living", "rooms": 1 })
    );
    assert_eq!(first["changed_at"], "2024-05-01T08:00:00Z");

    let changed = &items[5];
    assert_eq!(changed["id"], "1/1/1/1");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["idempotency_key"], "units:1/1/1/1:2");
    assert_eq!(changed["data"]["rooms"], 7);

    let deleted = &items[6];
    assert_eq!(deleted["op"], "delete");
    assert_eq!(deleted["idempotency_key"], "units:1/1/1/5:2");
    assert!(deleted["data"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn feed_pages_with_after_limit_and_has_more() {
    let app = TestApp::spawn().await;
    let all = seqs(&app.get_ok("/v1/feeds/units?limit=1000", KEY_A).await);
    assert_eq!(all.len(), 7);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "oldest first: {all:?}");

    // Walk the feed in pages of 3 by `next_after`.
    let mut after = 0;
    let mut walked: Vec<i64> = Vec::new();
    let mut pages = 0;
    loop {
        let page = app
            .get_ok(&format!("/v1/feeds/units?after={after}&limit=3"), KEY_A)
            .await;
        pages += 1;
        let s = seqs(&page);
        assert!(s.len() <= 3);
        walked.extend(&s);
        after = page["next_after"].as_i64().unwrap();
        if let Some(last) = s.last() {
            assert_eq!(after, *last);
        }
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(walked, all);
    assert_eq!(pages, 3);

    // A page that exactly reaches the end says no more follow.
    let page = app
        .get_ok(&format!("/v1/feeds/units?after={}&limit=2", all[4]), KEY_A)
        .await;
    assert_eq!(seqs(&page), &all[5..]);
    assert_eq!(page["has_more"], false);

    // Past the end: empty, next_after stays where it was.
    let end = all[6];
    let page = app
        .get_ok(&format!("/v1/feeds/units?after={end}"), KEY_A)
        .await;
    assert!(seqs(&page).is_empty());
    assert_eq!(page["next_after"], end);
    assert_eq!(page["has_more"], false);
    app.stop().await;
}

#[tokio::test]
async fn bad_paging_parameters_are_400_with_field() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("after=-1", "after"),
        ("after=abc", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
    ] {
        let (status, body) = app
            .get(&format!("/v1/feeds/units?{query}"), Some(KEY_A))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_error(&body, "bad_request", Some(field));
    }
    let page = app.get_ok("/v1/feeds/units?limit=1000", KEY_A).await;
    assert_eq!(ids(&page).len(), 7);

    let (status, body) = app.get("/v1/feeds/flats", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", None);
    app.stop().await;
}

#[tokio::test]
async fn gen_11_ack_moves_cursor_and_default_after_follows_it() {
    let app = TestApp::spawn().await;
    let all = seqs(&app.get_ok("/v1/feeds/units?limit=1000", KEY_A).await);

    // A partner that always acknowledges just calls the feed without parameters.
    let page = app.get_ok("/v1/feeds/units?limit=3", KEY_A).await;
    assert_eq!(seqs(&page), &all[..3]);
    let (status, body) = app
        .ack("units", page["next_after"].as_i64().unwrap(), KEY_A)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cursor"], all[2]);

    let page = app.get_ok("/v1/feeds/units?limit=3", KEY_A).await;
    assert_eq!(seqs(&page), &all[3..6]);
    let feeds = app.get_ok("/v1/feeds", KEY_A).await;
    assert_eq!(feeds["feeds"][2]["cursor"], all[2]);

    // Acknowledging again, or an older position, changes nothing (idempotent).
    let (status, body) = app.ack("units", all[2], KEY_A).await;
    assert_eq!(
        (status, body["cursor"].as_i64()),
        (StatusCode::OK, Some(all[2]))
    );
    let (status, body) = app.ack("units", all[0], KEY_A).await;
    assert_eq!(
        (status, body["cursor"].as_i64()),
        (StatusCode::OK, Some(all[2]))
    );

    // An explicit `after` still reads from anywhere (re-reading is allowed).
    let page = app.get_ok("/v1/feeds/units?after=0&limit=1", KEY_A).await;
    assert_eq!(seqs(&page), &all[..1]);

    // Past the head: 409, the cursor stays.
    let (status, body) = app.ack("units", all[6] + 100, KEY_A).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict", None);
    let feeds = app.get_ok("/v1/feeds", KEY_A).await;
    assert_eq!(feeds["feeds"][2]["cursor"], all[2]);

    // Acknowledging the head empties the default page.
    let (status, _) = app.ack("units", all[6], KEY_A).await;
    assert_eq!(status, StatusCode::OK);
    let page = app.get_ok("/v1/feeds/units", KEY_A).await;
    assert!(seqs(&page).is_empty());
    assert_eq!(page["next_after"], all[6]);
    assert_eq!(page["has_more"], false);
    app.stop().await;
}

#[tokio::test]
async fn bad_ack_bodies_are_400_on_seq() {
    let app = TestApp::spawn().await;
    for body in [r#"{"seq": -1}"#, r#"{"seq": "5"}"#, r#"{}"#, "not json", ""] {
        let (status, resp) = send(
            app.req(Method::POST, "/v1/feeds/units/ack", Some(KEY_A))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error(&resp, "bad_request", Some("seq"));
    }
    // Unknown feed and feed outside the profile: 404.
    let (status, _) = app.ack("owners", 1, KEY_A).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.ack("flats", 1, KEY_A).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
