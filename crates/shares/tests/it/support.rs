//! A share server on port 0 with a fresh store, a staff key and typed helpers.

use std::net::SocketAddr;
use std::sync::Arc;

use immohub_api::ApiState;
use immohub_shares::{Shares, SharesConfig};
use immohub_store::{ShareStore, SqlStore, Store};
use serde_json::{Value, json};

pub struct Env {
    pub base: String,
    pub store: Arc<SqlStore>,
    pub shares: Arc<Shares>,
    pub staff_key: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn start() -> Env {
    start_with(SharesConfig::default(), |s| s).await
}

pub async fn start_with(config: SharesConfig, f: impl FnOnce(Shares) -> Shares) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    let store = Arc::new(immohub_store::open(&url).await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let shares = Shares::new(
        store.clone() as Arc<dyn Store>,
        dir.path().join("shares"),
        config,
        &base,
    )
    .unwrap();
    let shares = Arc::new(f(shares));
    let staff_key = "ihs_test_staff_key_0123456789".to_owned();
    store
        .create_staff(
            "erika",
            Some("erika@example.de"),
            &immohub_api::hash_staff_key(&staff_key),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let app = immohub_api::router_with(
        ApiState::new(store.clone() as Arc<dyn Store>),
        immohub_shares::routes(Arc::clone(&shares)),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(immohub_api::serve_router(listener, app, async move {
        let _ = stopped.await;
    }));
    Env {
        base,
        store,
        shares,
        staff_key,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
        _stop: stop,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn staff_post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .header("X-Staff-Key", &self.staff_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn staff_get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.staff_key)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Creates a room (optionally with consent) and returns its ID.
    pub async fn room(&self, object_id: &str, consent: bool) -> i64 {
        let consent = if consent {
            json!({"required": true, "policy_text": "Sie haben das Recht, binnen vierzehn Tagen …",
                   "policy_version": "2024-01", "terms_text": "AGB …", "terms_version": "3"})
        } else {
            json!({})
        };
        let (status, room) = self
            .staff_post(
                "/staff/v1/rooms",
                json!({"object_kind": "unit", "object_id": object_id,
                       "title": format!("Wohnung {object_id}"), "consent": consent}),
            )
            .await;
        assert_eq!(status, 201, "{room}");
        room["id"].as_i64().unwrap()
    }

    pub async fn upload(
        &self,
        room: i64,
        folder: Option<i64>,
        name: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let mut url = format!(
            "{}/staff/v1/rooms/{room}/files?name={}",
            self.base,
            urlenc(name)
        );
        if let Some(f) = folder {
            url.push_str(&format!("&folder_id={f}"));
        }
        let r = self
            .http
            .post(url)
            .header("X-Staff-Key", &self.staff_key)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn file(&self, room: i64, folder: Option<i64>, name: &str, body: Vec<u8>) -> i64 {
        let (status, f) = self.upload(room, folder, name, body).await;
        assert_eq!(status, 201, "{f}");
        f["id"].as_i64().unwrap()
    }

    pub async fn folder(&self, room: i64, name: &str) -> i64 {
        let (status, f) = self
            .staff_post(
                &format!("/staff/v1/rooms/{room}/folders"),
                json!({"name": name}),
            )
            .await;
        assert_eq!(status, 201, "{f}");
        f["id"].as_i64().unwrap()
    }

    /// Adds a recipient by address; returns (recipient ID, token).
    pub async fn recipient(&self, room: i64, email: &str) -> (i64, String) {
        let (status, r) = self
            .staff_post(
                &format!("/staff/v1/rooms/{room}/recipients"),
                json!({"source": {"kind": "address", "email": email, "name": "Max Mustermann"}}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        (
            r["recipient"]["id"].as_i64().unwrap(),
            r["token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.bytes().await.unwrap().to_vec())
    }

    pub async fn accept(&self, token: &str) {
        let r = self
            .http
            .post(self.url(&format!("/r/{token}/consent")))
            .form(&[("policy", "ja"), ("terms", "ja")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
    }
}

pub fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
