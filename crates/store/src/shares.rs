//! Share rooms (immoCloud, SHR-1..SHR-10) and staff accounts.
//!
//! * One room per object (SHR-1: `UNIQUE (object_kind, object_id)`), with folders and files;
//!   the files' bytes live outside the database under generated names (`storage_key`).
//! * Recipients with a personal link (SHR-2): only the SHA-256 of the link's token is stored.
//!   Revocation (SHR-8) and expiry (SHR-10) are columns read on every request, so they take
//!   effect at once.
//! * Consents (SHR-4) with the accepted versions and time.
//! * Events (SHR-7): one INSERT per event, so concurrent requests never lose one; events are
//!   marked once they are in the ERP's activity table.
//! * Staff accounts with their own API keys (hashes only).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// A staff account (the staff API `/staff/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StaffUser {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `false` once revoked: the key no longer works.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Consent settings of a room (SHR-4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentSettings {
    /// The recipient must accept the cancellation policy (and the terms, when given) before
    /// anything of the room is shown.
    pub required: bool,
    /// Text of the cancellation policy (Widerrufsbelehrung).
    pub policy_text: Option<String>,
    /// Its version: a new version asks every recipient again.
    pub policy_version: Option<String>,
    /// Optional terms (AGB).
    pub terms_text: Option<String>,
    pub terms_version: Option<String>,
}

/// A room to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoom {
    /// `property`, `unit` or `listing`.
    pub object_kind: String,
    /// The object's ID (composite ID as staff know it, e.g. `1.100.1.7`).
    pub object_id: String,
    pub title: String,
    pub consent: ConsentSettings,
    pub first_access_activity: bool,
    /// Staff user who created it.
    pub created_by: String,
    pub at: DateTime<Utc>,
}

