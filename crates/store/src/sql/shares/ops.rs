//! The share-room operations, written once for both backends.
//!
//! Compiled twice (see `sql/shares.rs`): `super` provides `Db` and `begin_write`. The SQL runs
//! on SQLite and PostgreSQL alike (`$n` placeholders, `RETURNING`).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, Pool};

use super::{Db, begin_write};
use crate::shares::{
    Consent, ConsentSettings, EventCounts, EventFilter, EventKind, Folder, NewEvent, NewRecipient,
    NewRoom, NewShareFile, Recipient, Room, ShareEvent, ShareFile, StaffUser,
};
use crate::sql::common::{limit, ts};
use crate::{Result, StoreError};

const STAFF_COLS: &str = "id, name, email, active, created_at, updated_at";
const ROOM_COLS: &str = "id, object_kind, object_id, title, consent_required, policy_text, \
     policy_version, terms_text, terms_version, first_access_activity, created_by, created_at, \
     updated_at";
const FOLDER_COLS: &str = "id, room_id, name, created_at, updated_at";
const FILE_COLS: &str = "id, room_id, folder_id, name, size, content_type, sha256, storage_key, \
     created_by, created_at, updated_at";
const RECIPIENT_COLS: &str = "id, room_id, kind, source_ref, name, email, token_hash, \
     expires_at, revoked_at, first_access_at, created_at, updated_at";
const CONSENT_COLS: &str = "id, recipient_id, policy_version, terms_version, accepted_at";
const EVENT_COLS: &str = "id, room_id, recipient_id, kind, file_id, at, exported_at";

/// A unique violation is a `Conflict` naming `what`; other errors stay database errors.
fn conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what()),
        _ => StoreError::Db(e),
    }
}

#[derive(FromRow)]
struct EventRow {
    id: i64,
    room_id: i64,
    recipient_id: i64,
    kind: String,
    file_id: Option<i64>,
    at: DateTime<Utc>,
    exported_at: Option<DateTime<Utc>>,
}

impl EventRow {
    fn into_event(self) -> Result<ShareEvent> {
        let kind = EventKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("Ereignisart „{}“", self.kind)))?;
        Ok(ShareEvent {
            id: self.id,
            room_id: self.room_id,
            recipient_id: self.recipient_id,
            kind,
            file_id: self.file_id,
            at: self.at,
            exported_at: self.exported_at,
        })
    }
}

// --- staff -------------------------------------------------------------------------------

pub(crate) async fn create_staff(
    pool: &Pool<Db>,
    name: &str,
    email: Option<&str>,
    key_hash: &str,
    at: DateTime<Utc>,
) -> Result<StaffUser> {
    let at = ts(at);
    sqlx::query_as(&format!(
        "INSERT INTO staff_users (name, email, key_hash, active, created_at, updated_at) \
         VALUES ($1, $2, $3, TRUE, $4, $4) RETURNING {STAFF_COLS}"
    ))
    .bind(name)
    .bind(email)
    .bind(key_hash)
    .bind(at)
    .fetch_one(pool)
    .await
    .map_err(|e| conflict(e, || format!("Mitarbeiter „{name}“ gibt es schon")))
}

pub(crate) async fn staff_by_key_hash(
    pool: &Pool<Db>,
    key_hash: &str,
) -> Result<Option<StaffUser>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {STAFF_COLS} FROM staff_users WHERE key_hash = $1 AND active = TRUE"
    ))
    .bind(key_hash)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn staff_list(pool: &Pool<Db>) -> Result<Vec<StaffUser>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {STAFF_COLS} FROM staff_users ORDER BY name"
    ))
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn revoke_staff(pool: &Pool<Db>, name: &str, at: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE staff_users SET active = FALSE, updated_at = $2 WHERE name = $1 AND active = TRUE",
    )
    .bind(name)
    .bind(ts(at))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

// --- rooms, folders, files ---------------------------------------------------------------

