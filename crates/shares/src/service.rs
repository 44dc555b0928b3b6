//! [`Shares`]: the share-room service used by the staff API, the CLI and the recipient pages.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures::Stream;
use immohub_domain::prospect::{Prospect, TechnicalUser};
use immohub_domain::raw::KEY_SEP;
use immohub_domain::{Entity, ErpEntity};
use immohub_engine::{Clock, SystemClock};
use immohub_erp::ErpSink;
use immohub_erp::activities::ActivityRow;
use immohub_store::{
    ConsentSettings, EventCounts, EventFilter, EventKind, Folder, NewEvent, NewRecipient, NewRoom,
    NewShareFile, Recipient, Room, ShareFile, Store,
};
use serde::{Deserialize, Serialize};

use crate::files::{FileStore, check_name, content_type_for};
use crate::mail::{Mail, Mailer};
use crate::placeholder::{self, Fields};
use crate::ratelimit::BadTokenLimiter;
use crate::token::{hash_token, new_token, well_formed};
use crate::{ShareError, SharesConfig};

/// The object kinds a room can belong to (SHR-1).
pub const OBJECT_KINDS: [&str; 3] = ["property", "unit", "listing"];

/// `POST /staff/v1/rooms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    /// `property`, `unit` or `listing`.
    pub object_kind: String,
    pub object_id: String,
    pub title: String,
    #[serde(default)]
    pub consent: ConsentSettings,
    #[serde(default)]
    pub first_access_activity: bool,
}

/// Where a recipient comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecipientSource {
    /// A canonical ERP person by its composite ID `client.person_no` (e.g. `1.4711`).
    Person { person_id: String },
    /// A prospect from the inbox of a partner connection.
    Prospect { connection: String, inbox_id: i64 },
    /// A free address.
    Address { email: String, name: Option<String> },
}

/// `POST /staff/v1/rooms/{id}/recipients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRecipientRequest {
    pub source: RecipientSource,
    /// Link valid until (UTC); absent: `valid_days`, else the configured default, else none.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub valid_days: Option<u32>,
}

/// A link just issued: the token is in clear here and nowhere else, ever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedLink {
    pub recipient: Recipient,
    pub token: String,
    pub link: String,
}

/// A recipient in the user overview (SHR-8), with its tracking counts (SHR-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientOverview {
    #[serde(flatten)]
    pub recipient: Recipient,
    /// `aktiv`, `widerrufen` or `abgelaufen`.
    pub status: &'static str,
    pub counts: EventCounts,
}

/// A room with everything staff see of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomOverview {
    pub room: Room,
    pub folders: Vec<Folder>,
    pub files: Vec<ShareFile>,
    pub recipients: Vec<RecipientOverview>,
    pub totals: EventCounts,
    /// SHR-9: changes to the room affect every recipient.
    pub notice: String,
}

/// What a push of activities into the ERP did (SHR-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActivityPush {
    /// Events handed over.
    pub events: u64,
    /// Rows newly written (the rest existed from an earlier, interrupted push).
    pub written: u64,
}

/// What a token in a recipient URL gives access to.
#[derive(Debug, Clone)]
pub enum Access {
    /// Valid and active.
    Granted {
        recipient: Box<Recipient>,
        room: Box<Room>,
    },
    /// Unknown, revoked or expired: all look the same to the client.
    Invalid,
    /// Too many bad tokens from this IP.
    Blocked,
}

/// The share-room service.
pub struct Shares {
    store: Arc<dyn Store>,
    files: FileStore,
    config: SharesConfig,
    base_url: String,
    clock: Arc<dyn Clock>,
    limiter: BadTokenLimiter,
    mailer: Option<Mailer>,
    erp: Option<Arc<ErpSink>>,
    technical_user: TechnicalUser,
}

