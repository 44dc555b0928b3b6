//! The recipient pages `/r/{token}/…` (German, server-rendered, working without JavaScript)
//! and the staff preview (SHR-6).
//!
//! Every URL checks the token (rate-limited per IP), revocation, expiry and consent on the
//! server. Unknown, revoked and expired links get the same page with status 410.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use immohub_api::Staff;
use immohub_store::{EventKind, Recipient, Room};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use crate::service::Access;
use crate::view::{self, FileItem, ListQuery, Listing, SortBy};
use crate::zipstream::{ZipEntry, unique_names, zip_stream};
use crate::{ShareError, SharesState};

/// The client's IP (from the connection; unspecified when served without connect info).
pub(crate) struct ClientIp(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}

/// Security headers of every recipient page: no referrer (the token is in the URL), no
/// framing, no external resources, no caching.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ));
    r
}

fn html(status: StatusCode, page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(body) => secure(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "Seite nicht darstellbar");
            (StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler").into_response()
        }
    }
}

/// Common page frame data.
struct Frame {
    company: String,
    has_logo: bool,
}

fn frame(s: &SharesState) -> Frame {
    Frame {
        company: s.shares.config().company_name.clone(),
        has_logo: s.shares.config().logo_file.is_some(),
    }
}

#[derive(Template)]
#[template(path = "invalid.html")]
struct InvalidPage {
    frame: Frame,
    title: &'static str,
    message: &'static str,
}

/// The one answer for unknown, revoked and expired links (nothing is enumerable).
fn invalid(s: &SharesState) -> Response {
    let page = InvalidPage {
        frame: frame(s),
        title: "Link ungültig oder abgelaufen",
        message: "Dieser Link ist ungültig oder abgelaufen. Bitte wenden Sie sich an Ihre \
                  Ansprechperson, wenn Sie weiterhin Zugriff auf die Unterlagen benötigen.",
    };
    html(StatusCode::GONE, page.render())
}

fn blocked(s: &SharesState) -> Response {
    let page = InvalidPage {
        frame: frame(s),
        title: "Zu viele Versuche",
        message: "Von Ihrer Verbindung kamen zu viele ungültige Links. Bitte versuchen Sie es \
                  in einer Minute erneut.",
    };
    let mut r = html(StatusCode::TOO_MANY_REQUESTS, page.render());
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    r
}

