//! The partner API: PropTech partners pull immohub's change feeds over HTTP.
//!
//! * Every `/v1` endpoint needs an API key (`Authorization: Bearer <key>` or `X-API-Key`). The
//!   key names the connection; a key sees only its own connection's feeds, records and runs
//!   (GEN-2). Keys are stored only as [`hash_api_key`].
//! * `GET /v1/feeds`, `GET /v1/feeds/{feed}?after=&limit=`, `POST /v1/feeds/{feed}/ack`:
//!   cursor-paged change feeds with idempotency keys and acknowledgement (GEN-11).
//! * `GET /v1/records/{feed}/{id}`: record status and history (GEN-8).
//! * `GET /v1/runs?from=&to=`, `GET /v1/runs/{id}`: the protocol (GEN-7).
//! * `POST/GET /v1/webhooks`, `GET/DELETE /v1/webhooks/{id}`, `…/enable`, `…/rotate-secret`,
//!   `GET /v1/dead-letters`, `POST /v1/dead-letters/{id}/retry`: push delivery with Standard
//!   Webhooks signatures (GEN-12).
//! * `POST /v1/prospects` (header `Idempotency-Key`), `GET /v1/prospects/{id}`,
//!   `GET /v1/prospects`: prospects sent in, kept in the inbox and written into the ERP
//!   (PRO-1, PRO-2, GEN-3, GEN-11).
//! * `GET /staff/v1/reviews`, `POST /staff/v1/reviews/{id}` (staff key): the duplicate
//!   check's review list (PRO-3).
//! * `POST /v1/hooks/melon`: prospects pushed as melon-style applicant events (PRO-2).
//! * `POST /v1/tenants` (multipart, header `Idempotency-Key`), `GET /v1/tenants/{id}`,
//!   `GET /v1/tenants`: tenants accepted at the partner with their dossier (TEN-1, TEN-2).
//! * `GET /v1/runs?from=&to=`, `GET /v1/runs/last`, `GET /v1/runs/{id}`: the protocol, with
//!   the last run at a glance (GEN-7).
//! * `POST /v1/runs` `{"use_case": "stammdaten"}`: starts a run by hand (GEN-6), through the
//!   [`RunLauncher`] in [`ApiState::launcher`].
//! * `GET /openapi.json` (OpenAPI 3.1) and `GET /health`, without key.
//!
//! Errors are [`ApiError`]: JSON with a stable `code` and German and English messages.
//!
//! [`router`] builds the app, [`serve`] serves it on a listener until a shutdown future
//! completes (tests use port 0). [`router_with`] merges further routes (admin UI, run triggers)
//! under the same request tracing.

#![warn(missing_docs)]

mod auth;
mod error;
pub mod feeds;
pub mod melon;
mod openapi;
mod params;
pub mod prospects;
pub mod records;
pub mod reviews;
pub mod runs;
mod staff;
pub mod tenants;
pub mod webhooks;

use std::future::Future;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::Request;
use axum::routing::{get, post};
use immohub_engine::RunLauncher;
use immohub_store::Store;
use serde::{Deserialize, Serialize};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::ToSchema;

pub use auth::{Caller, hash_api_key};
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use openapi::openapi;
pub use staff::{Staff, hash_staff_key};

/// What every handler shares: the hub store and, optionally, the run launcher.
#[derive(Clone)]
pub struct ApiState {
    /// The hub store; the API reads feeds, records and runs and moves cursors.
    pub store: Arc<dyn Store>,
    /// Where webhook signing secrets are kept (encrypted); without it, webhook registration
    /// and rotation answer 500.
    pub vault: Option<Arc<dyn immohub_engine::Vault>>,
    /// Starts runs for `POST /v1/runs`; without it, that endpoint answers 503.
    pub launcher: Option<Arc<dyn RunLauncher>>,
    /// Where `POST /v1/tenants` keeps dossiers; without it, that endpoint answers 503.
    pub dossiers: Option<tenants::DossierSettings>,
}