impl std::fmt::Debug for Shares {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shares")
            .field("files", &self.files)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Shares {
    /// The service over `store`, with files in `files_dir` and links below `base_url`.
    pub fn new(
        store: Arc<dyn Store>,
        files_dir: impl Into<PathBuf>,
        config: SharesConfig,
        base_url: &str,
    ) -> Result<Shares, ShareError> {
        let technical_user = TechnicalUser::new(config.technical_user.clone())
            .map_err(|e| ShareError::invalid("shares.technical_user", e))?;
        Ok(Shares {
            store,
            files: FileStore::new(files_dir)?,
            limiter: BadTokenLimiter::new(config.bad_tokens_per_minute),
            base_url: base_url.trim_end_matches('/').to_owned(),
            config,
            clock: Arc::new(SystemClock),
            mailer: None,
            erp: None,
            technical_user,
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The ERP database whose `immohub_in_activities` receives the tracking (SHR-7).
    pub fn with_erp(mut self, erp: Arc<ErpSink>) -> Self {
        self.erp = Some(erp);
        self
    }

    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    pub fn config(&self) -> &SharesConfig {
        &self.config
    }

    pub fn files(&self) -> &FileStore {
        &self.files
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The personal link of a token.
    pub fn link(&self, token: &str) -> String {
        format!("{}/r/{token}", self.base_url)
    }

    // --- rooms ---------------------------------------------------------------------------

    /// Creates the room of an object (SHR-1: one per object).
    pub async fn create_room(&self, staff: &str, req: &CreateRoom) -> Result<Room, ShareError> {
        if !OBJECT_KINDS.contains(&req.object_kind.as_str()) {
            return Err(ShareError::invalid(
                "object_kind",
                format!(
                    "„{}“ ist keine Objektart (property, unit, listing)",
                    req.object_kind
                ),
            ));
        }
        let object_id = req.object_id.trim();
        if object_id.is_empty() || object_id.len() > 100 {
            return Err(ShareError::invalid("object_id", "1 bis 100 Zeichen"));
        }
        let title = check_title(&req.title)?;
        check_consent(&req.consent)?;
        Ok(self
            .store
            .create_room(&NewRoom {
                object_kind: req.object_kind.clone(),
                object_id: object_id.to_owned(),
                title,
                consent: req.consent.clone(),
                first_access_activity: req.first_access_activity,
                created_by: staff.to_owned(),
                at: self.now(),
            })
            .await?)
    }

    pub async fn room(&self, id: i64) -> Result<Room, ShareError> {
        self.store
            .room(id)
            .await?
            .ok_or_else(|| ShareError::NotFound(format!("Datenraum {id}")))
    }

    /// Changes title and consent settings; the answer's notice says that every recipient is
    /// affected (SHR-9).
    pub async fn update_room(
        &self,
        id: i64,
        title: Option<&str>,
        consent: Option<&ConsentSettings>,
        first_access_activity: Option<bool>,
    ) -> Result<(Room, String), ShareError> {
        let room = self.room(id).await?;
        let title = match title {
            Some(t) => check_title(t)?,
            None => room.title.clone(),
        };
        let consent = match consent {
            Some(c) => {
                check_consent(c)?;
                c.clone()
            }
            None => consent_of(&room),
        };
        let room = self
            .store
            .update_room(
                id,
                &title,
                &consent,
                first_access_activity.unwrap_or(room.first_access_activity),
                self.now(),
            )
            .await?;
        let n = self.store.recipients(id).await?.len();
        Ok((room, shared_change_notice(n)))
    }

    pub async fn add_folder(&self, room_id: i64, name: &str) -> Result<Folder, ShareError> {
        self.room(room_id).await?;
        let name = check_name("name", name)?;
        Ok(self.store.add_folder(room_id, &name, self.now()).await?)
    }

    /// Streams an upload into the room (size limit `max_upload_bytes`).
    pub async fn upload<S, E>(
        &self,
        staff: &str,
        room_id: i64,
        folder_id: Option<i64>,
        name: &str,
        body: S,
    ) -> Result<ShareFile, ShareError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.room(room_id).await?;
        let name = check_name("name", name)?;
        if let Some(folder) = folder_id
            && !self
                .store
                .folders(room_id)
                .await?
                .iter()
                .any(|f| f.id == folder)
        {
            return Err(ShareError::invalid(
                "folder_id",
                format!("Ordner {folder} gehört nicht zu Datenraum {room_id}"),
            ));
        }
        let stored = self.files.store(body, self.config.max_upload_bytes).await?;
        let file = self
            .store
            .add_file(&NewShareFile {
                room_id,
                folder_id,
                content_type: content_type_for(&name).to_owned(),
                name,
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256,
                storage_key: stored.storage_key.clone(),
                created_by: staff.to_owned(),
                at: self.now(),
            })
            .await;
        match file {
            Ok(f) => Ok(f),
            Err(e) => {
                let _ = self.files.remove(&stored.storage_key).await;
                Err(e.into())
            }
        }
    }

    pub async fn delete_file(&self, room_id: i64, file_id: i64) -> Result<(), ShareError> {
        let file = self
            .store
            .delete_file(room_id, file_id)
            .await?
            .ok_or_else(|| ShareError::NotFound(format!("Datei {file_id}")))?;
        self.files.remove(&file.storage_key).await
    }

    /// The room with folders, files, recipients and their counts (SHR-7, SHR-8, SHR-9).
    pub async fn overview(&self, room_id: i64) -> Result<RoomOverview, ShareError> {
        let room = self.room(room_id).await?;
        let folders = self.store.folders(room_id).await?;
        let files = self.store.files(room_id).await?;
        let mut counts = self.store.event_counts(room_id).await?;
        let totals = if counts.is_empty() {
            EventCounts::default()
        } else {
            counts.remove(0)
        };
        let now = self.now();
        let recipients: Vec<RecipientOverview> = self
            .store
            .recipients(room_id)
            .await?
            .into_iter()
            .map(|r| RecipientOverview {
                status: status_of(&r, now),
                counts: counts
                    .iter()
                    .find(|c| c.recipient_id == Some(r.id))
                    .cloned()
                    .unwrap_or(EventCounts {
                        recipient_id: Some(r.id),
                        ..EventCounts::default()
                    }),
                recipient: r,
            })
            .collect();
        let notice = shared_change_notice(recipients.len());
        Ok(RoomOverview {
            room,
            folders,
            files,
            recipients,
            totals,
            notice,
        })
    }

    // --- recipients ----------------------------------------------------------------------

    /// Adds a recipient from an ERP person, a prospect or a free address and issues the
    /// personal link (SHR-2).
    pub async fn add_recipient(
        &self,
        room_id: i64,
        req: &NewRecipientRequest,
    ) -> Result<IssuedLink, ShareError> {
        self.room(room_id).await?;
        let (kind, source_ref, name, email) = self.resolve_source(&req.source).await?;
        let now = self.now();
        let expires_at = match (
            req.expires_at,
            req.valid_days.or(self.config.default_link_days),
        ) {
            (Some(at), _) => {
                if at <= now {
                    return Err(ShareError::invalid(
                        "expires_at",
                        "liegt in der Vergangenheit",
                    ));
                }
                Some(at)
            }
            (None, Some(0)) => {
                return Err(ShareError::invalid("valid_days", "mindestens 1 Tag"));
            }
            (None, Some(days)) => Some(now + Duration::days(i64::from(days))),
            (None, None) => None,
        };
        let token = new_token();
        let recipient = self
            .store
            .add_recipient(&NewRecipient {
                room_id,
                kind: kind.to_owned(),
                source_ref,
                name,
                email,
                token_hash: hash_token(&token),
                expires_at,
                at: now,
            })
            .await?;
        Ok(IssuedLink {
            link: self.link(&token),
            recipient,
            token,
        })
    }

    async fn resolve_source(
        &self,
        source: &RecipientSource,
    ) -> Result<(&'static str, Option<String>, String, Option<String>), ShareError> {
        match source {
            RecipientSource::Address { email, name } => {
                let email = check_email("source.email", email)?;
                let name = name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&email)
                    .to_owned();
                Ok(("address", None, name, Some(email)))
            }
            RecipientSource::Person { person_id } => {
                let parts: Vec<&str> = person_id.trim().split('.').collect();
                if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                    return Err(ShareError::invalid(
                        "source.person_id",
                        format!(
                            "„{person_id}“ ist keine Personen-ID aus Mandant und Personennummer \
                             (z. B. 1.4711)"
                        ),
                    ));
                }
                let key = parts.join(&KEY_SEP.to_string());
                let stored = self
                    .store
                    .entity(ErpEntity::Person, &key)
                    .await?
                    .filter(|e| !e.deleted)
                    .ok_or_else(|| {
                        ShareError::invalid(
                            "source.person_id",
                            format!(
                                "Person {person_id} ist nicht bekannt (noch kein \
                                 Stammdatenabgleich?)"
                            ),
                        )
                    })?;
                let Ok(Entity::Person(p)) = serde_json::from_value::<Entity>(stored.payload) else {
                    return Err(ShareError::invalid(
                        "source.person_id",
                        format!("Person {person_id} ist unlesbar gespeichert"),
                    ));
                };
                let name = [p.first_name.as_deref(), p.surname.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let name = if name.is_empty() {
                    p.company_name.clone().unwrap_or_else(|| person_id.clone())
                } else {
                    name
                };
                Ok(("person", Some(person_id.trim().to_owned()), name, p.email))
            }
            RecipientSource::Prospect {
                connection,
                inbox_id,
            } => {
                let item = self
                    .store
                    .inbox_item(connection, *inbox_id)
                    .await?
                    .ok_or_else(|| {
                        ShareError::invalid(
                            "source.inbox_id",
                            format!("Interessent {inbox_id} von „{connection}“ ist nicht bekannt"),
                        )
                    })?;
                let p: Prospect = serde_json::from_value(item.payload).map_err(|e| {
                    ShareError::invalid("source.inbox_id", format!("kein Interessent: {e}"))
                })?;
                let name = match &p.first_name {
                    Some(f) => format!("{f} {}", p.surname),
                    None => p.surname.clone(),
                };
                Ok((
                    "prospect",
                    Some(format!("{connection}:{inbox_id}")),
                    name,
                    p.email,
                ))
            }
        }
    }

    async fn recipient(&self, id: i64) -> Result<Recipient, ShareError> {
        self.store
            .recipient(id)
            .await?
            .ok_or_else(|| ShareError::NotFound(format!("Empfänger {id}")))
    }

    /// Issues a new personal link (the previous one stops working at once).
    pub async fn new_link(&self, recipient_id: i64) -> Result<IssuedLink, ShareError> {
        self.recipient(recipient_id).await?;
        let token = new_token();
        self.store
            .set_recipient_token(recipient_id, &hash_token(&token), self.now())
            .await?;
        Ok(IssuedLink {
            recipient: self.recipient(recipient_id).await?,
            link: self.link(&token),
            token,
        })
    }

    /// SHR-8: switches a recipient's access off (at once) or on again.
    pub async fn set_revoked(
        &self,
        recipient_id: i64,
        revoked: bool,
    ) -> Result<Recipient, ShareError> {
        self.recipient(recipient_id).await?;
        let now = self.now();
        self.store
            .set_recipient_revoked(recipient_id, revoked.then_some(now), now)
            .await?;
        self.recipient(recipient_id).await
    }

    /// SHR-10: sets or clears a link's expiry.
    pub async fn set_expiry(
        &self,
        recipient_id: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Recipient, ShareError> {
        self.recipient(recipient_id).await?;
        self.store
            .set_recipient_expiry(recipient_id, expires_at, self.now())
            .await?;
        self.recipient(recipient_id).await
    }

    /// SHR-3: renders a template for a recipient with a freshly issued link.
    pub fn render(&self, template: &str, issued: &IssuedLink, room: &Room) -> String {
        placeholder::render(
            template,
            &Fields {
                link: &issued.link,
                name: &issued.recipient.name,
                room: &room.title,
            },
        )
    }

    /// Issues a new link and sends it by e-mail (the template's `{Feld:OImmoCloudLink}` is
    /// the link, SHR-3). Returns the issued link.
    pub async fn send_link(
        &self,
        recipient_id: i64,
        subject: Option<&str>,
        body: Option<&str>,
    ) -> Result<IssuedLink, ShareError> {
        let mailer = self
            .mailer
            .as_ref()
            .ok_or_else(|| ShareError::Unavailable("E-Mail-Versand ([mail] fehlt)".to_owned()))?;
        let recipient = self.recipient(recipient_id).await?;
        let to = recipient.email.clone().ok_or_else(|| {
            ShareError::invalid(
                "email",
                format!("Empfänger {recipient_id} hat keine E-Mail-Adresse"),
            )
        })?;
        let body = body.unwrap_or(placeholder::DEFAULT_BODY);
        if !placeholder::has_link(body) {
            return Err(ShareError::invalid(
                "body",
                "enthält keinen Platzhalter {Feld:OImmoCloudLink} (oder {{link}})",
            ));
        }
        let room = self.room(recipient.room_id).await?;
        let issued = self.new_link(recipient_id).await?;
        let mail = Mail {
            to,
            subject: self.render(
                subject.unwrap_or(placeholder::DEFAULT_SUBJECT),
                &issued,
                &room,
            ),
            body: self.render(body, &issued, &room),
        };
        mailer.send(&mail).await?;
        Ok(issued)
    }

    // --- recipient access ----------------------------------------------------------------

    /// Resolves a token from a recipient URL: checks the rate limit of `ip`, the token's form,
    /// the recipient, revocation and expiry. Bad tokens count against `ip`.
    pub async fn access(&self, token: &str, ip: IpAddr) -> Result<Access, ShareError> {
        if self.limiter.blocked(ip) {
            return Ok(Access::Blocked);
        }
        let recipient = if well_formed(token) {
            self.store
                .recipient_by_token_hash(&hash_token(token))
                .await?
        } else {
            None
        };
        let Some(recipient) = recipient else {
            self.limiter.failed(ip);
            return Ok(Access::Invalid);
        };
        if !recipient.active_at(self.now()) {
            return Ok(Access::Invalid);
        }
        let room = self.room(recipient.room_id).await?;
        Ok(Access::Granted {
            recipient: Box::new(recipient),
            room: Box::new(room),
        })
    }

    /// Whether the recipient accepted the room's current consent versions (SHR-4).
    pub async fn consent_ok(&self, room: &Room, recipient: &Recipient) -> Result<bool, ShareError> {
        if !room.consent_required {
            return Ok(true);
        }
        let Some(c) = self.store.latest_consent(recipient.id).await? else {
            return Ok(false);
        };
        Ok(Some(&c.policy_version) == room.policy_version.as_ref()
            && (room.terms_text.is_none() || c.terms_version == room.terms_version))
    }

    /// Records the acceptance of the room's consent (SHR-4); both boxes must be ticked when
    /// the room has terms.
    pub async fn accept_consent(
        &self,
        room: &Room,
        recipient: &Recipient,
        policy: bool,
        terms: bool,
    ) -> Result<(), ShareError> {
        if !policy {
            return Err(ShareError::invalid(
                "policy",
                "Bitte bestätigen Sie die Widerrufsbelehrung.",
            ));
        }
        if room.terms_text.is_some() && !terms {
            return Err(ShareError::invalid(
                "terms",
                "Bitte bestätigen Sie die AGB.",
            ));
        }
        let version = room.policy_version.as_deref().unwrap_or("1");
        self.store
            .record_consent(
                recipient.id,
                version,
                room.terms_text.as_ref().and(room.terms_version.as_deref()),
                self.now(),
            )
            .await?;
        Ok(())
    }

    /// Records one tracking event (SHR-7; never called in preview, SHR-6).
    pub async fn track(
        &self,
        room: &Room,
        recipient: &Recipient,
        kind: EventKind,
        file_id: Option<i64>,
    ) -> Result<(), ShareError> {
        self.store
            .record_event(
                &NewEvent {
                    room_id: room.id,
                    recipient_id: recipient.id,
                    kind,
                    file_id,
                    at: self.now(),
                },
                room.first_access_activity,
            )
            .await?;
        Ok(())
    }

    // --- ERP activities ------------------------------------------------------------------

    /// Hands every event not yet in the ERP to its activity table (SHR-7, "Jetzt einlesen"),
    /// in batches; each row is idempotent by `share-event:<id>`, and an event is marked only
    /// after its row is in the ERP.
    pub async fn push_activities(&self) -> Result<ActivityPush, ShareError> {
        let erp = self
            .erp
            .as_ref()
            .ok_or_else(|| ShareError::Unavailable("ERP-Anbindung für Aktivitäten".to_owned()))?;
        let mut done = ActivityPush::default();
        let mut rooms: std::collections::HashMap<i64, Room> = Default::default();
        let mut people: std::collections::HashMap<i64, Recipient> = Default::default();
        let mut files: std::collections::HashMap<(i64, i64), Option<String>> = Default::default();
        loop {
            let events = self
                .store
                .events(&EventFilter {
                    unexported: true,
                    limit: 500,
                    ..EventFilter::default()
                })
                .await?;
            if events.is_empty() {
                return Ok(done);
            }
            let mut ids = Vec::with_capacity(events.len());
            for e in &events {
                if let std::collections::hash_map::Entry::Vacant(v) = rooms.entry(e.room_id) {
                    v.insert(self.room(e.room_id).await?);
                }
                if let std::collections::hash_map::Entry::Vacant(v) = people.entry(e.recipient_id) {
                    v.insert(self.recipient(e.recipient_id).await?);
                }
                let file_name = match e.file_id {
                    Some(f) => match files.get(&(e.room_id, f)) {
                        Some(n) => n.clone(),
                        None => {
                            let n = self.store.file(e.room_id, f).await?.map(|x| x.name);
                            files.insert((e.room_id, f), n.clone());
                            n
                        }
                    },
                    None => None,
                };
                let (Some(room), Some(r)) = (rooms.get(&e.room_id), people.get(&e.recipient_id))
                else {
                    continue;
                };
                let description = match &file_name {
                    Some(f) => format!("immoCloud „{}“: {} – {f}", room.title, e.kind.label_de()),
                    None => format!("immoCloud „{}“: {}", room.title, e.kind.label_de()),
                };
                let w = erp
                    .write_activity(&ActivityRow {
                        external_ref: format!("share-event:{}", e.id),
                        technical_user: self.technical_user.clone(),
                        activity_type: format!("immocloud_{}", e.kind.as_str()),
                        occurred_at: e.at,
                        object_kind: room.object_kind.clone(),
                        object_id: room.object_id.clone(),
                        room_title: room.title.clone(),
                        recipient_kind: r.kind.clone(),
                        recipient_ref: r.source_ref.clone(),
                        recipient_name: r.name.clone(),
                        recipient_email: r.email.clone(),
                        file_name,
                        description,
                    })
                    .await?;
                done.events += 1;
                if w.inserted {
                    done.written += 1;
                }
                ids.push(e.id);
            }
            self.store.mark_events_exported(&ids, self.now()).await?;
        }
    }
}

fn check_title(title: &str) -> Result<String, ShareError> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(ShareError::invalid("title", "1 bis 200 Zeichen"));
    }
    Ok(t.to_owned())
}

fn check_consent(c: &ConsentSettings) -> Result<(), ShareError> {
    if c.required {
        if c.policy_text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return Err(ShareError::invalid(
                "consent.policy_text",
                "fehlt: ohne Text der Widerrufsbelehrung kein Einwilligungsschritt",
            ));
        }
        if c.policy_version
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            return Err(ShareError::invalid("consent.policy_version", "fehlt"));
        }
        if c.terms_text.is_some()
            && c.terms_version
                .as_deref()
                .is_none_or(|t| t.trim().is_empty())
        {
            return Err(ShareError::invalid(
                "consent.terms_version",
                "fehlt, obwohl AGB angegeben sind",
            ));
        }
    }
    Ok(())
}

