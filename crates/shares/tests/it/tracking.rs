//! Tracking (SHR-7, SHR-10), preview (SHR-6), room page (SHR-5) and ZIP download.

use std::io::Read;

use immohub_store::{EventFilter, EventKind, ShareStore};
use serde_json::json;

use crate::support::start;

async fn events(env: &crate::support::Env, room: i64) -> Vec<immohub_store::ShareEvent> {
    env.store
        .events(&EventFilter {
            room_id: Some(room),
            limit: 100_000,
            ..EventFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shr_7_concurrent_downloads_lose_no_event() {
    let env = start().await;
    let room = env.room("1.200.1.1", false).await;
    let file = env.file(room, None, "Plan.pdf", vec![1u8; 10_000]).await;
    let (rid, token) = env.recipient(room, "a@example.de").await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let http = env.http.clone();
        let url = env.url(&format!("/r/{token}/files/{file}/download"));
        tasks.push(tokio::spawn(async move {
            let r = http.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            assert_eq!(r.bytes().await.unwrap().len(), 10_000);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ev = events(&env, room).await;
    let downloads = ev.iter().filter(|e| e.kind == EventKind::Download).count();
    assert_eq!(downloads, 200);
    assert!(
        ev.iter()
            .all(|e| e.recipient_id == rid && e.file_id == Some(file))
    );
    let (_, a) = env
        .staff_get(&format!("/staff/v1/rooms/{room}/analytics"))
        .await;
    assert_eq!(a["totals"]["downloads"], 200);
    assert_eq!(a["recipients"][0]["downloads"], 200);
}

#[tokio::test]
async fn shr_7_shr_10_open_view_download_are_separate_events_and_first_access_once() {
    let env = start().await;
    let (status, room) = env
        .staff_post(
            "/staff/v1/rooms",
            json!({"object_kind": "property", "object_id": "1.200", "title": "Elbstraße",
                   "first_access_activity": true}),
        )
        .await;
    assert_eq!(status, 201);
    let room = room["id"].as_i64().unwrap();
    let file = env.file(room, None, "Lageplan.png", b"png".to_vec()).await;
    let (a, ta) = env.recipient(room, "a@example.de").await;
    let (b, tb) = env.recipient(room, "b@example.de").await;
    env.get(&format!("/r/{ta}")).await;
    env.get(&format!("/r/{ta}")).await;
    env.get(&format!("/r/{ta}/files/{file}")).await;
    env.get(&format!("/r/{tb}/files/{file}/download")).await;
    let ev = events(&env, room).await;
    let kinds = |r: i64| -> Vec<EventKind> {
        ev.iter()
            .filter(|e| e.recipient_id == r)
            .map(|e| e.kind)
            .collect()
    };
    assert_eq!(
        kinds(a),
        [
            EventKind::FirstAccess,
            EventKind::Open,
            EventKind::Open,
            EventKind::View
        ]
    );
    assert_eq!(kinds(b), [EventKind::Download]);
    let (_, o) = env.staff_get(&format!("/staff/v1/rooms/{room}")).await;
    assert_eq!(o["totals"]["opens"], 2);
    assert_eq!(o["recipients"][0]["counts"]["views"], 1);
    assert_eq!(o["recipients"][1]["counts"]["downloads"], 1);
    let (_, per) = env
        .staff_get(&format!("/staff/v1/rooms/{room}/events?recipient_id={b}"))
        .await;
    assert_eq!(per.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn shr_6_preview_shows_the_room_without_downloads_or_tracking() {
    let env = start().await;
    let room = env.room("1.200.2.1", true).await;
    env.file(room, None, "Energieausweis.pdf", b"e".to_vec())
        .await;
    let (_, token) = env.recipient(room, "a@example.de").await;
    let r = env
        .http
        .get(env.url(&format!("/staff/v1/rooms/{room}/preview")))
        .header("X-Staff-Key", &env.staff_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Energieausweis.pdf") && page.contains("Vorschau"));
    assert!(!page.contains("/download"), "no download link in preview");
    assert!(!page.contains(&token));
    assert!(events(&env, room).await.is_empty());
    // Without staff key: no preview.
    assert_eq!(
        env.get(&format!("/staff/v1/rooms/{room}/preview")).await.0,
        401
    );
}

#[tokio::test]
async fn shr_5_room_page_search_sort_and_views_without_javascript() {
    let env = start().await;
    let room = env.room("1.200.3.1", false).await;
    let plans = env.folder(room, "Grundrisse").await;
    env.file(room, Some(plans), "Grundriss EG.pdf", vec![0; 300])
        .await;
    env.file(room, None, "Exposé.pdf", vec![0; 100]).await;
    env.file(room, None, "Lageplan.pdf", vec![0; 200]).await;
    let (_, token) = env.recipient(room, "a@example.de").await;
    let order = |page: &str| -> Vec<&'static str> {
        let mut v: Vec<(usize, &'static str)> = ["Grundriss EG.pdf", "Exposé.pdf", "Lageplan.pdf"]
            .into_iter()
            .filter_map(|n| {
                page.find(&format!("<span class=\"name\">{n}"))
                    .map(|i| (i, n))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    };
    let (_, page) = env.get(&format!("/r/{token}")).await;
    assert_eq!(
        order(&page),
        ["Exposé.pdf", "Grundriss EG.pdf", "Lageplan.pdf"]
    );
    assert!(page.contains("files tiles"));
    let (_, page) = env
        .get(&format!("/r/{token}?sort=size&order=desc&view=list"))
        .await;
    assert_eq!(
        order(&page),
        ["Grundriss EG.pdf", "Lageplan.pdf", "Exposé.pdf"]
    );
    assert!(page.contains("files list"));
    let (_, page) = env.get(&format!("/r/{token}?q=grundrisse")).await;
    assert_eq!(order(&page), ["Grundriss EG.pdf"]);
}

#[tokio::test]
async fn shr_5_zip_download_streams_every_file_with_folders() {
    let env = start().await;
    let room = env.room("1.200.4.1", false).await;
    let plans = env.folder(room, "Grundrisse").await;
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    env.file(room, Some(plans), "EG.pdf", big.clone()).await;
    env.file(room, Some(plans), "EG.pdf", b"zweite".to_vec())
        .await;
    env.file(room, None, "Exposé.pdf", b"expose".to_vec()).await;
    let (rid, token) = env.recipient(room, "a@example.de").await;
    let r = env
        .http
        .get(env.url(&format!("/r/{token}/zip")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(
        names,
        ["Exposé.pdf", "Grundrisse/EG (2).pdf", "Grundrisse/EG.pdf"]
    );
    let mut content = Vec::new();
    zip.by_name("Grundrisse/EG.pdf")
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    assert!(content == big || content == b"zweite");
    // Filtered ZIP: what the page shows.
    let r = env
        .http
        .get(env.url(&format!("/r/{token}/zip?q=expos")))
        .send()
        .await
        .unwrap();
    let zip =
        zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(zip.file_names().collect::<Vec<_>>(), ["Exposé.pdf"]);
    let downloads = events(&env, room)
        .await
        .into_iter()
        .filter(|e| e.kind == EventKind::Download && e.recipient_id == rid)
        .count();
    assert_eq!(downloads, 4);
}
