//! OpenImmo file export of the `vacancies` feed (VAC-3, VAC-4, VAC-6): everything that changed
//! since the target's last export becomes one ZIP (OpenImmo 1.2.7b XML first, then the images
//! and PDFs under relative paths), which a [`FileDestination`] puts into a directory or onto an
//! FTP/SFTP server. The target's position in the feed moves only after the upload succeeded,
//! so a failed upload is repeated in full by the next run and nothing is skipped.
//!
//! Per record only its newest change goes into a file: an upsert becomes a listing (add for a
//! record's first version, CHANGE later), a deletion a `DELETE` listing (VAC-6) built from the
//! last known canonical vacancy (postcode, city, usage: the schema needs them even there).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono_tz::Europe::Berlin;
use immohub_domain::profile::FeedKind;
use immohub_domain::rules::{UnitType, UnitTypeMapping};
use immohub_domain::vacancy::VacancyPayload;
use immohub_domain::{Entity, ErpEntity, Vacancy};
use immohub_openimmo as oi;
use immohub_store::{
    Batch, Counts, FeedItem, FeedOp, NewRun, Outcome, RecordStatus, RunEnd, RunStatus, Store,
    StoreError,
};

use crate::clock::Clock;
use crate::config::PartnerConfig;

/// Where the ZIP goes: a directory, an FTP or an SFTP server.
#[async_trait]
pub trait FileDestination: Send + Sync {
    /// Readable target for the protocol, without credentials (`sftp://host:22/in`).
    fn describe(&self) -> String;
    /// Puts the local file under `name`; readers must never see a half-written file.
    async fn put(&self, local: &Path, name: &str) -> Result<(), String>;
}

/// One OpenImmo export target of a partner connection.
#[derive(Debug, Clone)]
pub struct OpenImmoExport {
    /// Name of the target within the connection (its own position in the feed).
    pub target: String,
    /// `anbieter/firma`.
    pub company: String,
    /// `anbieter/openimmo_anid`: the provider ID the partner assigned.
    pub openimmo_anid: String,
    /// `anbieter/anbieternr`.
    pub provider_no: Option<String>,
    /// `uebertragung/@techn_email`.
    pub techn_email: Option<String>,
    /// The ERP's document root (`[erp] documents_dir`).
    pub documents_dir: PathBuf,
    /// Where the ZIP is built before the upload.
    pub work_dir: PathBuf,
    /// `manual`, `schedule`, `api`.
    pub trigger: String,
}

/// What one export did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub run_id: i64,
    /// `None` when nothing changed since the last export (no file is sent).
    pub file_name: Option<String>,
    pub listings: usize,
    pub deletions: usize,
    pub attachments: usize,
    /// Listings the writer refused (German reasons with object ID and field).
    pub rejected: Vec<String>,
    /// Feed position after the export.
    pub position: i64,
    pub destination: String,
}

/// Errors that stop an export; the target's position stays where it was.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("OpenImmo-Export: {0}")]
    Write(String),
    #[error("Übertragung an {destination} fehlgeschlagen: {reason}")]
    Upload { destination: String, reason: String },
}

const PAGE: u32 = 500;
const SENDER: &str = "immohub";

/// Exports the changes of the partner's `vacancies` feed since the target's last export.
pub async fn export_openimmo(
    store: &dyn Store,
    partner: &PartnerConfig,
    export: &OpenImmoExport,
    destination: &dyn FileDestination,
    clock: &dyn Clock,
) -> Result<ExportSummary, ExportError> {
    let conn = partner.name.as_str();
    let feed = FeedKind::Vacancy;
    let started_at = clock.now();
    let run_id = store
        .start_run(&NewRun {
            use_case: "leerstaende".to_owned(),
            connection: conn.to_owned(),
            direction: "erp_to_partner".to_owned(),
            trigger: export.trigger.clone(),
            started_at,
        })
        .await?;
    let result = export_in_run(
        store,
        conn,
        feed,
        export,
        destination,
        clock,
        run_id,
        &partner.unit_types,
    )
    .await;
    let (status, errors) = match &result {
        Ok(s) if s.rejected.is_empty() => (RunStatus::Succeeded, Vec::new()),
        Ok(s) => (RunStatus::Partial, s.rejected.clone()),
        Err(e) => (RunStatus::Failed, vec![e.to_string()]),
    };
    store
        .finish_run(
            run_id,
            &RunEnd {
                ended_at: clock.now(),
                status,
                errors,
            },
        )
        .await?;
    result
}