pub(crate) async fn create_room(pool: &Pool<Db>, r: &NewRoom) -> Result<Room> {
    let at = ts(r.at);
    sqlx::query_as(&format!(
        "INSERT INTO share_rooms (object_kind, object_id, title, consent_required, policy_text, \
         policy_version, terms_text, terms_version, first_access_activity, created_by, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING {ROOM_COLS}"
    ))
    .bind(&r.object_kind)
    .bind(&r.object_id)
    .bind(&r.title)
    .bind(r.consent.required)
    .bind(&r.consent.policy_text)
    .bind(&r.consent.policy_version)
    .bind(&r.consent.terms_text)
    .bind(&r.consent.terms_version)
    .bind(r.first_access_activity)
    .bind(&r.created_by)
    .bind(at)
    .fetch_one(pool)
    .await
    .map_err(|e| {
        conflict(e, || {
            format!(
                "das Objekt {} „{}“ hat schon einen Datenraum (SHR-1)",
                r.object_kind, r.object_id
            )
        })
    })
}

pub(crate) async fn room(pool: &Pool<Db>, id: i64) -> Result<Option<Room>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM share_rooms WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn room_by_object(
    pool: &Pool<Db>,
    object_kind: &str,
    object_id: &str,
) -> Result<Option<Room>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM share_rooms WHERE object_kind = $1 AND object_id = $2"
    ))
    .bind(object_kind)
    .bind(object_id)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn rooms(pool: &Pool<Db>) -> Result<Vec<Room>> {
    Ok(
        sqlx::query_as(&format!("SELECT {ROOM_COLS} FROM share_rooms ORDER BY id"))
            .fetch_all(pool)
            .await?,
    )
}

pub(crate) async fn update_room(
    pool: &Pool<Db>,
    id: i64,
    title: &str,
    consent: &ConsentSettings,
    first_access_activity: bool,
    at: DateTime<Utc>,
) -> Result<Room> {
    sqlx::query_as(&format!(
        "UPDATE share_rooms SET title = $2, consent_required = $3, policy_text = $4, \
         policy_version = $5, terms_text = $6, terms_version = $7, first_access_activity = $8, \
         updated_at = $9 WHERE id = $1 RETURNING {ROOM_COLS}"
    ))
    .bind(id)
    .bind(title)
    .bind(consent.required)
    .bind(&consent.policy_text)
    .bind(&consent.policy_version)
    .bind(&consent.terms_text)
    .bind(&consent.terms_version)
    .bind(first_access_activity)
    .bind(ts(at))
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("Datenraum {id}")))
}

pub(crate) async fn add_folder(
    pool: &Pool<Db>,
    room_id: i64,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Folder> {
    sqlx::query_as(&format!(
        "INSERT INTO share_folders (room_id, name, created_at, updated_at) \
         VALUES ($1, $2, $3, $3) RETURNING {FOLDER_COLS}"
    ))
    .bind(room_id)
    .bind(name)
    .bind(ts(at))
    .fetch_one(pool)
    .await
    .map_err(|e| {
        conflict(e, || {
            format!("Ordner „{name}“ gibt es in diesem Raum schon")
        })
    })
}

pub(crate) async fn folders(pool: &Pool<Db>, room_id: i64) -> Result<Vec<Folder>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FOLDER_COLS} FROM share_folders WHERE room_id = $1 ORDER BY name, id"
    ))
    .bind(room_id)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn add_file(pool: &Pool<Db>, f: &NewShareFile) -> Result<ShareFile> {
    let at = ts(f.at);
    Ok(sqlx::query_as(&format!(
        "INSERT INTO share_files (room_id, folder_id, name, size, content_type, sha256, \
         storage_key, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {FILE_COLS}"
    ))
    .bind(f.room_id)
    .bind(f.folder_id)
    .bind(&f.name)
    .bind(f.size)
    .bind(&f.content_type)
    .bind(&f.sha256)
    .bind(&f.storage_key)
    .bind(&f.created_by)
    .bind(at)
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn files(pool: &Pool<Db>, room_id: i64) -> Result<Vec<ShareFile>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FILE_COLS} FROM share_files WHERE room_id = $1 ORDER BY id"
    ))
    .bind(room_id)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn file(pool: &Pool<Db>, room_id: i64, file_id: i64) -> Result<Option<ShareFile>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FILE_COLS} FROM share_files WHERE room_id = $1 AND id = $2"
    ))
    .bind(room_id)
    .bind(file_id)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn delete_file(
    pool: &Pool<Db>,
    room_id: i64,
    file_id: i64,
) -> Result<Option<ShareFile>> {
    Ok(sqlx::query_as(&format!(
        "DELETE FROM share_files WHERE room_id = $1 AND id = $2 RETURNING {FILE_COLS}"
    ))
    .bind(room_id)
    .bind(file_id)
    .fetch_optional(pool)
    .await?)
}

