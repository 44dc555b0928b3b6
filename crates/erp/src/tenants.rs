//! Tenants accepted at a partner ("Mieter ohne Vertrag", TEN-1, TEN-2) into the ERP's interface
//! tables `immohub_in_tenants` (one row: the **main tenant**, who becomes the business partner)
//! and `immohub_in_tenant_documents` (one row per dossier file). Household members travel in
//! the dossier (`household` as JSON), never as business partners (TEN-2).
//!
//! The dossier files are copied into the ERP's dossier directory (`[erp] dossier_dir`, a share
//! the ERP reads) under `<reference>/<file>` before the rows are written: each file is written
//! as `*.part`, synced and renamed, so the ERP never sees half a file, and a row never points
//! to a missing file. Like every interface write, the rows are idempotent by the unique
//! `external_ref` (GEN-11) and carry the technical ERP user (GEN-3); a repeated write changes
//! nothing and returns the first row.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use immohub_domain::prospect::TechnicalUser;
use immohub_domain::tenant::AcceptedTenant;

use crate::error::{BoxError, ErpError};
use crate::sink::{
    ErpSink, Param, PersonMatch, Pool, SinkWrite, insert_row_sql, mysql_args, person_params,
    pg_args, sqlite_values, write_error_in,
};

/// The interface table for accepted tenants.
pub const TENANTS_TABLE: &str = "immohub_in_tenants";
/// The interface table for their dossier files.
pub const TENANT_DOCUMENTS_TABLE: &str = "immohub_in_tenant_documents";

/// The columns immohub writes into [`TENANTS_TABLE`], in statement order.
pub const TENANT_WRITE_COLUMNS: [&str; 31] = [
    "external_ref",
    "technical_user",
    "partner",
    "received_at",
    "unit_id",
    "client_no",
    "property_no",
    "building_no",
    "unit_no",
    "salutation",
    "first_name",
    "surname",
    "birth_date",
    "email",
    "phone",
    "street",
    "house_no",
    "postal_code",
    "city",
    "country",
    "message",
    "move_in",
    "household",
    "household_count",
    "document_count",
    "dossier_path",
    "source",
    "payload_hash",
    "linked_person_no",
    "match_score",
    "match_note",
];

/// The columns the ERP fills (and the row id and write time the table assigns).
pub const TENANT_ERP_COLUMNS: [&str; 6] = [
    "id",
    "written_at",
    "import_status",
    "import_message",
    "person_no",
    "imported_at",
];

/// The columns immohub writes into [`TENANT_DOCUMENTS_TABLE`], in statement order.
pub const TENANT_DOCUMENT_COLUMNS: [&str; 9] = [
    "tenant_ref",
    "position",
    "kind",
    "kind_label",
    "file_name",
    "content_type",
    "size_bytes",
    "sha256",
    "path",
];

/// One accepted tenant as it goes into the interface tables.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantRow {
    /// Unique reference: the same reference is the same row (idempotency).
    pub external_ref: String,
    /// The partner's technical ERP user (GEN-3).
    pub technical_user: TechnicalUser,
    pub partner: String,
    pub received_at: DateTime<Utc>,
    /// ERP numbers of the unit: client, property, building, unit.
    pub client_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    pub source: String,
    pub payload_hash: String,
    pub tenant: AcceptedTenant,
    /// The duplicate check's verdict for the main tenant (PRO-3).
    pub person_match: PersonMatch,
    /// Where immohub keeps the dossier's files (`AcceptedTenant::documents[].stored_name` in
    /// it).
    pub source_dir: PathBuf,
}

impl TenantRow {
    /// The dossier's directory name below the ERP's dossier directory: the reference with
    /// every character outside `[A-Za-z0-9._-]` replaced by `_`, plus a short hash so that two
    /// references never share a directory.
    pub fn dossier_name(&self) -> String {
        use sha2::{Digest, Sha256};
        let safe: String = self
            .external_ref
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        let digest = Sha256::digest(self.external_ref.as_bytes());
        format!("{safe}-{}", hex::encode(&digest[..4]))
    }

    /// The values of [`TENANT_WRITE_COLUMNS`], in order.
    fn params(&self) -> Result<Vec<Param>, ErpError> {
        let t = |s: &str| Param::Text(Some(s.to_owned()));
        let count = |n: usize| Param::Int(i64::try_from(n).unwrap_or(i64::MAX));
        let household =
            serde_json::to_string(&self.tenant.household).map_err(|e| write_error(false, e))?;
        let mut v = vec![
            t(&self.external_ref),
            t(self.technical_user.as_str()),
            t(&self.partner),
            Param::Time(self.received_at),
            t(&self.tenant.main_tenant.unit_id),
            t(&self.client_no),
            t(&self.property_no),
            t(&self.building_no),
            t(&self.unit_no),
        ];
        v.extend(person_params(&self.tenant.main_tenant));
        v.extend([
            Param::Date(self.tenant.move_in),
            t(&household),
            count(self.tenant.household.len()),
            count(self.tenant.documents.len()),
            t(&self.dossier_name()),
            t(&self.source),
            t(&self.payload_hash),
        ]);
        v.extend(self.person_match.params());
        Ok(v)
    }