impl ApiState {
    /// State over the given store, without run launcher.
    pub fn new(store: Arc<dyn Store>) -> Self {
        ApiState {
            store,
            vault: None,
            launcher: None,
            dossiers: None,
        }
    }

    /// The same state with a vault for webhook secrets.
    pub fn with_vault(mut self, vault: Arc<dyn immohub_engine::Vault>) -> Self {
        self.vault = Some(vault);
        self
    }

    /// Adds the dossier directory of `POST /v1/tenants`.
    pub fn with_dossiers(mut self, dossiers: tenants::DossierSettings) -> Self {
        self.dossiers = Some(dossiers);
        self
    }

    /// Adds the run launcher of `POST /v1/runs`.
    pub fn with_launcher(mut self, launcher: Arc<dyn RunLauncher>) -> Self {
        self.launcher = Some(launcher);
        self
    }
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("store", &self.store.backend())
            .field("launcher", &self.launcher.is_some())
            .finish()
    }
}

/// The partner API with request tracing: `/v1/…`, `/openapi.json`, `/health`.
///
/// Unknown paths are answered with a JSON `not_found`.
pub fn router(state: ApiState) -> Router {
    router_with(state, Router::new())
}

/// The partner API merged with `extra` routes (admin UI, run triggers, …), all under one request
/// tracing layer. `extra` must not define a fallback nor any of the API's paths (axum panics on
/// overlapping routes when building the router, i.e. at start-up).
pub fn router_with(state: ApiState, extra: Router) -> Router {
    let doc = Arc::new(openapi());
    let api = Router::new()
        .route("/health", get(health))
        .route(
            "/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/v1/feeds", get(feeds::list))
        .route("/v1/feeds/{feed}", get(feeds::page))
        .route("/v1/feeds/{feed}/ack", post(feeds::ack))
        .route("/v1/records/{feed}/{*partner_id}", get(records::status))
        .route("/v1/runs", get(runs::list).post(runs::start))
        .route("/v1/runs/last", get(runs::last))
        .route("/v1/runs/{id}", get(runs::detail))
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::detail).delete(webhooks::delete),
        )
        .route("/v1/webhooks/{id}/enable", post(webhooks::enable))
        .route("/v1/webhooks/{id}/rotate-secret", post(webhooks::rotate))
        .route("/v1/dead-letters", get(webhooks::dead_letters))
        .route("/v1/dead-letters/{id}/retry", post(webhooks::retry))
        .route(
            "/v1/prospects",
            get(prospects::list).post(prospects::create),
        )
        .route("/v1/prospects/{id}", get(prospects::status))
        .route("/v1/hooks/melon", post(melon::hook))
        // Dossier files are streamed with a limit per file (413), not per request.
        .route(
            "/v1/tenants",
            get(tenants::list)
                .post(tenants::create)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/tenants/{id}", get(tenants::status))
        .route("/staff/v1/reviews", get(reviews::list))
        .route("/staff/v1/reviews/{id}", post(reviews::decide))
        .fallback(not_found)
        .with_state(state);
    with_tracing(api.merge(extra))
}

/// Adds the request span: method, matched route (never the raw URI, never headers, so no API
/// key reaches the log) and, once authenticated, the connection name.
fn with_tracing(app: Router) -> Router {
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request<Body>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str);
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    route,
                    connection = tracing::field::Empty,
                )
            })
            .on_request(DefaultOnRequest::new().level(Level::DEBUG))
            .on_response(DefaultOnResponse::new().level(Level::INFO))
            // Server errors are logged once, with their cause, by `ApiError`.
            .on_failure(()),
    )
}

/// Serves the partner API on `listener` until `shutdown` completes, then finishes open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

/// Serves any app (e.g. from [`router_with`]) on `listener` until `shutdown` completes.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "Partner-API bereit");
    }
    // With the client address (share pages rate-limit bad link tokens per IP).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Answer of `GET /health`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness check, without API key.
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The server is up", body = Health))
)]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

async fn not_found() -> ApiError {
    ApiError::not_found("unbekannter Pfad", "unknown path")
}