// --- recipients and consent --------------------------------------------------------------

pub(crate) async fn add_recipient(pool: &Pool<Db>, r: &NewRecipient) -> Result<Recipient> {
    let at = ts(r.at);
    sqlx::query_as(&format!(
        "INSERT INTO share_recipients (room_id, kind, source_ref, name, email, token_hash, \
         expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {RECIPIENT_COLS}"
    ))
    .bind(r.room_id)
    .bind(&r.kind)
    .bind(&r.source_ref)
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.token_hash)
    .bind(r.expires_at.map(ts))
    .bind(at)
    .fetch_one(pool)
    .await
    .map_err(|e| conflict(e, || "Link-Token ist schon vergeben".to_owned()))
}

pub(crate) async fn recipients(pool: &Pool<Db>, room_id: i64) -> Result<Vec<Recipient>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECIPIENT_COLS} FROM share_recipients WHERE room_id = $1 ORDER BY id"
    ))
    .bind(room_id)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn recipient(pool: &Pool<Db>, id: i64) -> Result<Option<Recipient>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECIPIENT_COLS} FROM share_recipients WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn recipient_by_token_hash(
    pool: &Pool<Db>,
    token_hash: &str,
) -> Result<Option<Recipient>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECIPIENT_COLS} FROM share_recipients WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn set_recipient_token(
    pool: &Pool<Db>,
    id: i64,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE share_recipients SET token_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(token_hash)
            .bind(ts(at))
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn set_recipient_revoked(
    pool: &Pool<Db>,
    id: i64,
    revoked_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE share_recipients SET revoked_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(revoked_at.map(ts))
            .bind(ts(at))
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn set_recipient_expiry(
    pool: &Pool<Db>,
    id: i64,
    expires_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE share_recipients SET expires_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(expires_at.map(ts))
            .bind(ts(at))
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn record_consent(
    pool: &Pool<Db>,
    recipient_id: i64,
    policy_version: &str,
    terms_version: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Consent> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO share_consents (recipient_id, policy_version, terms_version, accepted_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4) RETURNING {CONSENT_COLS}"
    ))
    .bind(recipient_id)
    .bind(policy_version)
    .bind(terms_version)
    .bind(ts(at))
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn latest_consent(pool: &Pool<Db>, recipient_id: i64) -> Result<Option<Consent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CONSENT_COLS} FROM share_consents WHERE recipient_id = $1 \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(recipient_id)
    .fetch_optional(pool)
    .await?)
}

// --- tracking ----------------------------------------------------------------------------

const INSERT_EVENT: &str = "INSERT INTO share_events (room_id, recipient_id, kind, file_id, at, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id";

