//! What the demo ERP's own staff and jobs do with what immohub writes (PRO-4): the ERP's
//! **import** reads the interface table `immohub_in_prospects`, creates the business partner
//! (or takes the one the duplicate check linked, PRO-3) and an **offer** for the unit; staff
//! **accept** an offer ("Annehmen und Mietvertrag erstellen"), which creates the lease with the
//! prospect as main tenant and lets the vacancy. The lease and the person then flow back to the
//! partners as master data, and the let vacancy as an OpenImmo DELETE (VAC-6).
//!
//! A real ERP does this itself; immohub never writes base tables. This module exists so that the
//! demo, the tour and the end-to-end tests can show the whole loop.

use std::path::Path;

use chrono::{NaiveDate, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};

use crate::error::ErpError;

/// The demo ERP's offers (Angebote), created by [`import_prospects`] (`IF NOT EXISTS`, so demo
/// ERPs made before offers existed get the table on first use).
pub const OFFERS_SQL: &str = "
CREATE TABLE IF NOT EXISTS erp_offers (
    offer_id    INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES erp_clients (client_id),
    offer_no    TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES erp_units (unit_id),
    person_id   INTEGER NOT NULL REFERENCES erp_persons (person_id),
    status      TEXT NOT NULL,  -- OFFEN, ANGENOMMEN, ABGELEHNT
    interface_id INTEGER,       -- immohub_in_prospects.id it came from
    lease_id    INTEGER REFERENCES erp_leases (lease_id),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS erp_offers_no ON erp_offers (client_id, offer_no);
";

/// One interface row the import handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedProspect {
    /// `immohub_in_prospects.id`.
    pub interface_id: i64,
    /// `importiert` or `abgelehnt`.
    pub status: String,
    pub person_no: Option<String>,
    /// `true` when the import took the person the duplicate check linked.
    pub linked: bool,
    pub offer_no: Option<String>,
    /// German.
    pub message: String,
}

/// What accepting an offer created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedOffer {
    pub offer_no: String,
    pub client_no: String,
    pub lease_no: String,
    pub person_no: String,
    pub start: NaiveDate,
    /// Other open offers for the same unit, now declined.
    pub declined: u64,
}

fn step(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> ErpError {
    let step = what.into();
    move |source| ErpError::Demo { step, source }
}

async fn open(path: &Path) -> Result<SqliteConnection, ErpError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .map_err(step(format!("{} öffnen", path.display())))?;
    sqlx::raw_sql(OFFERS_SQL)
        .execute(&mut conn)
        .await
        .map_err(step("Tabelle erp_offers anlegen"))?;
    Ok(conn)
}

