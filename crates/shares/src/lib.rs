//! Share rooms (immoCloud, SHR-1..SHR-10): staff put the documents of an object (floor plans,
//! cadastral maps, energy certificates, exposés) into one room per object and send each
//! recipient a personal link; recipients accept the consent gate and then view, search,
//! sort and download; every open, view and download is tracked per recipient and handed to
//! the ERP as an activity.
//!
//! * [`Shares`]: the service (rooms, folders, streamed uploads, recipients, links, consent,
//!   revocation, expiry, tracking, analytics, ERP activities, e-mail).
//! * [`routes`]: the staff API `/staff/v1/…` (staff keys, [`immohub_api::Staff`]) and the
//!   recipient pages `/r/{token}/…` (German, server-rendered, working without JavaScript).
//! * Security: tokens of 256 random bits, stored only as SHA-256; unknown, revoked and
//!   expired links get the same answer; consent, revocation and expiry are checked on every
//!   file URL; files on disk have generated names; bad tokens are rate-limited per IP.
//!
//! See `docs/SHARES.md`.

mod error;
pub mod files;
pub mod mail;
pub mod placeholder;
pub mod ratelimit;
mod service;
mod staff_api;
pub mod token;
pub mod view;
mod web;
pub mod zipstream;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};
use immohub_api::ApiState;
use serde::{Deserialize, Serialize};

pub use error::ShareError;
pub use service::{
    Access, ActivityPush, CreateRoom, IssuedLink, NewRecipientRequest, RecipientOverview,
    RecipientSource, RoomOverview, Shares, shared_change_notice, status_of,
};

/// `[shares]` in `immohub.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharesConfig {
    /// Company name shown on the recipient pages and in e-mails.
    #[serde(default = "default_company")]
    pub company_name: String,
    /// The company's logo (PNG, JPEG or SVG), shown on every recipient page (SHR-5).
    #[serde(default)]
    pub logo_file: Option<PathBuf>,
    /// Public base URL of the recipient pages, e.g. `https://dateien.example.de`; links are
    /// `<base>/r/<token>`. Default: `http://<server.listen>`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Largest upload in bytes (default 200 MiB).
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: u64,
    /// Bad link tokens per IP and minute before the IP is refused (429) for the rest of the
    /// minute.
    #[serde(default = "default_bad_tokens")]
    pub bad_tokens_per_minute: u32,
    /// Hand new tracking events to the ERP automatically while `serve` runs (SHR-7).
    #[serde(default)]
    pub auto_push_activities: bool,
    /// Seconds between automatic pushes.
    #[serde(default = "default_push_interval")]
    pub push_interval_secs: u64,
    /// Technical ERP user of the activity rows (GEN-3).
    #[serde(default = "default_technical_user")]
    pub technical_user: String,
    /// Default validity of new links in days (`None`: no expiry, SHR-10).
    #[serde(default)]
    pub default_link_days: Option<u32>,
}

fn default_company() -> String {
    "Wohnungsbaugenossenschaft Elbufer eG".to_owned()
}
fn default_max_upload() -> u64 {
    200 * 1024 * 1024
}
fn default_bad_tokens() -> u32 {
    20
}
fn default_push_interval() -> u64 {
    60
}
fn default_technical_user() -> String {
    "IMMOHUB".to_owned()
}

impl Default for SharesConfig {
    fn default() -> Self {
        SharesConfig {
            company_name: default_company(),
            logo_file: None,
            public_url: None,
            max_upload_bytes: default_max_upload(),
            bad_tokens_per_minute: default_bad_tokens(),
            auto_push_activities: false,
            push_interval_secs: default_push_interval(),
            technical_user: default_technical_user(),
            default_link_days: None,
        }
    }
}

/// The state of the share routes: the service and the API state (for the staff extractor).
#[derive(Clone)]
pub struct SharesState {
    pub shares: Arc<Shares>,
    pub api: ApiState,
}

impl FromRef<SharesState> for ApiState {
    fn from_ref(s: &SharesState) -> ApiState {
        s.api.clone()
    }
}

/// The staff API and the recipient pages, to merge into the partner API with
/// [`immohub_api::router_with`]. Serve with connect info
/// (`into_make_service_with_connect_info::<SocketAddr>()`, as `immohub_api::serve_router`
/// does) so that bad tokens are rate-limited per client IP.
pub fn routes(shares: Arc<Shares>) -> Router {
    let state = SharesState {
        api: ApiState::new(shares.store()),
        shares,
    };
    Router::new()
        // staff API
        .route(
            "/staff/v1/rooms",
            get(staff_api::rooms).post(staff_api::create_room),
        )
        .route(
            "/staff/v1/rooms/{id}",
            get(staff_api::room).patch(staff_api::update_room),
        )
        .route("/staff/v1/rooms/{id}/folders", post(staff_api::add_folder))
        .route("/staff/v1/rooms/{id}/files", post(staff_api::upload))
        .route(
            "/staff/v1/rooms/{id}/files/{file_id}",
            delete(staff_api::delete_file),
        )
        .route(
            "/staff/v1/rooms/{id}/recipients",
            get(staff_api::recipients).post(staff_api::add_recipient),
        )
        .route("/staff/v1/rooms/{id}/events", get(staff_api::events))
        .route("/staff/v1/rooms/{id}/analytics", get(staff_api::analytics))
        .route("/staff/v1/rooms/{id}/preview", get(web::preview))
        .route("/staff/v1/recipients/{id}/link", post(staff_api::new_link))
        .route("/staff/v1/recipients/{id}/revoke", post(staff_api::revoke))
        .route(
            "/staff/v1/recipients/{id}/restore",
            post(staff_api::restore),
        )
        .route("/staff/v1/recipients/{id}/expiry", post(staff_api::expiry))
        .route(
            "/staff/v1/recipients/{id}/send-link",
            post(staff_api::send_link),
        )
        .route(
            "/staff/v1/activities/push",
            post(staff_api::push_activities),
        )
        // recipient pages
        .route("/r/{token}", get(web::room_page))
        .route("/r/{token}/consent", post(web::consent))
        .route("/r/{token}/files/{file_id}", get(web::view_file))
        .route(
            "/r/{token}/files/{file_id}/download",
            get(web::download_file),
        )
        .route("/r/{token}/zip", get(web::zip))
        .route("/shares/logo", get(web::logo))
        .with_state(state)
}