pub(crate) async fn record_event(
    pool: &Pool<Db>,
    e: &NewEvent,
    first_access_event: bool,
) -> Result<i64> {
    let at = ts(e.at);
    if e.kind != EventKind::Open {
        // One INSERT, in its own transaction: concurrent events never overwrite each other.
        return Ok(sqlx::query_scalar(INSERT_EVENT)
            .bind(e.room_id)
            .bind(e.recipient_id)
            .bind(e.kind.as_str())
            .bind(e.file_id)
            .bind(at)
            .bind(ts(Utc::now()))
            .fetch_one(pool)
            .await?);
    }
    let now = ts(Utc::now());
    let mut tx = begin_write(pool).await?;
    let first = sqlx::query(
        "UPDATE share_recipients SET first_access_at = $2, updated_at = $3 \
         WHERE id = $1 AND first_access_at IS NULL",
    )
    .bind(e.recipient_id)
    .bind(at)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if first && first_access_event {
        sqlx::query(INSERT_EVENT)
            .bind(e.room_id)
            .bind(e.recipient_id)
            .bind(EventKind::FirstAccess.as_str())
            .bind(None::<i64>)
            .bind(at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    let id = sqlx::query_scalar(INSERT_EVENT)
        .bind(e.room_id)
        .bind(e.recipient_id)
        .bind(e.kind.as_str())
        .bind(e.file_id)
        .bind(at)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn events(pool: &Pool<Db>, f: &EventFilter) -> Result<Vec<ShareEvent>> {
    let mut sql = format!("SELECT {EVENT_COLS} FROM share_events WHERE id > $1");
    let mut n = 1;
    if f.room_id.is_some() {
        n += 1;
        sql.push_str(&format!(" AND room_id = ${n}"));
    }
    if f.recipient_id.is_some() {
        n += 1;
        sql.push_str(&format!(" AND recipient_id = ${n}"));
    }
    if f.unexported {
        sql.push_str(" AND exported_at IS NULL");
    }
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", n + 1));
    let mut q = sqlx::query_as::<_, EventRow>(&sql).bind(f.after);
    if let Some(room) = f.room_id {
        q = q.bind(room);
    }
    if let Some(recipient) = f.recipient_id {
        q = q.bind(recipient);
    }
    let rows = q.bind(limit(f.limit)).fetch_all(pool).await?;
    rows.into_iter().map(EventRow::into_event).collect()
}

#[derive(FromRow)]
struct CountRow {
    recipient_id: i64,
    opens: i64,
    views: i64,
    downloads: i64,
}

pub(crate) async fn event_counts(pool: &Pool<Db>, room_id: i64) -> Result<Vec<EventCounts>> {
    let rows: Vec<CountRow> = sqlx::query_as(
        "SELECT recipient_id, \
         CAST(SUM(CASE WHEN kind = 'open' THEN 1 ELSE 0 END) AS BIGINT) AS opens, \
         CAST(SUM(CASE WHEN kind = 'view' THEN 1 ELSE 0 END) AS BIGINT) AS views, \
         CAST(SUM(CASE WHEN kind = 'download' THEN 1 ELSE 0 END) AS BIGINT) AS downloads \
         FROM share_events WHERE room_id = $1 GROUP BY recipient_id ORDER BY recipient_id",
    )
    .bind(room_id)
    .fetch_all(pool)
    .await?;
    let mut total = EventCounts::default();
    let mut out = Vec::with_capacity(rows.len() + 1);
    for r in rows {
        let last_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT at FROM share_events WHERE room_id = $1 AND recipient_id = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(room_id)
        .bind(r.recipient_id)
        .fetch_optional(pool)
        .await?;
        total.opens += r.opens;
        total.views += r.views;
        total.downloads += r.downloads;
        total.last_at = total.last_at.max(last_at);
        out.push(EventCounts {
            recipient_id: Some(r.recipient_id),
            opens: r.opens,
            views: r.views,
            downloads: r.downloads,
            last_at,
        });
    }
    out.insert(0, total);
    Ok(out)
}

pub(crate) async fn mark_events_exported(
    pool: &Pool<Db>,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<u64> {
    let at = ts(at);
    let mut tx = begin_write(pool).await?;
    let mut n = 0;
    for id in ids {
        n += sqlx::query(
            "UPDATE share_events SET exported_at = $2, updated_at = $2 \
             WHERE id = $1 AND exported_at IS NULL",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(n)
}
