//! [`ShareStore`] for [`SqlStore`]. The operations are written once, in `shares/ops.rs`, and
//! compiled for each backend, like the inbox (`sql/inbox.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, SqlStore};
use crate::shares::{
    Consent, ConsentSettings, EventCounts, EventFilter, Folder, NewEvent, NewRecipient, NewRoom,
    NewShareFile, Recipient, Room, ShareEvent, ShareFile, StaffUser,
};
use crate::{Result, ShareStore};

/// The share operations compiled for SQLite.
#[path = "shares"]
mod sqlite_ops {
    pub(crate) use crate::sql::sqlite::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

/// The share operations compiled for PostgreSQL.
#[path = "shares"]
mod postgres_ops {
    pub(crate) use crate::sql::postgres::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

macro_rules! dispatch {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite_ops::ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres_ops::ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl ShareStore for SqlStore {
    async fn create_staff(
        &self,
        name: &str,
        email: Option<&str>,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<StaffUser> {
        dispatch!(self.create_staff(name, email, key_hash, at))
    }

    async fn staff_by_key_hash(&self, key_hash: &str) -> Result<Option<StaffUser>> {
        dispatch!(self.staff_by_key_hash(key_hash))
    }

    async fn staff_list(&self) -> Result<Vec<StaffUser>> {
        dispatch!(self.staff_list())
    }

    async fn revoke_staff(&self, name: &str, at: DateTime<Utc>) -> Result<bool> {
        dispatch!(self.revoke_staff(name, at))
    }

    async fn create_room(&self, room: &NewRoom) -> Result<Room> {
        dispatch!(self.create_room(room))
    }

    async fn room(&self, id: i64) -> Result<Option<Room>> {
        dispatch!(self.room(id))
    }

    async fn room_by_object(&self, object_kind: &str, object_id: &str) -> Result<Option<Room>> {
        dispatch!(self.room_by_object(object_kind, object_id))
    }

    async fn rooms(&self) -> Result<Vec<Room>> {
        dispatch!(self.rooms())
    }

    async fn update_room(
        &self,
        id: i64,
        title: &str,
        consent: &ConsentSettings,
        first_access_activity: bool,
        at: DateTime<Utc>,
    ) -> Result<Room> {
        dispatch!(self.update_room(id, title, consent, first_access_activity, at))
    }

    async fn add_folder(&self, room_id: i64, name: &str, at: DateTime<Utc>) -> Result<Folder> {
        dispatch!(self.add_folder(room_id, name, at))
    }

    async fn folders(&self, room_id: i64) -> Result<Vec<Folder>> {
        dispatch!(self.folders(room_id))
    }

    async fn add_file(&self, file: &NewShareFile) -> Result<ShareFile> {
        dispatch!(self.add_file(file))
    }

    async fn files(&self, room_id: i64) -> Result<Vec<ShareFile>> {
        dispatch!(self.files(room_id))
    }

    async fn file(&self, room_id: i64, file_id: i64) -> Result<Option<ShareFile>> {
        dispatch!(self.file(room_id, file_id))
    }

    async fn delete_file(&self, room_id: i64, file_id: i64) -> Result<Option<ShareFile>> {
        dispatch!(self.delete_file(room_id, file_id))
    }

    async fn add_recipient(&self, r: &NewRecipient) -> Result<Recipient> {
        dispatch!(self.add_recipient(r))
    }

    async fn recipients(&self, room_id: i64) -> Result<Vec<Recipient>> {
        dispatch!(self.recipients(room_id))
    }

    async fn recipient(&self, id: i64) -> Result<Option<Recipient>> {
        dispatch!(self.recipient(id))
    }

    async fn recipient_by_token_hash(&self, token_hash: &str) -> Result<Option<Recipient>> {
        dispatch!(self.recipient_by_token_hash(token_hash))
    }

    async fn set_recipient_token(
        &self,
        id: i64,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.set_recipient_token(id, token_hash, at))
    }

    async fn set_recipient_revoked(
        &self,
        id: i64,
        revoked_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.set_recipient_revoked(id, revoked_at, at))
    }

    async fn set_recipient_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.set_recipient_expiry(id, expires_at, at))
    }

    async fn record_consent(
        &self,
        recipient_id: i64,
        policy_version: &str,
        terms_version: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Consent> {
        dispatch!(self.record_consent(recipient_id, policy_version, terms_version, at))
    }

    async fn latest_consent(&self, recipient_id: i64) -> Result<Option<Consent>> {
        dispatch!(self.latest_consent(recipient_id))
    }

    async fn record_event(&self, e: &NewEvent, first_access_event: bool) -> Result<i64> {
        dispatch!(self.record_event(e, first_access_event))
    }

    async fn events(&self, filter: &EventFilter) -> Result<Vec<ShareEvent>> {
        dispatch!(self.events(filter))
    }

    async fn event_counts(&self, room_id: i64) -> Result<Vec<EventCounts>> {
        dispatch!(self.event_counts(room_id))
    }

    async fn mark_events_exported(&self, ids: &[i64], at: DateTime<Utc>) -> Result<u64> {
        dispatch!(self.mark_events_exported(ids, at))
    }
}