    fn document_params(&self) -> Vec<Vec<Param>> {
        let dir = self.dossier_name();
        self.tenant
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                vec![
                    Param::Text(Some(self.external_ref.clone())),
                    Param::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                    Param::Text(Some(d.kind.as_str().to_owned())),
                    Param::Text(Some(d.kind.label_de().to_owned())),
                    Param::Text(Some(d.file_name.clone())),
                    Param::Text(d.content_type.clone()),
                    Param::Int(i64::try_from(d.size).unwrap_or(i64::MAX)),
                    Param::Text(Some(d.sha256.clone())),
                    Param::Text(Some(format!("{dir}/{}", d.stored_name))),
                ]
            })
            .collect()
    }
}

fn write_error(transient: bool, source: impl Into<BoxError>) -> ErpError {
    write_error_in(TENANTS_TABLE, transient, source)
}

fn sqlx_error(e: sqlx::Error) -> ErpError {
    write_error(crate::sink::sqlx_transient(&e), e)
}

fn sqlite_error(e: rusqlite::Error) -> ErpError {
    write_error(crate::sink::sqlite_transient(&e), e)
}

/// Copies the dossier's files from `from` into `to` (created), each via `*.part`, fsync and
/// rename; a file already there with the right size is kept (a repeated write).
async fn copy_dossier(row: &TenantRow, to: &Path) -> Result<(), ErpError> {
    let io = |what: String| {
        move |e: std::io::Error| write_error(true, format!("Dossier-Verzeichnis: {what}: {e}"))
    };
    tokio::fs::create_dir_all(to)
        .await
        .map_err(io(to.display().to_string()))?;
    for d in &row.tenant.documents {
        let target = to.join(&d.stored_name);
        if let Ok(meta) = tokio::fs::metadata(&target).await
            && meta.len() == d.size
        {
            continue;
        }
        let source = row.source_dir.join(&d.stored_name);
        let part = to.join(format!("{}.part", d.stored_name));
        tokio::fs::copy(&source, &part).await.map_err(|e| {
            // A missing source is the item's fault (its files are gone), not transient.
            let transient = e.kind() != std::io::ErrorKind::NotFound;
            write_error(
                transient,
                format!("Datei {} kopieren: {e}", source.display()),
            )
        })?;
        let file = tokio::fs::File::open(&part)
            .await
            .map_err(io(part.display().to_string()))?;
        file.sync_all()
            .await
            .map_err(io(part.display().to_string()))?;
        tokio::fs::rename(&part, &target)
            .await
            .map_err(io(target.display().to_string()))?;
    }
    Ok(())
}