fn check_email(field: &'static str, email: &str) -> Result<String, ShareError> {
    let e = email.trim();
    let ok = e.len() <= 200
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>');
    if !ok {
        return Err(ShareError::invalid(
            field,
            format!("„{e}“ ist keine gültige E-Mail-Adresse"),
        ));
    }
    Ok(e.to_owned())
}

fn consent_of(room: &Room) -> ConsentSettings {
    ConsentSettings {
        required: room.consent_required,
        policy_text: room.policy_text.clone(),
        policy_version: room.policy_version.clone(),
        terms_text: room.terms_text.clone(),
        terms_version: room.terms_version.clone(),
    }
}

/// German status of a recipient's link.
pub fn status_of(r: &Recipient, now: DateTime<Utc>) -> &'static str {
    if r.revoked_at.is_some() {
        "widerrufen"
    } else if r.expires_at.is_some_and(|e| now >= e) {
        "abgelaufen"
    } else {
        "aktiv"
    }
}

/// SHR-9: the notice that a change affects every recipient.
pub fn shared_change_notice(recipients: usize) -> String {
    format!(
        "Hinweis: Änderungen an diesem Datenraum betreffen alle {recipients} Empfänger, die \
         Zugriff auf ihn haben – nicht nur den aktuellen Vorgang (SHR-9)."
    )
}