/// A share room (one per object, SHR-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Room {
    pub id: i64,
    pub object_kind: String,
    pub object_id: String,
    pub title: String,
    pub consent_required: bool,
    pub policy_text: Option<String>,
    pub policy_version: Option<String>,
    pub terms_text: Option<String>,
    pub terms_version: Option<String>,
    pub first_access_activity: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A folder of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Folder {
    pub id: i64,
    pub room_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A file to register (its bytes are already stored under `storage_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShareFile {
    pub room_id: i64,
    pub folder_id: Option<i64>,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub storage_key: String,
    pub created_by: String,
    pub at: DateTime<Utc>,
}

/// A file of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ShareFile {
    pub id: i64,
    pub room_id: i64,
    pub folder_id: Option<i64>,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    /// Generated file name on disk; never shown to recipients.
    pub storage_key: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A recipient to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecipient {
    pub room_id: i64,
    /// `person` (ERP person), `prospect` (inbox item) or `address` (free e-mail address).
    pub kind: String,
    /// Where it came from: the person's composite ID or the inbox item's ID.
    pub source_ref: Option<String>,
    pub name: String,
    pub email: Option<String>,
    /// SHA-256 hex of the link's token.
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// A recipient of a room with a personal link (SHR-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub room_id: i64,
    pub kind: String,
    pub source_ref: Option<String>,
    pub name: String,
    pub email: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub first_access_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Recipient {
    /// Whether the link works at `now`: not revoked (SHR-8) and not expired (SHR-10).
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// An accepted consent (SHR-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Consent {
    pub id: i64,
    pub recipient_id: i64,
    pub policy_version: String,
    pub terms_version: Option<String>,
    pub accepted_at: DateTime<Utc>,
}

/// Kinds of tracking events (SHR-7, SHR-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The room page was opened.
    Open,
    /// A file was viewed (inline).
    View,
    /// A file was downloaded (single file, or as part of the ZIP).
    Download,
    /// The recipient's first access (only when the room asks for it, SHR-10).
    FirstAccess,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Open,
        EventKind::View,
        EventKind::Download,
        EventKind::FirstAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Open => "open",
            EventKind::View => "view",
            EventKind::Download => "download",
            EventKind::FirstAccess => "first_access",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// German label.
    pub fn label_de(self) -> &'static str {
        match self {
            EventKind::Open => "Raum geöffnet",
            EventKind::View => "Datei angesehen",
            EventKind::Download => "Datei heruntergeladen",
            EventKind::FirstAccess => "Erster Zugriff",
        }
    }
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub room_id: i64,
    pub recipient_id: i64,
    pub kind: EventKind,
    pub file_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEvent {
    pub id: i64,
    pub room_id: i64,
    pub recipient_id: i64,
    pub kind: EventKind,
    pub file_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFilter {
    pub room_id: Option<i64>,
    pub recipient_id: Option<i64>,
    /// Only events not yet handed to the ERP.
    pub unexported: bool,
    /// Events with `id > after` (oldest first).
    pub after: i64,
    pub limit: u32,
}

/// Event counts of one recipient (or of a room when `recipient_id` is `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCounts {
    pub recipient_id: Option<i64>,
    pub opens: i64,
    pub views: i64,
    pub downloads: i64,
    pub last_at: Option<DateTime<Utc>>,
}

/// Share rooms and staff accounts. Every method is one transaction.
#[async_trait]
pub trait ShareStore: Send + Sync {
    // --- staff ---------------------------------------------------------------------------

    /// Creates a staff account; `Conflict` when the name exists.
    async fn create_staff(
        &self,
        name: &str,
        email: Option<&str>,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<StaffUser>;
    /// The active staff account with this key hash.
    async fn staff_by_key_hash(&self, key_hash: &str) -> Result<Option<StaffUser>>;
    async fn staff_list(&self) -> Result<Vec<StaffUser>>;
    /// Switches an account off; `false` when there is no active account of that name.
    async fn revoke_staff(&self, name: &str, at: DateTime<Utc>) -> Result<bool>;

    // --- rooms, folders, files -----------------------------------------------------------

    /// Creates the room of an object; `Conflict` when the object has one (SHR-1).
    async fn create_room(&self, room: &NewRoom) -> Result<Room>;
    async fn room(&self, id: i64) -> Result<Option<Room>>;
    async fn room_by_object(&self, object_kind: &str, object_id: &str) -> Result<Option<Room>>;
    async fn rooms(&self) -> Result<Vec<Room>>;
    /// Replaces title and consent settings (a change for every recipient, SHR-9).
    async fn update_room(
        &self,
        id: i64,
        title: &str,
        consent: &ConsentSettings,
        first_access_activity: bool,
        at: DateTime<Utc>,
    ) -> Result<Room>;
    /// Adds a folder; `Conflict` when the room has one of that name.
    async fn add_folder(&self, room_id: i64, name: &str, at: DateTime<Utc>) -> Result<Folder>;
    async fn folders(&self, room_id: i64) -> Result<Vec<Folder>>;
    async fn add_file(&self, file: &NewShareFile) -> Result<ShareFile>;
    /// Files of a room, by ID.
    async fn files(&self, room_id: i64) -> Result<Vec<ShareFile>>;
    /// One file of one room (a file ID of another room is `None`).
    async fn file(&self, room_id: i64, file_id: i64) -> Result<Option<ShareFile>>;
    /// Removes a file's row and returns it (the caller removes the bytes).
    async fn delete_file(&self, room_id: i64, file_id: i64) -> Result<Option<ShareFile>>;

    // --- recipients and consent ----------------------------------------------------------

    async fn add_recipient(&self, r: &NewRecipient) -> Result<Recipient>;
    async fn recipients(&self, room_id: i64) -> Result<Vec<Recipient>>;
    async fn recipient(&self, id: i64) -> Result<Option<Recipient>>;
    /// The recipient whose token hashes to `token_hash` (active or not: the caller checks).
    async fn recipient_by_token_hash(&self, token_hash: &str) -> Result<Option<Recipient>>;
    /// Gives the recipient a new token (the old link stops working).
    async fn set_recipient_token(
        &self,
        id: i64,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Revokes (`Some(time)`) or restores (`None`) a recipient's access (SHR-8).
    async fn set_recipient_revoked(
        &self,
        id: i64,
        revoked_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Sets or clears the expiry (SHR-10).
    async fn set_recipient_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    async fn record_consent(
        &self,
        recipient_id: i64,
        policy_version: &str,
        terms_version: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Consent>;
    /// The recipient's latest consent.
    async fn latest_consent(&self, recipient_id: i64) -> Result<Option<Consent>>;

    // --- tracking ------------------------------------------------------------------------

    /// Records one event (one INSERT). For an `Open` of a recipient whose first access is
    /// not yet recorded, the first access is set in the same transaction and, when
    /// `first_access_event`, a `FirstAccess` event is added. Returns the event's ID.
    async fn record_event(&self, e: &NewEvent, first_access_event: bool) -> Result<i64>;
    async fn events(&self, filter: &EventFilter) -> Result<Vec<ShareEvent>>;
    /// Counts per recipient of a room (SHR-7), and the room's total (`recipient_id: None`,
    /// first).
    async fn event_counts(&self, room_id: i64) -> Result<Vec<EventCounts>>;
    /// Marks events as handed to the ERP.
    async fn mark_events_exported(&self, ids: &[i64], at: DateTime<Utc>) -> Result<u64>;
}