impl ErpSink {
    /// Writes an accepted tenant (TEN-1, TEN-2): copies the dossier's files into
    /// `dossier_dir/<dossier name>/`, then, in one transaction, the main tenant's row into
    /// [`TENANTS_TABLE`] and one row per file into [`TENANT_DOCUMENTS_TABLE`] — once per
    /// `external_ref`: a second write changes nothing and returns the first row's id.
    pub async fn write_tenant(
        &self,
        row: &TenantRow,
        dossier_dir: &Path,
    ) -> Result<SinkWrite, ErpError> {
        copy_dossier(row, &dossier_dir.join(row.dossier_name())).await?;
        let params = row.params()?;
        let docs = row.document_params();
        let external_ref = row.external_ref.clone();
        let backend = self.backend;
        let ins = insert_row_sql(
            backend,
            TENANTS_TABLE,
            &TENANT_WRITE_COLUMNS,
            "external_ref",
            true,
        );
        let ins_doc = insert_row_sql(
            backend,
            TENANT_DOCUMENTS_TABLE,
            &TENANT_DOCUMENT_COLUMNS,
            "tenant_ref, position",
            false,
        );
        let select = format!(
            "SELECT id FROM {TENANTS_TABLE} WHERE external_ref = {}",
            if backend == crate::source::Backend::Postgres {
                "$1"
            } else {
                "?"
            }
        );
        match &self.pool {
            Pool::Sqlite(target) => {
                let target = target.clone();
                tokio::task::spawn_blocking(move || -> Result<SinkWrite, ErpError> {
                    let mut conn = target.open().map_err(sqlite_error)?;
                    let tx = conn
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(sqlite_error)?;
                    let inserted = tx
                        .execute(&ins, rusqlite::params_from_iter(sqlite_values(&params)))
                        .map_err(sqlite_error)?
                        == 1;
                    for d in &docs {
                        tx.execute(&ins_doc, rusqlite::params_from_iter(sqlite_values(d)))
                            .map_err(sqlite_error)?;
                    }
                    let erp_id: i64 = tx
                        .query_row(&select, [&external_ref], |r| r.get(0))
                        .map_err(sqlite_error)?;
                    tx.commit().map_err(sqlite_error)?;
                    Ok(SinkWrite { erp_id, inserted })
                })
                .await
                .map_err(|e| write_error(true, e))?
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(sqlx_error)?;
                let inserted =
                    sqlx::query_scalar_with::<_, i64, _>(&ins, pg_args(TENANTS_TABLE, params)?)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(sqlx_error)?;
                for d in docs {
                    sqlx::query_with(&ins_doc, pg_args(TENANT_DOCUMENTS_TABLE, d)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(sqlx_error)?;
                }
                let erp_id = match inserted {
                    Some(id) => id,
                    None => sqlx::query_scalar::<_, i64>(&select)
                        .bind(&external_ref)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(sqlx_error)?,
                };
                tx.commit().await.map_err(sqlx_error)?;
                Ok(SinkWrite {
                    erp_id,
                    inserted: inserted.is_some(),
                })
            }
            Pool::MySql(pool) => {
                let mut tx = pool.begin().await.map_err(sqlx_error)?;
                let existing: Option<i64> = sqlx::query_scalar(&format!("{select} FOR UPDATE"))
                    .bind(&external_ref)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(sqlx_error)?;
                if let Some(erp_id) = existing {
                    tx.rollback().await.map_err(sqlx_error)?;
                    return Ok(SinkWrite {
                        erp_id,
                        inserted: false,
                    });
                }
                let q = sqlx::query_with(&ins, mysql_args(TENANTS_TABLE, params)?);
                let erp_id = match q.execute(&mut *tx).await {
                    Ok(done) => {
                        i64::try_from(done.last_insert_id()).map_err(|e| write_error(false, e))?
                    }
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        // Written concurrently by another instance: that row stands.
                        drop(tx);
                        let erp_id = sqlx::query_scalar::<_, i64>(&select)
                            .bind(&external_ref)
                            .fetch_optional(pool)
                            .await
                            .map_err(sqlx_error)?
                            .ok_or_else(|| write_error(false, e.to_string()))?;
                        return Ok(SinkWrite {
                            erp_id,
                            inserted: false,
                        });
                    }
                    Err(e) => return Err(sqlx_error(e)),
                };
                for d in docs {
                    sqlx::query_with(&ins_doc, mysql_args(TENANT_DOCUMENTS_TABLE, d)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(sqlx_error)?;
                }
                tx.commit().await.map_err(sqlx_error)?;
                Ok(SinkWrite {
                    erp_id,
                    inserted: true,
                })
            }
        }
    }

    /// Checks that both tenant tables exist with every column immohub writes and reads.
    pub async fn check_tenants(&self) -> Result<u64, ErpError> {
        let cols = TENANT_WRITE_COLUMNS
            .iter()
            .chain(&TENANT_ERP_COLUMNS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let probes = [
            format!("SELECT {cols} FROM {TENANTS_TABLE} WHERE 1 = 0"),
            format!(
                "SELECT id, {} FROM {TENANT_DOCUMENTS_TABLE} WHERE 1 = 0",
                TENANT_DOCUMENT_COLUMNS.join(", ")
            ),
        ];
        let count = format!("SELECT count(*) FROM {TENANTS_TABLE}");
        let n: i64 = match &self.pool {
            Pool::Sqlite(target) => {
                let target = target.clone();
                tokio::task::spawn_blocking(move || -> Result<i64, ErpError> {
                    let conn = target.open().map_err(sqlite_error)?;
                    for p in &probes {
                        conn.prepare(p).map_err(sqlite_error)?;
                    }
                    conn.query_row(&count, [], |r| r.get(0))
                        .map_err(sqlite_error)
                })
                .await
                .map_err(|e| write_error(true, e))??
            }
            Pool::Postgres(pool) => {
                for p in &probes {
                    sqlx::query(p).execute(pool).await.map_err(sqlx_error)?;
                }
                sqlx::query_scalar(&count)
                    .fetch_one(pool)
                    .await
                    .map_err(sqlx_error)?
            }
            Pool::MySql(pool) => {
                for p in &probes {
                    sqlx::query(p).execute(pool).await.map_err(sqlx_error)?;
                }
                sqlx::query_scalar(&count)
                    .fetch_one(pool)
                    .await
                    .map_err(sqlx_error)?
            }
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
