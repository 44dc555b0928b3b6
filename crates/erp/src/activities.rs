//! Activities into the ERP's interface table `immohub_in_activities` (SHR-7, SHR-10): the
//! tracking events of share rooms (room opened, file viewed, file downloaded, first access),
//! so that staff see them in the ERP next to the object and the address ("Jetzt einlesen").
//!
//! Like [`crate::ErpSink::write_prospect`], every write is idempotent by the row's unique
//! `external_ref` (`share-event:<event id>`): a repeated push after a crash finds the first
//! row and changes nothing. Every row carries the technical ERP user (GEN-3).

use chrono::{DateTime, Utc};
use immohub_domain::prospect::TechnicalUser;

use crate::error::{BoxError, ErpError};
use crate::sink::{ErpSink, Pool, SinkWrite};
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
    fn values(&self) -> Vec<Option<String>> {
        vec![
            Some(self.external_ref.clone()),
            Some(self.technical_user.as_str().to_owned()),
            Some(self.activity_type.clone()),
            // Filled per backend (time type).
            None,
            Some(self.object_kind.clone()),
            Some(self.object_id.clone()),
            Some(self.room_title.clone()),
            Some(self.recipient_kind.clone()),
            self.recipient_ref.clone(),
            Some(self.recipient_name.clone()),
            self.recipient_email.clone(),
            self.file_name.clone(),
            Some(self.description.clone()),
        ]
    }
}

fn error(transient: bool, source: impl Into<BoxError>) -> ErpError {
    ErpError::Write {
        table: ACTIVITIES_TABLE,
        transient,
        source: source.into(),
    }
}

fn sqlx_error(e: sqlx::Error) -> ErpError {
    error(crate::sink::sqlx_transient(&e), e)
}

fn sqlite_error(e: rusqlite::Error) -> ErpError {
    error(crate::sink::sqlite_transient(&e), e)
}

impl ErpSink {
    /// Writes an activity into [`ACTIVITIES_TABLE`], once per `external_ref`: a second write
    /// of the same reference changes nothing and returns the first row's id.
    pub async fn write_activity(&self, row: &ActivityRow) -> Result<SinkWrite, ErpError> {
        let cols = ACTIVITY_WRITE_COLUMNS.join(", ");
        let n = ACTIVITY_WRITE_COLUMNS.len();
        let mut values = row.values();
        let at = row.occurred_at;
        let external_ref = row.external_ref.clone();
        match &self.pool {
            Pool::Sqlite(target) => {
                let target = target.clone();
                // The demo ERP's timestamp form: UTC, `YYYY-MM-DD HH:MM:SS`.
                values[3] = Some(at.format("%Y-%m-%d %H:%M:%S").to_string());
                let insert = format!(
                    "INSERT INTO {ACTIVITIES_TABLE} ({cols}) VALUES ({}) \
                     ON CONFLICT (external_ref) DO NOTHING",
                    vec!["?"; n].join(", ")
                );
                let select = format!("SELECT id FROM {ACTIVITIES_TABLE} WHERE external_ref = ?");
                tokio::task::spawn_blocking(move || -> Result<SinkWrite, ErpError> {
                    let mut conn = target.open().map_err(sqlite_error)?;
                    let tx = conn
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(sqlite_error)?;
                    let inserted = tx
                        .execute(&insert, rusqlite::params_from_iter(values))
                        .map_err(sqlite_error)?
                        == 1;
                    let erp_id: i64 = tx
                        .query_row(&select, [&external_ref], |r| r.get(0))
                        .map_err(sqlite_error)?;
                    tx.commit().map_err(sqlite_error)?;
                    Ok(SinkWrite { erp_id, inserted })
                })
                .await
                .map_err(|e| error(true, e))?
            }
            Pool::Postgres(pool) => {
                let ph: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
                let insert = format!(
                    "INSERT INTO {ACTIVITIES_TABLE} ({cols}) VALUES ({}) \
                     ON CONFLICT (external_ref) DO NOTHING RETURNING id",
                    ph.join(", ")
                );
                let mut q = sqlx::query_scalar::<_, i64>(&insert);
                for (i, v) in values.into_iter().enumerate() {
                    q = if i == 3 { q.bind(at) } else { q.bind(v) };
                }
                if let Some(erp_id) = q.fetch_optional(pool).await.map_err(sqlx_error)? {
                    return Ok(SinkWrite {
                        erp_id,
                        inserted: true,
                    });
                }
                let erp_id = sqlx::query_scalar::<_, i64>(&format!(
                    "SELECT id FROM {ACTIVITIES_TABLE} WHERE external_ref = $1"
                ))
                .bind(&external_ref)
                .fetch_one(pool)
                .await
                .map_err(sqlx_error)?;
                Ok(SinkWrite {
                    erp_id,
                    inserted: false,
                })
            }
            Pool::MySql(pool) => {
                let insert = format!(
                    "INSERT INTO {ACTIVITIES_TABLE} ({cols}) VALUES ({})",
                    vec!["?"; n].join(", ")
                );
                let mut q = sqlx::query(&insert);
                for (i, v) in values.into_iter().enumerate() {
                    q = if i == 3 {
                        q.bind(at.naive_utc())
                    } else {
                        q.bind(v)
                    };
                }
                match q.execute(pool).await {
                    Ok(done) => Ok(SinkWrite {
                        erp_id: i64::try_from(done.last_insert_id())
                            .map_err(|e| error(false, e))?,
                        inserted: true,
                    }),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        let erp_id = sqlx::query_scalar::<_, i64>(&format!(
                            "SELECT id FROM {ACTIVITIES_TABLE} WHERE external_ref = ?"
                        ))
                        .bind(&external_ref)
                        .fetch_optional(pool)
                        .await
                        .map_err(sqlx_error)?
                        .ok_or_else(|| error(false, e.to_string()))?;
                        Ok(SinkWrite {
                            erp_id,
                            inserted: false,
                        })
                    }
                    Err(e) => Err(sqlx_error(e)),
                }
            }
        }
    }

    /// The backend this sink writes to (for messages).
    pub fn activity_backend(&self) -> Backend {
        self.backend
    }
}