fn now_text() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The ERP's import job: every interface row with `import_status = 'neu'` becomes an offer for
/// its unit, with the linked person (`linked_person_no`, PRO-3) or a new business partner.
/// Rows whose unit or linked person is unknown are set to `abgelehnt` with a message. Each row
/// is one transaction.
pub async fn import_prospects(path: &Path) -> Result<Vec<ImportedProspect>, ErpError> {
    let mut conn = open(path).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM immohub_in_prospects WHERE import_status = 'neu' ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(step("offene Interessenten lesen"))?;
    let mut done = Vec::with_capacity(ids.len());
    for id in ids {
        let mut tx = conn.begin().await.map_err(step("Transaktion beginnen"))?;
        let result = import_one(&mut tx, id).await?;
        let now = now_text();
        sqlx::query(
            "UPDATE immohub_in_prospects SET import_status = $2, import_message = $3, \
                 person_no = $4, offer_no = $5, imported_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(&result.status)
        .bind(&result.message)
        .bind(&result.person_no)
        .bind(&result.offer_no)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(step("Importstatus schreiben"))?;
        tx.commit().await.map_err(step("Import festschreiben"))?;
        done.push(result);
    }
    conn.close().await.ok();
    Ok(done)
}

async fn import_one(conn: &mut SqliteConnection, id: i64) -> Result<ImportedProspect, ErpError> {
    let row = sqlx::query(
        "SELECT client_no, property_no, building_no, unit_no, linked_person_no, salutation, \
                first_name, surname, birth_date, email, phone, street, house_no, postal_code, \
                city \
         FROM immohub_in_prospects WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .map_err(step("Interessent lesen"))?;
    let text = |i: usize| row.try_get::<Option<String>, _>(i).ok().flatten();
    let rejected = |message: String| ImportedProspect {
        interface_id: id,
        status: "abgelehnt".to_owned(),
        person_no: None,
        linked: false,
        offer_no: None,
        message,
    };
    let (client_no, property_no, building_no, unit_no) = (
        text(0).unwrap_or_default(),
        text(1).unwrap_or_default(),
        text(2).unwrap_or_default(),
        text(3).unwrap_or_default(),
    );
    let unit: Option<(i64, i64)> = sqlx::query_as(
        "SELECT u.unit_id, c.client_id FROM erp_units u \
         JOIN erp_buildings b ON b.building_id = u.building_id \
         JOIN erp_properties p ON p.property_id = b.property_id \
         JOIN erp_clients c ON c.client_id = p.client_id \
         WHERE c.client_no = $1 AND p.property_no = $2 AND b.building_no = $3 \
           AND u.unit_no = $4",
    )
    .bind(&client_no)
    .bind(&property_no)
    .bind(&building_no)
    .bind(&unit_no)
    .fetch_optional(&mut *conn)
    .await
    .map_err(step("Einheit suchen"))?;
    let Some((unit_id, client_id)) = unit else {
        return Ok(rejected(format!(
            "Einheit {client_no}/{property_no}/{building_no}/{unit_no} gibt es nicht"
        )));
    };
    let (person_id, person_no, linked) = match text(4) {
        Some(linked_no) => {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT person_id FROM erp_persons WHERE client_id = $1 AND person_no = $2",
            )
            .bind(client_id)
            .bind(&linked_no)
            .fetch_optional(&mut *conn)
            .await
            .map_err(step("verknüpfte Person suchen"))?;
            let Some(person_id) = found else {
                return Ok(rejected(format!(
                    "verknüpfte Person {linked_no} gibt es im Mandanten {client_no} nicht"
                )));
            };
            (person_id, linked_no, true)
        }
        None => {
            let next: i64 = sqlx::query_scalar(
                "SELECT coalesce(max(CAST(person_no AS INTEGER)), 100000) + 1 FROM erp_persons \
                 WHERE client_id = $1",
            )
            .bind(client_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(step("nächste Personennummer"))?;
            let person_no = next.to_string();
            let person_id: i64 = sqlx::query_scalar(
                "INSERT INTO erp_persons (client_id, person_no, salutation, first_name, surname, \
                     birth_date, email, phone, street, house_no, postal_code, city, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 RETURNING person_id",
            )
            .bind(client_id)
            .bind(&person_no)
            .bind(text(5))
            .bind(text(6))
            .bind(text(7))
            .bind(text(8))
            .bind(text(9))
            .bind(text(10))
            .bind(text(11))
            .bind(text(12))
            .bind(text(13))
            .bind(text(14))
            .bind(now_text())
            .fetch_one(&mut *conn)
            .await
            .map_err(step("Geschäftspartner anlegen"))?;
            (person_id, person_no, false)
        }
    };
    let next_offer: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(CAST(substr(offer_no, 5) AS INTEGER)), 0) + 1 FROM erp_offers \
         WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(step("nächste Angebotsnummer"))?;
    let offer_no = format!("ANG-{next_offer:06}");
    sqlx::query(
        "INSERT INTO erp_offers (client_id, offer_no, unit_id, person_id, status, interface_id) \
         VALUES ($1, $2, $3, $4, 'OFFEN', $5)",
    )
    .bind(client_id)
    .bind(&offer_no)
    .bind(unit_id)
    .bind(person_id)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(step("Angebot anlegen"))?;
    let message = if linked {
        format!("Angebot {offer_no} für vorhandenen Geschäftspartner {person_no}")
    } else {
        format!("Angebot {offer_no}, Geschäftspartner {person_no} neu angelegt")
    };
    Ok(ImportedProspect {
        interface_id: id,
        status: "importiert".to_owned(),
        person_no: Some(person_no),
        linked,
        offer_no: Some(offer_no),
        message,
    })
}

/// Staff accept an open offer ("Annehmen und Mietvertrag erstellen"): a lease for the unit
/// from `start` (default: the vacancy's availability, at the earliest tomorrow) with the
/// offer's person as main tenant and the vacancy's net cold rent; the vacancy is let
/// (`VERMIETET`), the offer `ANGENOMMEN`, other open offers for the unit `ABGELEHNT`.
pub async fn accept_offer(
    path: &Path,
    client_no: &str,
    offer_no: &str,
    start: Option<NaiveDate>,
) -> Result<AcceptedOffer, ErpError> {
    let mut conn = open(path).await?;
    let mut tx = conn.begin().await.map_err(step("Transaktion beginnen"))?;
    let offer: Option<(i64, i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT o.offer_id, o.client_id, o.unit_id, o.person_id, o.status, pe.person_no \
         FROM erp_offers o JOIN erp_clients c ON c.client_id = o.client_id \
         JOIN erp_persons pe ON pe.person_id = o.person_id \
         WHERE c.client_no = $1 AND o.offer_no = $2",
    )
    .bind(client_no)
    .bind(offer_no)
    .fetch_optional(&mut *tx)
    .await
    .map_err(step("Angebot suchen"))?;
    let Some((offer_id, client_id, unit_id, person_id, status, person_no)) = offer else {
        return Err(ErpError::DemoRule(format!(
            "Angebot {offer_no} gibt es im Mandanten {client_no} nicht"
        )));
    };
    if status != "OFFEN" {
        return Err(ErpError::DemoRule(format!(
            "Angebot {offer_no} ist nicht offen (Status {status})"
        )));
    }
    let vacancy: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT vacancy_id, available_from, net_cold_rent FROM erp_vacancies \
         WHERE unit_id = $1 AND status = 'OFFEN' ORDER BY vacancy_id DESC LIMIT 1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(step("Leerstand suchen"))?;
    let tomorrow = Utc::now().date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
    let available = vacancy
        .as_ref()
        .and_then(|v| v.1.as_deref())
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let start = start.unwrap_or_else(|| available.map_or(tomorrow, |d| d.max(tomorrow)));
    let next_lease: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(CAST(lease_no AS INTEGER)), 1000000) + 1 FROM erp_leases \
         WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(step("nächste Vertragsnummer"))?;
    let lease_no = next_lease.to_string();
    let now = now_text();
    let lease_id: i64 = sqlx::query_scalar(
        "INSERT INTO erp_leases (client_id, lease_no, unit_id, start_date, net_cold_rent, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING lease_id",
    )
    .bind(client_id)
    .bind(&lease_no)
    .bind(unit_id)
    .bind(start.format("%Y-%m-%d").to_string())
    .bind(vacancy.as_ref().and_then(|v| v.2.clone()))
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(step("Mietvertrag anlegen"))?;
    sqlx::query("INSERT INTO erp_lease_parties (lease_id, person_id, role) VALUES ($1, $2, 'HM')")
        .bind(lease_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await
        .map_err(step("Hauptmieter eintragen"))?;
    // The person's tenancies changed: stamp it, so that a run with change column reads it.
    sqlx::query("UPDATE erp_persons SET updated_at = $2 WHERE person_id = $1")
        .bind(person_id)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(step("Person stempeln"))?;
    if let Some((vacancy_id, ..)) = vacancy {
        sqlx::query(
            "UPDATE erp_vacancies SET status = 'VERMIETET', updated_at = $2 WHERE vacancy_id = $1",
        )
        .bind(vacancy_id)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(step("Leerstand beenden"))?;
    }
    sqlx::query(
        "UPDATE erp_offers SET status = 'ANGENOMMEN', lease_id = $2, updated_at = $3 \
         WHERE offer_id = $1",
    )
    .bind(offer_id)
    .bind(lease_id)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .map_err(step("Angebot annehmen"))?;
    let declined = sqlx::query(
        "UPDATE erp_offers SET status = 'ABGELEHNT', updated_at = $3 \
         WHERE unit_id = $1 AND offer_id <> $2 AND status = 'OFFEN'",
    )
    .bind(unit_id)
    .bind(offer_id)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .map_err(step("andere Angebote ablehnen"))?
    .rows_affected();
    tx.commit().await.map_err(step("Annahme festschreiben"))?;
    conn.close().await.ok();
    Ok(AcceptedOffer {
        offer_no: offer_no.to_owned(),
        client_no: client_no.to_owned(),
        lease_no,
        person_no,
        start,
        declined,
    })
}