fn internal(e: ShareError) -> Response {
    tracing::error!(error = %e, "Fehler auf einer Empfängerseite");
    secure((StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler").into_response())
}

/// The recipient and room of a token, or the response to give instead.
async fn granted(s: &SharesState, token: &str, ip: IpAddr) -> Result<(Recipient, Room), Response> {
    match s.shares.access(token, ip).await {
        Ok(Access::Granted { recipient, room }) => Ok((*recipient, *room)),
        Ok(Access::Invalid) => Err(invalid(s)),
        Ok(Access::Blocked) => Err(blocked(s)),
        Err(e) => Err(internal(e)),
    }
}

/// Like [`granted`], and the consent must be given (SHR-4): otherwise to the consent page.
async fn consented(
    s: &SharesState,
    token: &str,
    ip: IpAddr,
) -> Result<(Recipient, Room), Response> {
    let (recipient, room) = granted(s, token, ip).await?;
    match s.shares.consent_ok(&room, &recipient).await {
        Ok(true) => Ok((recipient, room)),
        Ok(false) => Err(secure(Redirect::to(&format!("/r/{token}")).into_response())),
        Err(e) => Err(internal(e)),
    }
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    frame: Frame,
    room_title: String,
    action: String,
    policy_text: String,
    policy_version: String,
    terms_text: Option<String>,
    terms_version: String,
    error: Option<String>,
}

fn consent_page(s: &SharesState, token: &str, room: &Room, error: Option<String>) -> Response {
    let page = ConsentPage {
        frame: frame(s),
        room_title: room.title.clone(),
        action: format!("/r/{token}/consent"),
        policy_text: room.policy_text.clone().unwrap_or_default(),
        policy_version: room.policy_version.clone().unwrap_or_default(),
        terms_text: room.terms_text.clone(),
        terms_version: room.terms_version.clone().unwrap_or_default(),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}

#[derive(Template)]
#[template(path = "room.html")]
struct RoomPage {
    frame: Frame,
    room_title: String,
    preview: bool,
    notice: Option<String>,
    base: String,
    q: String,
    sort_size: bool,
    desc: bool,
    tiles: bool,
    any_folder: bool,
    folders: Vec<FolderOpt>,
    files: Vec<FileItem>,
    total: usize,
    zip_href: String,
}

/// A folder in the filter.
struct FolderOpt {
    id: i64,
    name: String,
    count: usize,
    selected: bool,
}

/// Percent-encodes a query value.
fn enc(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn room_view(
    s: &SharesState,
    room: &Room,
    base: String,
    listing: &Listing,
    preview: bool,
) -> Result<Response, ShareError> {
    let store = s.shares.store();
    let files = store.files(room.id).await?;
    let folders = store.folders(room.id).await?;
    let items = view::list(&files, &folders, listing);
    let mut zip_href = format!("{base}/zip?q={}", enc(&listing.q));
    if let Some(f) = listing.folder {
        zip_href.push_str(&format!("&folder={f}"));
    }
    let page = RoomPage {
        frame: frame(s),
        room_title: room.title.clone(),
        preview,
        notice: preview.then(|| {
            "Vorschau: So sehen Empfänger diesen Datenraum. Downloads sind deaktiviert, es \
             wird nichts erfasst (SHR-6)."
                .to_owned()
        }),
        base,
        q: listing.q.clone(),
        sort_size: listing.sort == SortBy::Size,
        desc: listing.descending,
        tiles: listing.tiles,
        any_folder: listing.folder.is_none(),
        folders: view::folder_options(&folders, &files)
            .into_iter()
            .map(|(id, name, count)| FolderOpt {
                selected: listing.folder == Some(id),
                id,
                name,
                count,
            })
            .collect(),
        total: files.len(),
        files: items,
        zip_href,
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// `GET /r/{token}`: the consent gate (SHR-4), then the room (SHR-5); records `open`.
pub(crate) async fn room_page(
    State(s): State<SharesState>,
    Path(token): Path<String>,
    Query(q): Query<ListQuery>,
    ClientIp(ip): ClientIp,
) -> Response {
    let (recipient, room) = match granted(&s, &token, ip).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s.shares.consent_ok(&room, &recipient).await {
        Ok(true) => {}
        Ok(false) => return consent_page(&s, &token, &room, None),
        Err(e) => return internal(e),
    }
    if let Err(e) = s
        .shares
        .track(&room, &recipient, EventKind::Open, None)
        .await
    {
        return internal(e);
    }
    room_view(&s, &room, format!("/r/{token}"), &q.listing(), false)
        .await
        .unwrap_or_else(internal)
}

/// The consent form's fields (checkboxes: present when ticked).
#[derive(Debug, Deserialize)]
pub(crate) struct ConsentForm {
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    terms: Option<String>,
}

/// `POST /r/{token}/consent`.
pub(crate) async fn consent(
    State(s): State<SharesState>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    Form(form): Form<ConsentForm>,
) -> Response {
    let (recipient, room) = match granted(&s, &token, ip).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s
        .shares
        .accept_consent(
            &room,
            &recipient,
            form.policy.is_some(),
            form.terms.is_some(),
        )
        .await
    {
        Ok(()) => secure(Redirect::to(&format!("/r/{token}")).into_response()),
        Err(ShareError::Invalid { reason, .. }) => consent_page(&s, &token, &room, Some(reason)),
        Err(e) => internal(e),
    }
}

/// `Content-Disposition` with the UTF-8 name (RFC 6266/5987) and an ASCII fallback.
fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        enc(name)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn send_file(
    s: &SharesState,
    token: &str,
    file_id: &str,
    ip: IpAddr,
    kind: EventKind,
) -> Response {
    let (recipient, room) = match consented(s, token, ip).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(file_id) = file_id.parse::<i64>() else {
        return invalid(s);
    };
    let file = match s.shares.store().file(room.id, file_id).await {
        Ok(Some(f)) => f,
        Ok(None) => return invalid(s),
        Err(e) => return internal(e.into()),
    };
    let Some(path) = s.shares.files().path(&file.storage_key) else {
        return invalid(s);
    };
    let f = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => return internal(e.into()),
    };
    if let Err(e) = s.shares.track(&room, &recipient, kind, Some(file.id)).await {
        return internal(e);
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    let inline = if kind == EventKind::View {
        "inline"
    } else {
        "attachment"
    };
    headers.insert(header::CONTENT_DISPOSITION, disposition(inline, &file.name));
    // A file shown inline runs no script, whatever its type (SVG, HTML).
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    secure(
        (
            headers,
            Body::from_stream(ReaderStream::with_capacity(f, 64 * 1024)),
        )
            .into_response(),
    )
}

/// `GET /r/{token}/files/{file_id}`: the file inline; records `view`.
pub(crate) async fn view_file(
    State(s): State<SharesState>,
    Path((token, file_id)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
) -> Response {
    send_file(&s, &token, &file_id, ip, EventKind::View).await
}

/// `GET /r/{token}/files/{file_id}/download`: the file as a download; records `download`.
pub(crate) async fn download_file(
    State(s): State<SharesState>,
    Path((token, file_id)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
) -> Response {
    send_file(&s, &token, &file_id, ip, EventKind::Download).await
}

/// `GET /r/{token}/zip?q=&folder=`: the shown files as one streamed ZIP; records a
/// `download` per file.
pub(crate) async fn zip(
    State(s): State<SharesState>,
    Path(token): Path<String>,
    Query(q): Query<ListQuery>,
    ClientIp(ip): ClientIp,
) -> Response {
    let (recipient, room) = match consented(&s, &token, ip).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let store = s.shares.store();
    let (files, folders) = match (store.files(room.id).await, store.folders(room.id).await) {
        (Ok(f), Ok(d)) => (f, d),
        (Err(e), _) | (_, Err(e)) => return internal(e.into()),
    };
    let items = view::list(&files, &folders, &q.listing());
    let names = unique_names(items.iter().map(|i| {
        if i.folder.is_empty() {
            i.name.clone()
        } else {
            format!("{}/{}", i.folder, i.name)
        }
    }));
    let mut entries = Vec::with_capacity(items.len());
    for (item, name) in items.iter().zip(names) {
        let Some(file) = files.iter().find(|f| f.id == item.id) else {
            continue;
        };
        let Some(path) = s.shares.files().path(&file.storage_key) else {
            continue;
        };
        if let Err(e) = s
            .shares
            .track(&room, &recipient, EventKind::Download, Some(file.id))
            .await
        {
            return internal(e);
        }
        entries.push(ZipEntry { name, path });
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        disposition("attachment", &format!("{}.zip", safe_zip_name(&room.title))),
    );
    secure((headers, Body::from_stream(zip_stream(entries))).into_response())
}

fn safe_zip_name(title: &str) -> String {
    let t: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.trim().is_empty() {
        "Unterlagen".to_owned()
    } else {
        t.trim().to_owned()
    }
}

/// `GET /staff/v1/rooms/{id}/preview`: the room as recipients see it, downloads disabled,
/// nothing tracked (SHR-6).
pub(crate) async fn preview(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Response {
    let room = match s.shares.room(id).await {
        Ok(r) => r,
        Err(e) => return immohub_api::ApiError::from(e).into_response(),
    };
    room_view(
        &s,
        &room,
        format!("/staff/v1/rooms/{id}/preview"),
        &q.listing(),
        true,
    )
    .await
    .unwrap_or_else(internal)
}

/// `GET /shares/logo`: the company's logo (SHR-5).
pub(crate) async fn logo(State(s): State<SharesState>) -> Response {
    let Some(path) = s.shares.config().logo_file.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => "image/svg+xml",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "image/png",
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'; style-src 'unsafe-inline'",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "Logo nicht lesbar");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}
