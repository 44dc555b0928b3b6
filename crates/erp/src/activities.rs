//! Activities into the ERP's interface table `immohub_in_activities` (SHR-7, SHR-10): the
//! tracking events of share rooms (room opened, file viewed, file downloaded, first access),
//! so that staff see them in the ERP next to the object and the address ("Jetzt einlesen").
//!
//! Like [`crate::ErpSink::write_prospect`], every write is idempotent by the row's unique
//! `external_ref` (`share-event:<event id>`): a repeated push after a crash finds the first
//! row and changes nothing. Every row carries the technical ERP user (GEN-3).

use chrono::{DateTime, Utc};
use immohub_domain::prospect::TechnicalUser;

use crate::error::ErpError;
use crate::sink::{ErpSink, Param, SinkWrite};
use crate::source::Backend;

/// The interface table for activities.
pub const ACTIVITIES_TABLE: &str = "immohub_in_activities";

/// The columns immohub writes into [`ACTIVITIES_TABLE`], in statement order.
pub const ACTIVITY_WRITE_COLUMNS: [&str; 13] = [
    "external_ref",
    "technical_user",
    "activity_type",
    "occurred_at",
    "object_kind",
    "object_id",
    "room_title",
    "recipient_kind",
    "recipient_ref",
    "recipient_name",
    "recipient_email",
    "file_name",
    "description",
];

/// One activity as it goes into [`ACTIVITIES_TABLE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    /// Unique reference (`share-event:<id>`): the same reference is the same row.
    pub external_ref: String,
    /// The technical ERP user immohub writes with (GEN-3).
    pub technical_user: TechnicalUser,
    /// `immocloud_open`, `immocloud_view`, `immocloud_download`, `immocloud_first_access`.
    pub activity_type: String,
    /// When it happened (UTC).
    pub occurred_at: DateTime<Utc>,
    /// The room's object: `property`, `unit` or `listing`, and its ID.
    pub object_kind: String,
    pub object_id: String,
    pub room_title: String,
    /// `person` (ERP person), `prospect` or `address`, and the reference it came from (the
    /// person's composite ID, the inbox item).
    pub recipient_kind: String,
    pub recipient_ref: Option<String>,
    pub recipient_name: String,
    pub recipient_email: Option<String>,
    /// The file viewed or downloaded.
    pub file_name: Option<String>,
    /// German one-line description for the ERP's activity list.
    pub description: String,
}

impl ActivityRow {
    /// The values of [`ACTIVITY_WRITE_COLUMNS`], in order.
    fn params(&self) -> Vec<Param> {
        let t = |s: &str| Param::Text(Some(s.to_owned()));
        vec![
            t(&self.external_ref),
            t(self.technical_user.as_str()),
            t(&self.activity_type),
            Param::Time(self.occurred_at),
            t(&self.object_kind),
            t(&self.object_id),
            t(&self.room_title),
            t(&self.recipient_kind),
            Param::Text(self.recipient_ref.clone()),
            t(&self.recipient_name),
            Param::Text(self.recipient_email.clone()),
            Param::Text(self.file_name.clone()),
            t(&self.description),
        ]
    }
}

impl ErpSink {
    /// Writes an activity into [`ACTIVITIES_TABLE`], once per `external_ref`: a second write
    /// of the same reference changes nothing and returns the first row's id.
    pub async fn write_activity(&self, row: &ActivityRow) -> Result<SinkWrite, ErpError> {
        self.write_row(
            ACTIVITIES_TABLE,
            &ACTIVITY_WRITE_COLUMNS,
            row.params(),
            &row.external_ref,
        )
        .await
    }

    /// The backend this sink writes to (for messages).
    pub fn activity_backend(&self) -> Backend {
        self.backend
    }
}