#[allow(clippy::too_many_arguments)]
async fn export_in_run(
    store: &dyn Store,
    conn: &str,
    feed: FeedKind,
    export: &OpenImmoExport,
    destination: &dyn FileDestination,
    clock: &dyn Clock,
    run_id: i64,
    unit_types: &UnitTypeMapping,
) -> Result<ExportSummary, ExportError> {
    let from = store.export_cursor(conn, feed, &export.target).await?;
    let head = store.feed_head(conn, feed).await?;
    let mut summary = ExportSummary {
        run_id,
        file_name: None,
        listings: 0,
        deletions: 0,
        attachments: 0,
        rejected: Vec::new(),
        position: from,
        destination: destination.describe(),
    };
    if head <= from {
        return Ok(summary);
    }
    // Newest change per record between the last export and the head.
    let mut newest: HashMap<String, FeedItem> = HashMap::new();
    let mut after = from;
    while after < head {
        let page = store.feed_page(conn, feed, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for item in page {
            if item.seq <= head {
                newest.insert(item.partner_id.clone(), item);
            }
        }
    }
    let mut items: Vec<FeedItem> = newest.into_values().collect();
    items.sort_by_key(|i| i.seq);

    let now = clock.now();
    let today = now.with_timezone(&Berlin).date_naive();
    let mut listings = Vec::with_capacity(items.len());
    let mut outcome_of: Vec<(String, bool)> = Vec::new();
    let mut failures: Vec<(String, String)> = Vec::new();
    for item in &items {
        let listing = match item.op {
            FeedOp::Upsert => serde_json::from_value::<VacancyPayload>(item.payload.clone())
                .map_err(|e| format!("Leerstand {}: Feed-Eintrag unlesbar: {e}", item.partner_id))
                .map(|p| listing_of(&p, item.version, today, export)),
            FeedOp::Delete => deletion_listing(store, conn, feed, &item.partner_id, today, export, unit_types)
                .await?
                .ok_or_else(|| {
                    format!(
                        "Leerstand {}: für die Löschung fehlen Postleitzahl und Ort (kein bekannter Datensatz)",
                        item.partner_id
                    )
                }),
        };
        match listing {
            Ok(l) => {
                outcome_of.push((item.partner_id.clone(), item.op == FeedOp::Delete));
                listings.push(l);
            }
            Err(reason) => failures.push((item.partner_id.clone(), reason)),
        }
    }

    let stamp = now
        .with_timezone(&Berlin)
        .format("%Y%m%d%H%M%S")
        .to_string();
    let safe_conn: String = conn
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let file_name = format!("immohub_{safe_conn}_{stamp}_{}.zip", after);
    std::fs::create_dir_all(&export.work_dir)
        .map_err(|e| ExportError::Write(format!("{}: {e}", export.work_dir.display())))?;
    let local = export.work_dir.join(format!(".{file_name}.part"));
    let zip = {
        let part = local.clone();
        let documents = export.documents_dir.clone();
        let transfer = oi::Transfer {
            kind: oi::TransferKind::Offline,
            scope: oi::TransferScope::Partial,
            sender_software: SENDER.to_owned(),
            sender_version: env!("CARGO_PKG_VERSION").to_owned(),
            techn_email: export.techn_email.clone(),
            timestamp: Some(now.with_timezone(&Berlin).naive_local()),
        };
        let provider = oi::Provider {
            anbieternr: export.provider_no.clone(),
            firma: export.company.clone(),
            openimmo_anid: export.openimmo_anid.clone(),
        };
        tokio::task::spawn_blocking(move || -> Result<oi::ZipSummary, String> {
            let file =
                std::fs::File::create(&part).map_err(|e| format!("{}: {e}", part.display()))?;
            let source = move |path: &str| {
                let rel = path.strip_prefix(ZIP_DOCS).unwrap_or(path);
                std::fs::File::open(documents.join(rel))
            };
            let summary = oi::write_zip(
                std::io::BufWriter::new(file),
                &transfer,
                &provider,
                &listings,
                source,
                &oi::ZipOptions::default(),
            )
            .map_err(|e| e.to_string())?;
            Ok(summary)
        })
        .await
        .map_err(|e| ExportError::Write(e.to_string()))?
        .map_err(|e| {
            let _ = std::fs::remove_file(&local);
            ExportError::Write(e)
        })?
    };
    let upload = destination.put(&local, &file_name).await;
    let _ = std::fs::remove_file(&local);
    upload.map_err(|reason| ExportError::Upload {
        destination: destination.describe(),
        reason,
    })?;
    let position = store
        .set_export_cursor(conn, feed, &export.target, after)
        .await?;

    // Protocol (GEN-8): one line per record in the file, refused or unusable.
    let rejected: HashMap<&str, &oi::ValidationError> = zip
        .rejected
        .iter()
        .map(|r| (r.object_id.as_str(), r))
        .collect();
    let mut batch = Batch {
        run_id,
        connection: conn.to_owned(),
        at: Some(now),
        ..Batch::default()
    };
    let mut counts = Counts::default();
    let outcome = |partner_id: &str, status: RecordStatus, reason: String, rule: &str| Outcome {
        run_id,
        connection: conn.to_owned(),
        feed,
        erp_key: partner_id.to_owned(),
        partner_id: Some(partner_id.to_owned()),
        status,
        reason: Some(reason),
        rule: Some(rule.to_owned()),
        at: now,
    };
    for (pid, deletion) in &outcome_of {
        counts.read += 1;
        if let Some(r) = rejected.get(pid.as_str()) {
            counts.failed += 1;
            summary.rejected.push(r.to_string());
            batch
                .outcomes
                .push(outcome(pid, RecordStatus::Failed, r.to_string(), "VAC-3"));
        } else if *deletion {
            counts.deleted += 1;
            summary.deletions += 1;
            batch.outcomes.push(outcome(
                pid,
                RecordStatus::Delivered,
                format!(
                    "Löschung (aktionart DELETE) in {file_name} an {}",
                    summary.destination
                ),
                "VAC-6",
            ));
        } else {
            counts.sent += 1;
            summary.listings += 1;
            batch.outcomes.push(outcome(
                pid,
                RecordStatus::Delivered,
                format!("OpenImmo-Datei {file_name} an {}", summary.destination),
                "VAC-4",
            ));
        }
    }
    for (pid, reason) in failures {
        counts.read += 1;
        counts.failed += 1;
        summary.rejected.push(reason.clone());
        batch
            .outcomes
            .push(outcome(&pid, RecordStatus::Failed, reason, "VAC-3"));
    }
    batch.counts = counts;
    store.apply_batch(&batch).await?;
    summary.file_name = Some(file_name);
    summary.attachments = zip.attachments_written;
    summary.position = position;
    Ok(summary)
}

/// Attachments live under this folder in the ZIP, with their path below the document root.
const ZIP_DOCS: &str = "dokumente/";

/// The OpenImmo listing of a vacancy payload (VAC-2 mapping, see docs/OPENIMMO.md).
pub fn listing_of(
    p: &VacancyPayload,
    version: i64,
    today: NaiveDate,
    export: &OpenImmoExport,
) -> oi::Listing {
    let usage = usage_of(p.unit_type, &p.usage_code, p.floor, p.floor_text.as_deref());
    let mut l = oi::Listing::new(
        p.id.clone(),
        obid(&p.id),
        today,
        usage,
        address_of(&p.address, Some(&p.unit_no)),
        contact_of(
            p.contact_name.as_deref(),
            p.contact_email.as_deref(),
            p.contact_phone.as_deref(),
            export,
        ),
    );
    l.action = if version > 1 {
        oi::Action::Change
    } else {
        oi::Action::Add
    };
    l.internal_id = Some(p.unit_no.clone());
    l.floor = p.floor;
    l.rooms = p.rooms;
    match p.unit_type {
        UnitType::Living => l.living_area = p.area,
        _ => l.usable_area = p.area,
    }
    l.year_built = p.year_built.and_then(|y| u16::try_from(y).ok());
    l.available_from = p.available_from;
    l.available_from_text = p.available_text.clone().or_else(|| {
        p.available_from
            .map(|d| format!("ab {}", d.format("%d.%m.%Y")))
    });
    let c = &p.costs;
    l.prices = oi::Prices {
        net_cold_rent: Some(c.net_cold_rent),
        cold_rent: Some(c.cold_rent),
        total_rent: Some(c.total_rent),
        operating_costs: c.operating_costs,
        heating_costs_included: c.heating_costs.map(|_| false),
        heating_costs: c.heating_costs,
        deposit: c.deposit,
    };
    let f = &p.features;
    let heating = f.heating_type.as_deref();
    l.features = oi::Features {
        fitted_kitchen: f.fitted_kitchen.then_some(true),
        heating: oi::HeatingTypes {
            ofen: heating == Some("OFEN"),
            etage: heating == Some("ETAGE"),
            zentral: heating == Some("ZENTRAL"),
            fern: heating == Some("FERN"),
            fussboden: heating == Some("FUSSBODEN"),
        },
        elevator: f.elevator.then_some(true),
        cellar: f.cellar.then_some(oi::Cellar::Yes),
        bike_room: f.bike_room.then_some(true),
        guest_wc: f.guest_wc.then_some(true),
        intercom: f.intercom.then_some(true),
    };
    if let Some(e) = &p.energy_certificate {
        let kind = match e.kind.as_deref().map(str::to_lowercase).as_deref() {
            Some("bedarf") => Some(oi::EnergyCertificateKind::Demand),
            Some("verbrauch") => Some(oi::EnergyCertificateKind::Consumption),
            _ => None,
        };
        if let Some(kind) = kind {
            let mut cert = oi::EnergyCertificate::new(kind);
            cert.valid_until = e.valid_until;
            cert.value = e.value;
            cert.class = e.class.clone();
            cert.building_kind = Some(if p.unit_type == UnitType::Living {
                oi::BuildingKind::Residential
            } else {
                oi::BuildingKind::NonResidential
            });
            l.energy_certificates.push(cert);
        }
    }
    l.texts = oi::Texts {
        title: p.title.clone(),
        location: p.location_text.clone(),
        features: p.equipment_text.clone(),
        description: p.description.clone(),
    };
    l.attachments = p
        .attachments
        .iter()
        .map(|a| oi::Attachment {
            title: Some(a.title.clone()),
            format: if a.format.is_empty() {
                "BIN".to_owned()
            } else {
                a.format.clone()
            },
            path: format!("{ZIP_DOCS}{}", a.source_path),
            group: Some(match a.kind.as_str() {
                "BILD" => oi::AttachmentGroup::Innenansichten,
                "GRUNDRISS" => oi::AttachmentGroup::Grundriss,
                _ => oi::AttachmentGroup::Dokumente,
            }),
        })
        .collect();
    l
}

/// VAC-6: a DELETE listing from the last known canonical vacancy of the partner ID.
async fn deletion_listing(
    store: &dyn Store,
    conn: &str,
    feed: FeedKind,
    partner_id: &str,
    today: NaiveDate,
    export: &OpenImmoExport,
    unit_types: &UnitTypeMapping,
) -> Result<Option<oi::Listing>, StoreError> {
    let Some(state) = store.record_by_partner_id(conn, feed, partner_id).await? else {
        return Ok(None);
    };
    let Some(stored) = store.entity(ErpEntity::Vacancy, &state.erp_key).await? else {
        return Ok(None);
    };
    let Ok(Entity::Vacancy(v)) = serde_json::from_value::<Entity>(stored.payload) else {
        return Ok(None);
    };
    Ok(Some(delete_listing(
        partner_id, &v, today, export, unit_types,
    )))
}

fn delete_listing(
    partner_id: &str,
    v: &Vacancy,
    today: NaiveDate,
    export: &OpenImmoExport,
    unit_types: &UnitTypeMapping,
) -> oi::Listing {
    let unit_type = unit_types.map(&v.usage_code);
    let usage = usage_of(unit_type, &v.usage_code, None, v.floor_text.as_deref());
    let mut l = oi::Listing::new(
        partner_id.to_owned(),
        obid(partner_id),
        today,
        usage,
        address_of(&v.address, None),
        contact_of(
            v.contact.name.as_deref(),
            v.contact.email.as_deref(),
            v.contact.phone.as_deref(),
            export,
        ),
    );
    l.action = oi::Action::Delete;
    l
}

fn usage_of(t: UnitType, code: &str, floor: Option<i32>, floor_text: Option<&str>) -> oi::Usage {
    let code = code.to_uppercase();
    match t {
        UnitType::Living => {
            let text = floor_text.unwrap_or("").to_lowercase();
            oi::Usage::Living(if text.contains("dach") {
                oi::ApartmentType::Dachgeschoss
            } else if floor == Some(0) {
                oi::ApartmentType::Erdgeschoss
            } else if floor.is_some_and(|f| f < 0) {
                oi::ApartmentType::Souterrain
            } else {
                oi::ApartmentType::Etage
            })
        }
        UnitType::Parking => {
            oi::Usage::Parking(if code.contains("GARAGE") && code.starts_with("TG") {
                oi::ParkingType::Tiefgaragenstellplatz
            } else if code.contains("GARAGE") {
                oi::ParkingType::Einzelgarage
            } else if code.contains("CARPORT") {
                oi::ParkingType::Carport
            } else if code.starts_with("TG") {
                oi::ParkingType::Tiefgaragenstellplatz
            } else {
                oi::ParkingType::Stellplatz
            })
        }
        UnitType::Commercial => oi::Usage::Commercial(
            if code.contains("PRAXIS") || code.contains("BUERO") || code.contains("BÜRO") {
                oi::CommercialType::Office(oi::OfficeType::Bueroflaeche)
            } else {
                oi::CommercialType::Retail(oi::RetailType::Ladenlokal)
            },
        ),
        UnitType::Storage | UnitType::Other => {
            oi::Usage::Commercial(oi::CommercialType::Hall(oi::HallType::Lagerflaechen))
        }
    }
}

fn address_of(a: &immohub_domain::Address, unit_no: Option<&str>) -> oi::Address {
    oi::Address {
        plz: a.postal_code.clone(),
        ort: Some(a.city.clone()),
        strasse: Some(a.street.clone()),
        hausnummer: a.house_no.clone(),
        bundesland: None,
        iso_land: Some("DEU".to_owned()),
        wohnungsnr: unit_no.map(str::to_owned),
    }
}

fn contact_of(
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    export: &OpenImmoExport,
) -> oi::Contact {
    oi::Contact {
        email_zentrale: email
            .map(str::to_owned)
            .or_else(|| export.techn_email.clone()),
        tel_zentrale: phone.map(str::to_owned),
        name: name.map_or_else(|| export.company.clone(), str::to_owned),
        firma: Some(export.company.clone()),
        ..oi::Contact::default()
    }
}

/// `openimmo_obid`: a stable ID of the object at this provider, from the composite ID.
fn obid(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
