//! Generates the rows of the demo ERP, deterministically from a seed.
//!
//! The generator walks client → property → building → unit and emits each row into a
//! [`Batch`] (multi-row prepared `INSERT`s); full batches are written as they fill, so memory
//! stays flat whatever the number of units.

use chrono::{Datelike, Days, NaiveDate};
use immohub_domain::ErpEntity;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::SqliteConnection;

use super::data::{self, City};
use super::documents::DEMO_IMAGES;
use super::{DemoOptions, InvalidRecord};
use crate::error::ErpError;

/// One SQL value of a generated row.
pub(crate) enum Val {
    Int(i64),
    Text(String),
    Static(&'static str),
    Null,
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}

impl From<&'static str> for Val {
    fn from(v: &'static str) -> Self {
        Val::Static(v)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// Rows of one table waiting to be inserted with multi-row `INSERT` statements.
pub(crate) struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    rows_per_statement: usize,
    full_sql: String,
    values: Vec<Val>,
    pub rows: u64,
}

/// SQLite allows 32766 parameters per statement; stay well below and keep statements moderate.
const MAX_PARAMS: usize = 8000;
const MAX_ROWS_PER_STATEMENT: usize = 500;

impl Batch {
    pub(crate) fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        let rows_per_statement = (MAX_PARAMS / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT);
        Self {
            table,
            columns,
            rows_per_statement,
            full_sql: insert_sql(table, columns, rows_per_statement),
            values: Vec::with_capacity(rows_per_statement * columns.len()),
            rows: 0,
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.table);
        self.values.extend(row);
        self.rows += 1;
    }

    fn is_full(&self) -> bool {
        self.values.len() >= self.rows_per_statement * self.columns.len()
    }

    /// Writes full statements; with `all`, also the rest.
    pub(crate) async fn flush(
        &mut self,
        conn: &mut SqliteConnection,
        all: bool,
    ) -> Result<(), ErpError> {
        let width = self.columns.len();
        while self.is_full() || (all && !self.values.is_empty()) {
            let rows = (self.values.len() / width).min(self.rows_per_statement);
            let partial;
            let sql = if rows == self.rows_per_statement {
                &self.full_sql
            } else {
                partial = insert_sql(self.table, self.columns, rows);
                &partial
            };
            let mut q = sqlx::query(sql);
            for v in self.values.drain(..rows * width) {
                q = match v {
                    Val::Int(i) => q.bind(i),
                    Val::Text(s) => q.bind(s),
                    Val::Static(s) => q.bind(s),
                    Val::Null => q.bind(None::<i64>),
                };
            }
            q.execute(&mut *conn)
                .await
                .map_err(|e| ErpError::demo(format!("Einfügen in {}", self.table), e))?;
        }
        Ok(())
    }
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        columns.join(","),
        vec![one; rows].join(",")
    )
}

const PROPERTY_COLS: &[&str] = &[
    "property_id",
    "client_id",
    "property_no",
    "name",
    "is_weg",
    "updated_at",
];
const BUILDING_COLS: &[&str] = &[
    "building_id",
    "property_id",
    "building_no",
    "street",
    "house_no",
    "postal_code",
    "city",
    "year_built",
    "updated_at",
];
const UNIT_COLS: &[&str] = &[
    "unit_id",
    "building_id",
    "unit_no",
    "usage_type",
    "rooms",
    "floor_text",
    "area",
    "features",
    "energy_cert_type",
    "energy_value",
    "energy_class",
    "energy_valid_until",
    "year_built",
    "updated_at",
];
const PERSON_COLS: &[&str] = &[
    "person_id",
    "client_id",
    "person_no",
    "salutation",
    "title",
    "first_name",
    "surname",
    "company_name",
    "birth_date",
    "email",
    "phone",
    "mobile",
    "street",
    "house_no",
    "postal_code",
    "city",
    "anonymised",
    "updated_at",
];
const LEASE_COLS: &[&str] = &[
    "lease_id",
    "client_id",
    "lease_no",
    "unit_id",
    "start_date",
    "end_date",
    "net_cold_rent",
    "updated_at",
];
const PARTY_COLS: &[&str] = &["lease_id", "person_id", "role"];
const OWNERSHIP_COLS: &[&str] = &[
    "ownership_id",
    "client_id",
    "ownership_no",
    "unit_id",
    "owner_person_id",
    "start_date",
    "end_date",
    "updated_at",
];

const VACANCY_COLS: &[&str] = &[
    "vacancy_id",
    "unit_id",
    "status",
    "available_from",
    "available_text",
    "net_cold_rent",
    "operating_costs",
    "heating_costs",
    "total_rent",
    "deposit",
    "heating_type",
    "title",
    "description",
    "location_text",
    "equipment_text",
    "contact_name",
    "contact_email",
    "contact_phone",
    "updated_at",
];
const DOCUMENT_COLS: &[&str] = &[
    "document_id",
    "vacancy_id",
    "seq",
    "kind",
    "title",
    "file_path",
];

/// Per-client number ranges.
#[derive(Default, Clone, Copy)]
struct ClientNumbers {
    property: u64,
    person: u64,
    lease: u64,
    ownership: u64,
}

#[derive(Clone)]
struct Address {
    street: String,
    house_no: Option<String>,
    postal_code: String,
    city: &'static str,
}

/// Where a building is and what it is like; shared by its units.
struct BuildingCtx {
    building_id: i64,
    address: Address,
    year_built: i32,
    floors: u32,
    per_floor: u32,
    floor_style: u8,
    elevator: bool,
    energy: Option<Energy>,
    dotted_unit_numbers: bool,
    weg: bool,
    /// Main tenants of current flat leases in this building (they rent its parking spaces).
    flat_tenants: Vec<i64>,
    /// Owners in this building (some own several units).
    owners: Vec<i64>,
}

#[derive(Clone)]
struct Energy {
    kind: &'static str,
    value: String,
    class: &'static str,
    valid_until: String,
}

/// A unit as planned inside a building.
struct UnitPlan {
    unit_no: String,
    usage: &'static str,
    floor_text: Option<String>,
    floor: i32,
}

/// What the leases of a unit say about it today.
struct Occupancy {
    current: bool,
    /// End of the current lease when notice was given.
    current_end: Option<NaiveDate>,
    /// A lease starts later (the unit is let again).
    future: bool,
}

/// The unit's facts a vacancy text refers to.
struct UnitFacts {
    rooms: Option<String>,
    area: Option<String>,
    features: Option<String>,
    floor_text: Option<String>,
    energy_kind: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Life {
    /// The lease runs or starts later: the person lives (or will live) here.
    Current,
    Future,
    /// The lease ended on that day.
    Ended(NaiveDate),
}

pub(crate) struct Generator {
    rng: StdRng,
    today: NaiveDate,
    invalid_rows: bool,
    units_total: u64,
    client_ids: [i64; 3],
    numbers: [ClientNumbers; 3],
    next_property_id: i64,
    next_building_id: i64,
    next_unit_id: i64,
    next_person_id: i64,
    next_lease_id: i64,
    next_ownership_id: i64,
    /// Persons whose lease ended and who may move again within the same client.
    movers: [Vec<i64>; 3],
    persons_made: u64,
    ended_leases_made: u64,
    bad_building_done: bool,
    /// The building with the broken postal code: it gets no vacancies, so that the invalid
    /// rows of the demo stay the few listed in the summary.
    bad_building_id: Option<i64>,
    bad_email_pending: bool,
    /// Address of the household being created (co-residents share it).
    household: Option<Option<Address>>,
    /// Address given to the last person created.
    last_address: Option<Address>,
    pub properties: Batch,
    pub buildings: Batch,
    pub units: Batch,
    pub persons: Batch,
    pub leases: Batch,
    pub parties: Batch,
    pub ownerships: Batch,
    pub vacancies: Batch,
    pub documents: Batch,
    /// Open vacancies (status OFFEN): rows of `v_vacancies`.
    pub open_vacancies: u64,
    /// Vacancies draw from their own generator, so the rest of the demo stays as it was.
    vac_rng: StdRng,
    next_vacancy_id: i64,
    next_document_id: i64,
    pub invalid: Vec<InvalidRecord>,
}

impl Generator {
    pub(crate) fn new(opts: &DemoOptions, today: NaiveDate) -> Self {
        Self {
            rng: StdRng::seed_from_u64(opts.seed),
            today,
            invalid_rows: opts.invalid_rows,
            units_total: opts.units,
            client_ids: [1, 2, 3],
            numbers: [ClientNumbers::default(); 3],
            next_property_id: 1,
            next_building_id: 1,
            next_unit_id: 1,
            next_person_id: 1,
            next_lease_id: 1,
            next_ownership_id: 1,
            movers: [Vec::new(), Vec::new(), Vec::new()],
            persons_made: 0,
            ended_leases_made: 0,
            bad_building_done: false,
            bad_building_id: None,
            bad_email_pending: false,
            household: None,
            last_address: None,
            properties: Batch::new("erp_properties", PROPERTY_COLS),
            buildings: Batch::new("erp_buildings", BUILDING_COLS),
            units: Batch::new("erp_units", UNIT_COLS),
            persons: Batch::new("erp_persons", PERSON_COLS),
            leases: Batch::new("erp_leases", LEASE_COLS),
            parties: Batch::new("erp_lease_parties", PARTY_COLS),
            ownerships: Batch::new("erp_ownerships", OWNERSHIP_COLS),
            vacancies: Batch::new("erp_vacancies", VACANCY_COLS),
            documents: Batch::new("erp_vacancy_documents", DOCUMENT_COLS),
            open_vacancies: 0,
            vac_rng: StdRng::seed_from_u64(opts.seed ^ 0x5641_4341_4e43_5931),
            next_vacancy_id: 1,
            next_document_id: 1,
            invalid: Vec::new(),
        }
    }

    /// Generates and writes everything except the clients.
    pub(crate) async fn run(&mut self, conn: &mut SqliteConnection) -> Result<(), ErpError> {
        let shares = [0.70, 0.20, 0.10];
        let mut remaining = self.units_total;
        for (client, share) in shares.into_iter().enumerate() {
            let target = if client == 2 {
                remaining
            } else {
                ((self.units_total as f64 * share).round() as u64).min(remaining)
            };
            remaining -= target;
            let mut done = 0;
            while done < target {
                done += self.property(client, target - done);
                self.flush(conn, false).await?;
            }
        }
        self.flush(conn, true).await
    }

    async fn flush(&mut self, conn: &mut SqliteConnection, all: bool) -> Result<(), ErpError> {
        self.properties.flush(conn, all).await?;
        self.buildings.flush(conn, all).await?;
        self.units.flush(conn, all).await?;
        self.persons.flush(conn, all).await?;
        self.leases.flush(conn, all).await?;
        self.parties.flush(conn, all).await?;
        self.ownerships.flush(conn, all).await?;
        self.vacancies.flush(conn, all).await?;
        self.documents.flush(conn, all).await
    }

    // ----- helpers -------------------------------------------------------------------------

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.gen_range(0..total.max(1));
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// A random day in `[from, to]` (`from` if the range is empty).
    fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days();
        if span <= 0 {
            return from;
        }
        let n = self.rng.gen_range(0..=span) as u64;
        days_after(from, n)
    }

    /// `updated_at` text on a day, at a random time of the working day, never on or after
    /// `today` (so that changes made after the demo was created are always later).
    fn stamp(&mut self, day: NaiveDate) -> String {
        let latest = days_before(self.today, 1);
        let day = day.min(latest);
        let h = self.rng.gen_range(6..20);
        let m = self.rng.gen_range(0..60);
        let s = self.rng.gen_range(0..60);
        format!("{} {h:02}:{m:02}:{s:02}", day.format("%Y-%m-%d"))
    }

    fn stamp_recent(&mut self, max_days: u64) -> String {
        let n = self.rng.gen_range(1..=max_days.max(1));
        let day = days_before(self.today, n);
        self.stamp(day)
    }

    /// Money text with two decimals from cents.
    fn euros(cents: i64) -> String {
        format!("{}.{:02}", cents / 100, cents % 100)
    }

    // ----- properties and buildings --------------------------------------------------------

    /// Generates one property with its buildings; returns the number of units made (≥ 1).
    fn property(&mut self, client: usize, units_left: u64) -> u64 {
        let cities: &[&City] = match client {
            0 => data::CLIENT1_CITIES,
            1 => data::CLIENT2_CITIES,
            _ => data::CLIENT3_CITIES,
        };
        let city = self.pick(cities);
        let street = self.pick(city.streets).to_owned();
        let postal_code = self.pick(city.postal_codes).to_owned();
        let n_buildings: u32 = if client == 2 {
            self.weighted(&[(1, 70), (2, 20), (3, 10)])
        } else {
            self.weighted(&[(1, 35), (2, 25), (3, 15), (4, 10), (5, 8), (6, 7)])
        };
        let era_year = self.era_year();
        let weg = match client {
            2 => true,
            0 => self.chance(0.04),
            _ => false,
        };
        let property_id = self.next_property_id;
        self.next_property_id += 1;
        let numbers = &mut self.numbers[client];
        let property_no = 100 + numbers.property;
        numbers.property += 1;
        let mut house_no: u32 = self.rng.gen_range(1..120);
        let name = if weg {
            format!("WEG {street} {house_no}")
        } else {
            let prefix = self.pick(data::PROPERTY_PREFIXES);
            format!("{prefix} {street}")
        };
        let stamp = self.stamp_recent(3000);
        self.properties.push(vec![
            property_id.into(),
            self.client_ids[client].into(),
            property_no.to_string().into(),
            name.into(),
            i64::from(weg).into(),
            stamp.into(),
        ]);

        let mut made = 0u64;
        for b in 1..=n_buildings {
            if made >= units_left {
                break;
            }
            let year = era_year + self.rng.gen_range(0..3);
            let suffix = if self.chance(0.05) { "a" } else { "" };
            let house = if self.chance(0.01) {
                None
            } else if self.chance(0.04) {
                Some(format!("{}-{}", house_no, house_no + 2))
            } else {
                Some(format!("{house_no}{suffix}"))
            };
            house_no += self.weighted(&[(1, 1), (2, 2)]);
            let address = Address {
                street: street.clone(),
                house_no: house,
                postal_code: postal_code.clone(),
                city: city.name,
            };
            made += self.building(
                client,
                property_id,
                b,
                address,
                year,
                weg,
                units_left - made,
            );
        }
        made.max(1)
    }

    fn era_year(&mut self) -> i32 {
        let era: (i32, i32) = self.weighted(&[
            ((1889, 1914), 10),
            ((1925, 1934), 10),
            ((1950, 1965), 35),
            ((1966, 1985), 20),
            ((1986, 1999), 10),
            ((2000, 2023), 15),
        ]);
        self.rng.gen_range(era.0..=era.1)
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    fn building(
        &mut self,
        client: usize,
        property_id: i64,
        building_no: u32,
        address: Address,
        year_built: i32,
        weg: bool,
        units_left: u64,
    ) -> u64 {
        let building_id = self.next_building_id;
        self.next_building_id += 1;
        let (floors, per_floor, elevator) = match year_built {
            ..=1914 => (self.rng.gen_range(4..=5), 2, false),
            1915..=1949 => (self.rng.gen_range(3..=4), self.rng.gen_range(2..=3), false),
            1950..=1965 => (self.rng.gen_range(3..=4), self.rng.gen_range(2..=3), false),
            1966..=1985 => {
                if self.chance(0.15) {
                    (self.rng.gen_range(8..=14), 4, true)
                } else {
                    (
                        self.rng.gen_range(4..=6),
                        self.rng.gen_range(3..=4),
                        self.chance(0.4),
                    )
                }
            }
            _ => (
                self.rng.gen_range(3..=6),
                self.rng.gen_range(2..=4),
                self.chance(0.8),
            ),
        };
        let energy = if self.chance(0.7) {
            Some(self.energy(year_built))
        } else {
            None
        };
        // One postal code lost its leading zero in an old import (deliberately invalid); the
        // persons living there keep the correct one.
        let mut row_postal_code = address.postal_code.clone();
        if self.invalid_rows && client == 1 && !self.bad_building_done {
            self.bad_building_done = true;
            self.bad_building_id = Some(building_id);
            row_postal_code = match address.postal_code.strip_prefix('0') {
                Some(rest) => rest.to_owned(),
                None => address.postal_code.get(..4).unwrap_or("2150").to_owned(),
            };
            self.invalid.push(InvalidRecord {
                entity: ErpEntity::Building,
                key: format!(
                    "{}/{}/{}",
                    client + 1,
                    99 + self.numbers[client].property,
                    building_no
                ),
                field: "postal_code",
                reason: "Postleitzahl ohne führende Null bzw. vierstellig".to_owned(),
            });
        }
        let stamp = self.stamp_recent(2500);
        self.buildings.push(vec![
            building_id.into(),
            property_id.into(),
            building_no.to_string().into(),
            address.street.clone().into(),
            address.house_no.clone().into(),
            row_postal_code.into(),
            Val::Static(address.city),
            i64::from(year_built).into(),
            stamp.into(),
        ]);
        let mut ctx = BuildingCtx {
            building_id,
            address,
            year_built,
            floors,
            per_floor,
            floor_style: self.weighted(&[(0, 40), (1, 15), (2, 10), (3, 15), (4, 20)]),
            elevator,
            energy,
            dotted_unit_numbers: self.chance(0.005),
            weg,
            flat_tenants: Vec::new(),
            owners: Vec::new(),
        };
        let mut plan = self.plan_units(&ctx);
        plan.truncate(usize::try_from(units_left).unwrap_or(usize::MAX));
        let n = plan.len() as u64;
        for unit in plan {
            self.unit(client, &mut ctx, unit);
        }
        n
    }

    fn energy(&mut self, year_built: i32) -> Energy {
        let base: f64 = match year_built {
            ..=1949 => 170.0,
            1950..=1977 => 150.0,
            1978..=1994 => 120.0,
            1995..=2009 => 85.0,
            _ => 45.0,
        };
        let value = (base * self.rng.gen_range(0.6..1.5f64) * 10.0).round() / 10.0;
        let class = match value {
            v if v < 30.0 => "A+",
            v if v < 50.0 => "A",
            v if v < 75.0 => "B",
            v if v < 100.0 => "C",
            v if v < 130.0 => "D",
            v if v < 160.0 => "E",
            v if v < 200.0 => "F",
            v if v < 250.0 => "G",
            _ => "H",
        };
        let issued = self.date_between(
            NaiveDate::from_ymd_opt(2014, 5, 1).unwrap_or(self.today),
            self.today,
        );
        let valid_until = issued
            .with_year(issued.year() + 10)
            .unwrap_or(issued)
            .format("%Y-%m-%d")
            .to_string();
        Energy {
            kind: if self.chance(0.6) {
                "verbrauch"
            } else {
                "bedarf"
            },
            value: format!("{value:.1}"),
            class,
            valid_until,
        }
    }

    fn floor_text(&mut self, style: u8, floor: u32, top: u32, pos: u32, per_floor: u32) -> String {
        let side = match (per_floor, pos) {
            (1, _) => "",
            (2, 0) => "links",
            (2, _) => "rechts",
            (3, 0) => "links",
            (3, 1) => "mitte",
            (3, _) => "rechts",
            (_, 0) => "links",
            (_, 1) => "mitte links",
            (_, 2) => "mitte rechts",
            _ => "rechts",
        };
        let is_top = floor == top && top >= 3;
        let text = match style {
            0 => match floor {
                0 => format!("EG {side}"),
                _ if is_top => format!("DG {side}"),
                f => format!("{f}. OG {side}"),
            },
            1 => match floor {
                0 => format!("Erdgeschoss {side}"),
                _ if is_top => format!(
                    "Dachgeschoss, {}",
                    if side.is_empty() { "mitte" } else { side }
                ),
                f => format!("{f}. Obergeschoss {side}"),
            },
            2 => floor.to_string(),
            3 => match floor {
                0 => format!("Hochparterre {side}"),
                f => format!("{f}. Etage, {side}"),
            },
            _ => match floor {
                0 => "EG".to_owned(),
                f => format!("{f}. OG"),
            },
        };
        text.trim().trim_end_matches(',').to_owned()
    }

    fn plan_units(&mut self, b: &BuildingCtx) -> Vec<UnitPlan> {
        let mut plan = Vec::new();
        let mut no = 0u32;
        let mut next_no = |floor: u32, pos: u32, dotted: bool| {
            no += 1;
            if dotted {
                format!("{floor}.{}", pos + 1)
            } else {
                no.to_string()
            }
        };
        let shop_on_ground = (b.year_built <= 1914 || b.year_built >= 2000) && self.chance(0.3);
        if b.year_built <= 1934 && self.chance(0.15) {
            plan.push(UnitPlan {
                unit_no: next_no(0, 9, b.dotted_unit_numbers),
                usage: "WOHNUNG",
                floor_text: Some("Souterrain".to_owned()),
                floor: -1,
            });
        }
        for floor in 0..b.floors {
            for pos in 0..b.per_floor {
                let usage = if floor == 0 && shop_on_ground && pos == 0 {
                    "GEWERBE"
                } else if self.chance(0.003) {
                    "GÄSTEWOHNUNG"
                } else {
                    "WOHNUNG"
                };
                let text = self.floor_text(b.floor_style, floor, b.floors - 1, pos, b.per_floor);
                plan.push(UnitPlan {
                    unit_no: next_no(floor, pos, b.dotted_unit_numbers),
                    usage,
                    floor_text: if self.chance(0.02) { None } else { Some(text) },
                    floor: i32::try_from(floor).unwrap_or(0),
                });
            }
        }
        if b.floor_style != 2 && self.chance(0.25) {
            let text = match self.rng.gen_range(0..3) {
                0 => "Dachgeschoss, mitte",
                1 => "Dachgeschoss",
                _ => "DG",
            };
            plan.push(UnitPlan {
                unit_no: next_no(b.floors, 0, b.dotted_unit_numbers),
                usage: "WOHNUNG",
                floor_text: Some(text.to_owned()),
                floor: i32::try_from(b.floors).unwrap_or(0),
            });
        }
        let mut extra = |usage: &'static str, count: u32, first_no: u32, text: Option<&str>| {
            for i in 0..count {
                plan.push(UnitPlan {
                    unit_no: (first_no + i).to_string(),
                    usage,
                    floor_text: text.map(str::to_owned),
                    floor: 0,
                });
            }
        };
        if b.year_built >= 1986 && self.chance(0.6) {
            extra(
                "TG-STELLPLATZ",
                self.rng.gen_range(4..=16),
                901,
                Some("Tiefgarage"),
            );
        } else if self.chance(0.3) {
            extra("STELLPLATZ", self.rng.gen_range(2..=10), 901, None);
        }
        if self.chance(0.2) {
            extra("GARAGE", self.rng.gen_range(2..=6), 951, Some("Hof"));
        }
        if self.chance(0.15) {
            let text = if self.chance(0.5) {
                "Keller"
            } else {
                "Kellergeschoss"
            };
            extra("LAGER", self.rng.gen_range(1..=3), 801, Some(text));
        }
        if self.chance(0.03) {
            extra("HOBBYRAUM", 1, 851, Some("Keller"));
        }
        if self.chance(0.01) {
            extra("WERBEFLÄCHE", 1, 991, None);
        }
        if b.floors >= 6 && self.chance(0.1) {
            extra("MOBILFUNKANLAGE", 1, 995, Some("Dach"));
        }
        plan
    }

    // ----- units ----------------------------------------------------------------------------

    fn unit(&mut self, client: usize, b: &mut BuildingCtx, plan: UnitPlan) {
        let unit_id = self.next_unit_id;
        self.next_unit_id += 1;
        let residential = matches!(plan.usage, "WOHNUNG" | "GÄSTEWOHNUNG");
        let (rooms, area): (Option<String>, Option<String>) = match plan.usage {
            "WOHNUNG" | "GÄSTEWOHNUNG" => {
                let rooms: (&str, i64, i64) = self.weighted(&[
                    (("1", 2800, 4200), 8),
                    (("1.5", 3500, 4800), 5),
                    (("2", 4500, 6500), 25),
                    (("2.5", 5500, 7200), 12),
                    (("3", 6000, 8500), 28),
                    (("3.5", 7000, 9500), 7),
                    (("4", 8000, 10500), 10),
                    (("5", 9500, 13000), 4),
                    (("6", 12000, 16000), 1),
                ]);
                let area = self.rng.gen_range(rooms.1..=rooms.2);
                let area = if self.chance(0.02) {
                    None
                } else {
                    Some(Self::euros(area))
                };
                (Some(rooms.0.to_owned()), area)
            }
            "GEWERBE" => {
                let rooms = if self.chance(0.5) {
                    Some(self.rng.gen_range(1..=6).to_string())
                } else {
                    None
                };
                (rooms, Some(Self::euros(self.rng.gen_range(4000..25000))))
            }
            "GARAGE" => (None, Some(Self::euros(self.rng.gen_range(1500..2000)))),
            "LAGER" | "HOBBYRAUM" => (None, Some(Self::euros(self.rng.gen_range(400..2000)))),
            "STELLPLATZ" | "TG-STELLPLATZ" => {
                let area = if self.chance(0.5) {
                    Some("12.50".to_owned())
                } else {
                    None
                };
                (None, area)
            }
            _ => (None, None),
        };
        let features = if residential {
            let mut f: Vec<&str> = Vec::new();
            for (label, p) in data::FEATURES {
                let p = match *label {
                    "Aufzug" => {
                        if b.elevator {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    "Balkon" if plan.floor <= 0 => 0.1,
                    "Terrasse" | "Gartenanteil" if plan.floor == 0 => 0.5,
                    _ => *p,
                };
                if self.chance(p) {
                    f.push(label);
                }
            }
            (!f.is_empty()).then(|| f.join(", "))
        } else {
            None
        };
        let energy = if residential { b.energy.clone() } else { None };
        // Some attic flats were added later than the building (Dachgeschossausbau).
        let attic = residential
            && plan
                .floor_text
                .as_deref()
                .is_some_and(|t| t.starts_with('D'));
        let own_year = if attic && self.chance(0.3) {
            let from = b.year_built.max(1990);
            Some(i64::from(self.rng.gen_range(from..=from.max(2022))))
        } else {
            None
        };
        let stamp = self.stamp_recent(2000);
        let unit_facts = UnitFacts {
            rooms: rooms.clone(),
            area: area.clone(),
            features: features.clone(),
            floor_text: plan.floor_text.clone(),
            energy_kind: energy.as_ref().map(|e| e.kind),
        };
        self.units.push(vec![
            unit_id.into(),
            b.building_id.into(),
            plan.unit_no.clone().into(),
            Val::Static(plan.usage),
            rooms.into(),
            plan.floor_text.into(),
            area.clone().into(),
            features.into(),
            energy.as_ref().map(|e| e.kind).into(),
            energy.as_ref().map(|e| e.value.clone()).into(),
            energy.as_ref().map(|e| e.class).into(),
            energy.map(|e| e.valid_until).into(),
            own_year.into(),
            stamp.into(),
        ]);

        // Ownerships: every unit of a WEG administration, part of the cooperative's sold flats.
        let owned = match client {
            2 => true,
            _ => b.weg && residential && self.chance(0.4),
        };
        let owner_occupied = if owned {
            self.ownerships_for(client, b, unit_id, residential)
        } else {
            false
        };
        let let_out = match client {
            2 => residential && !owner_occupied,
            _ => true,
        };
        if let_out {
            let occupancy = self.leases_for(client, b, unit_id, plan.usage, area.as_deref());
            self.vacancy(client, b, unit_id, plan.usage, &occupancy, &unit_facts);
        }
    }

    // ----- vacancies --------------------------------------------------------------------------

    /// A vacancy for a unit that is free or under notice (OFFEN), and now and then an ended
    /// one (let again or withdrawn). Awkward cases on purpose: about 2 % without net cold rent
    /// (VAC-1), about 4 % whose total does not add up (VAC-5).
    fn vacancy(
        &mut self,
        client: usize,
        b: &BuildingCtx,
        unit_id: i64,
        usage: &'static str,
        occ: &Occupancy,
        unit: &UnitFacts,
    ) {
        let today = self.today;
        let notice = occ
            .current_end
            .filter(|e| !occ.future && *e <= days_after(today, 90));
        let status = if (!occ.current && !occ.future) || notice.is_some() {
            "OFFEN"
        } else if occ.future && !occ.current && self.vac_rng.gen_bool(0.7) {
            "VERMIETET"
        } else if occ.current && self.vac_rng.gen_bool(0.004) {
            "ZURUECKGEZOGEN"
        } else {
            return;
        };
        if matches!(usage, "GÄSTEWOHNUNG" | "HOBBYRAUM")
            || self.bad_building_id == Some(b.building_id)
        {
            return;
        }
        let vacancy_id = self.next_vacancy_id;
        self.next_vacancy_id += 1;
        let residential = usage == "WOHNUNG";
        let parking = matches!(usage, "STELLPLATZ" | "TG-STELLPLATZ" | "GARAGE");
        let area_cents: i64 = unit
            .area
            .as_deref()
            .and_then(|a| a.replace('.', "").parse().ok())
            .unwrap_or(6000);
        let expensive = b.address.city == "Hamburg";
        let rng = &mut self.vac_rng;
        // Rent per m² in cents.
        let (ncr, op, heat) = if parking {
            let ncr = match usage {
                "GARAGE" => rng.gen_range(60..=110) * 100,
                "TG-STELLPLATZ" => rng.gen_range(55..=95) * 100,
                _ => rng.gen_range(25..=60) * 100,
            };
            (ncr, rng.gen_bool(0.5).then_some(500), None)
        } else {
            let per_m2 = match (residential, expensive) {
                (true, true) => rng.gen_range(850..=1450),
                (true, false) => rng.gen_range(560..=920),
                (false, true) => rng.gen_range(1200..=2200),
                (false, false) => rng.gen_range(700..=1300),
            };
            let ncr = area_cents * per_m2 / 10_000;
            let op = area_cents * rng.gen_range(180..=290) / 10_000;
            let heat = area_cents * rng.gen_range(90..=160) / 10_000;
            (ncr, Some(op), Some(heat))
        };
        let sum = ncr + op.unwrap_or(0) + heat.unwrap_or(0);
        let no_rent = rng.gen_bool(0.02);
        let total = if rng.gen_bool(0.04) {
            Some(sum + rng.gen_range(1..=40) * 250) // typed by hand, does not add up (VAC-5)
        } else if rng.gen_bool(0.6) {
            Some(sum)
        } else {
            None
        };
        let deposit = (!parking).then_some(ncr * 3);
        let heating_type = (!parking).then(|| {
            let f = unit.features.as_deref().unwrap_or("");
            if f.contains("Fernwärme") {
                "FERN"
            } else if f.contains("Zentralheizung") {
                "ZENTRAL"
            } else {
                ["ZENTRAL", "ETAGE", "FERN"][rng.gen_range(0..3)]
            }
        });
        let (available_from, available_text) = match notice {
            Some(end) => (Some(days_after(end, 1)), None),
            None if rng.gen_bool(0.3) => (None, Some("sofort")),
            None if rng.gen_bool(0.1) => (None, Some("nach Vereinbarung")),
            None => (Some(days_after(today, rng.gen_range(0..=45))), None),
        };
        let rooms = unit.rooms.as_deref().unwrap_or("");
        let rooms_de = rooms.replace('.', ",");
        let street = &b.address.street;
        let city = b.address.city;
        let floor = unit.floor_text.as_deref().unwrap_or("");
        let title = match usage {
            "WOHNUNG" => format!("{rooms_de}-Zimmer-Wohnung in {city}, {street}"),
            "GEWERBE" => format!("Gewerbefläche in {city}, {street}"),
            "GARAGE" => format!("Garage in {city}, {street}"),
            "TG-STELLPLATZ" => format!("Tiefgaragenstellplatz in {city}, {street}"),
            "STELLPLATZ" => format!("Stellplatz in {city}, {street}"),
            _ => format!("Lagerraum in {city}, {street}"),
        };
        let description = match usage {
            "WOHNUNG" => format!(
                "Helle {rooms_de}-Zimmer-Wohnung ({floor}) in einem gepflegten Haus der Genossenschaft. \
                 Ausstattung: {}. Besichtigung nach Terminvereinbarung.",
                unit.features.as_deref().unwrap_or("Standard")
            ),
            "GEWERBE" => {
                "Ladenfläche mit Schaufensterfront, geeignet für Einzelhandel oder Praxis."
                    .to_owned()
            }
            _ => "Vermietung nur an Mitglieder der Genossenschaft.".to_owned(),
        };
        let location = format!(
            "Ruhige Wohnlage in {city}; Einkaufsmöglichkeiten, Schulen und öffentliche Verkehrsmittel in der Nähe."
        );
        let (contact_name, contact_email, contact_phone) = match client {
            0 => (
                "Vermietungsteam Elbufer",
                "vermietung@elbufer-eg.de",
                "040 890123-0",
            ),
            1 => (
                "Vermietung Mitteldeutschland",
                "vermietung@elbufer-md.de",
                "0391 556677-0",
            ),
            _ => (
                "Hausverwaltung Elbufer",
                "verwaltung@elbufer-hv.de",
                "040 890123-50",
            ),
        };
        let status_day = days_before(today, rng.gen_range(1..=40));
        let money = |c: i64| Self::euros(c);
        self.vacancies.push(vec![
            vacancy_id.into(),
            unit_id.into(),
            Val::Static(status),
            available_from
                .map(|d| d.format("%Y-%m-%d").to_string())
                .into(),
            available_text.map(Val::Static).unwrap_or(Val::Null),
            (!no_rent).then(|| money(ncr)).into(),
            op.map(money).into(),
            heat.map(money).into(),
            total.map(money).into(),
            deposit.map(money).into(),
            heating_type.map(Val::Static).unwrap_or(Val::Null),
            title.into(),
            description.into(),
            location.into(),
            unit.features.clone().into(),
            Val::Static(contact_name),
            Val::Static(contact_email),
            Val::Static(contact_phone),
            format!("{} 09:30:00", status_day.format("%Y-%m-%d")).into(),
        ]);
        if status == "OFFEN" {
            self.open_vacancies += 1;
        }
        // Documents: photos, floor plan, energy certificate, from the shared demo pool.
        let rng = &mut self.vac_rng;
        let mut docs: Vec<(&'static str, String, String)> = Vec::new();
        if residential && rng.gen_bool(0.9) {
            for (i, room) in ["Wohnzimmer", "Küche", "Bad"].into_iter().enumerate() {
                let n = (unit_id as usize + i) % DEMO_IMAGES.len();
                docs.push((
                    "BILD",
                    room.to_owned(),
                    format!("bilder/{}", DEMO_IMAGES[n].0),
                ));
            }
            let plan = match rooms.split('.').next().and_then(|r| r.parse::<u32>().ok()) {
                Some(r) if r <= 5 => format!("grundrisse/grundriss-{r}-zimmer.pdf"),
                _ => "grundrisse/grundriss-gross.pdf".to_owned(),
            };
            docs.push(("GRUNDRISS", "Grundriss".to_owned(), plan));
            if let Some(kind) = unit.energy_kind {
                docs.push((
                    "ENERGIEAUSWEIS",
                    "Energieausweis".to_owned(),
                    format!("energieausweise/energieausweis-{kind}.pdf"),
                ));
            }
        } else if usage == "GEWERBE" {
            docs.push((
                "BILD",
                "Ansicht".to_owned(),
                "bilder/gewerbe-1.png".to_owned(),
            ));
            docs.push((
                "GRUNDRISS",
                "Grundriss".to_owned(),
                "grundrisse/grundriss-gewerbe.pdf".to_owned(),
            ));
        } else if parking {
            docs.push((
                "BILD",
                "Ansicht".to_owned(),
                "bilder/stellplatz-1.png".to_owned(),
            ));
        }
        for (seq, (kind, title, path)) in docs.into_iter().enumerate() {
            let id = self.next_document_id;
            self.next_document_id += 1;
            self.documents.push(vec![
                id.into(),
                vacancy_id.into(),
                (seq as i64 + 1).into(),
                Val::Static(kind),
                title.into(),
                path.into(),
            ]);
        }
    }

    // ----- leases and persons ---------------------------------------------------------------

    fn leases_for(
        &mut self,
        client: usize,
        b: &mut BuildingCtx,
        unit_id: i64,
        usage: &'static str,
        area: Option<&str>,
    ) -> Occupancy {
        let p_occupied = match usage {
            "WOHNUNG" => 0.94,
            "GEWERBE" => 0.85,
            "GARAGE" => 0.9,
            "STELLPLATZ" | "TG-STELLPLATZ" => 0.8,
            "LAGER" => 0.7,
            _ => 0.6,
        };
        let earliest = NaiveDate::from_ymd_opt(b.year_built.max(1995), 1, 1).unwrap_or(self.today);
        let earliest = earliest.min(days_before(self.today, 400));
        // (start, end), newest first.
        let mut terms: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
        let mut next_start;
        if self.chance(p_occupied) {
            let start = self.date_between(earliest, days_before(self.today, 20));
            let mut end = None;
            if self.chance(0.03) {
                let e = days_after(self.today, self.rng.gen_range(1..=90));
                end = Some(e);
                if self.chance(0.5) {
                    terms.push((days_after(e, 1), None));
                }
            }
            terms.push((start, end));
            next_start = start;
        } else {
            if self.chance(0.35) {
                terms.push((days_after(self.today, self.rng.gen_range(3..=60)), None));
            }
            if self.chance(0.85) {
                let end = days_before(self.today, self.rng.gen_range(1..=240));
                let start = days_before(end, self.rng.gen_range(365..=365 * 12));
                terms.push((start, Some(end)));
                next_start = start;
            } else {
                next_start = self.today;
            }
        }
        let mut older = 0;
        while older < 3 && self.chance(0.55) {
            let end = days_before(next_start, 1);
            let start = days_before(end, self.rng.gen_range(365..=365 * 12));
            if start < earliest {
                break;
            }
            terms.push((start, Some(end)));
            next_start = start;
            older += 1;
        }
        let today = self.today;
        let current = terms
            .iter()
            .find(|(s, e)| *s <= today && e.is_none_or(|e| e >= today))
            .copied();
        let occupancy = Occupancy {
            future: terms.iter().any(|(s, _)| *s > today),
            current: current.is_some(),
            current_end: current.and_then(|(_, e)| e),
        };
        // Oldest first, so lease numbers grow with time within a unit.
        for (start, end) in terms.into_iter().rev() {
            self.lease(client, b, unit_id, usage, area, start, end);
        }
        occupancy
    }

    #[allow(clippy::too_many_arguments)] // one call site
    fn lease(
        &mut self,
        client: usize,
        b: &mut BuildingCtx,
        unit_id: i64,
        usage: &'static str,
        area: Option<&str>,
        start: NaiveDate,
        mut end: Option<NaiveDate>,
    ) {
        let lease_id = self.next_lease_id;
        self.next_lease_id += 1;
        let numbers = &mut self.numbers[client];
        let lease_no = 1_000_001 + numbers.lease;
        numbers.lease += 1;
        let life = match end {
            Some(e) if e < self.today => Life::Ended(e),
            _ if start > self.today => Life::Future,
            _ => Life::Current,
        };
        if let Life::Ended(e) = life {
            self.ended_leases_made += 1;
            // Every 100,000th ended lease has a typo in its end year (deliberately invalid).
            if self.invalid_rows
                && self.ended_leases_made % 100_000 == 3
                && let Some(typo) = e.with_day(1).and_then(|d| d.with_year(start.year() - 1))
            {
                end = Some(typo);
                self.invalid.push(InvalidRecord {
                    entity: ErpEntity::Lease,
                    key: format!("{}/{lease_no}", client + 1),
                    field: "end_date",
                    reason: "Vertragsende liegt vor Vertragsbeginn (Tippfehler im Jahr)".to_owned(),
                });
            }
        }
        // Net cold rent from area and a rate that rose over the years.
        let years_ago = (self.today - start).num_days() / 365;
        let rate = self.rng.gen_range(650..=1480) - years_ago * 12;
        let rent = match usage {
            "WOHNUNG" | "GÄSTEWOHNUNG" | "GEWERBE" => area
                .and_then(|a| a.replace('.', "").parse::<i64>().ok())
                .map(|a| {
                    let factor = if usage == "GEWERBE" { 14 } else { 10 };
                    (a * rate.max(380) * factor / 1000) / 10 * 10
                }),
            "GARAGE" => Some(self.rng.gen_range(45..=120) * 100),
            "STELLPLATZ" => Some(self.rng.gen_range(25..=60) * 100),
            "TG-STELLPLATZ" => Some(self.rng.gen_range(50..=95) * 100),
            "LAGER" | "HOBBYRAUM" => Some(self.rng.gen_range(15..=60) * 100 + 50),
            _ => {
                if self.chance(0.5) {
                    Some(self.rng.gen_range(100..=900) * 100)
                } else {
                    None
                }
            }
        };
        let rent = if self.chance(0.01) { None } else { rent };
        let stamp = match life {
            Life::Ended(e) => {
                let day = days_after(e, self.rng.gen_range(0..=30));
                self.stamp(day)
            }
            _ => {
                let day = days_before(start.min(self.today), self.rng.gen_range(0..=60));
                self.stamp(day)
            }
        };
        self.leases.push(vec![
            lease_id.into(),
            self.client_ids[client].into(),
            lease_no.to_string().into(),
            unit_id.into(),
            start.format("%Y-%m-%d").to_string().into(),
            end.map(|e| e.format("%Y-%m-%d").to_string()).into(),
            rent.map(Self::euros).into(),
            stamp.into(),
        ]);

        // Parties.
        let parking = matches!(usage, "GARAGE" | "STELLPLATZ" | "TG-STELLPLATZ");
        let (main, main_surname) = if parking && !b.flat_tenants.is_empty() && self.chance(0.6) {
            (self.pick(&b.flat_tenants), None)
        } else if usage == "WOHNUNG"
            && life == Life::Current
            && !self.movers[client].is_empty()
            && self.chance(0.03)
        {
            let i = self.rng.gen_range(0..self.movers[client].len());
            (self.movers[client].swap_remove(i), None)
        } else if matches!(usage, "GEWERBE" | "MOBILFUNKANLAGE" | "WERBEFLÄCHE") {
            let company = if usage == "MOBILFUNKANLAGE" {
                "Mobilfunk Nord GmbH"
            } else {
                self.pick(data::COMPANIES)
            };
            self.person(
                client,
                Kind::Company(company.to_owned()),
                None,
                b,
                life,
                start,
            )
        } else {
            let kind = if self.chance(0.05) {
                Kind::Couple
            } else {
                Kind::Natural
            };
            self.person(client, kind, None, b, life, start)
        };
        let fresh_main = main_surname.is_some();
        self.household = fresh_main.then(|| self.last_address.clone());
        let mut parties = vec![(main, "HM")];
        if usage == "WOHNUNG" {
            // Partners share the surname more often than not; children always do.
            let shared = main_surname.filter(|_| self.rng.gen_bool(0.6));
            if self.chance(0.35) {
                let (p, partner_surname) =
                    self.person(client, Kind::Natural, shared.clone(), b, life, start);
                parties.push((p, "MB"));
                if self.chance(0.2) {
                    let surname = shared.or(partner_surname);
                    let (p, _) = self.person(client, Kind::Child, surname, b, life, start);
                    parties.push((p, "MB"));
                }
            }
            if self.chance(0.03) {
                let (p, _) = self.person(client, Kind::Guarantor, None, b, life, start);
                parties.push((p, "VP"));
            }
        } else if usage == "GEWERBE" && self.chance(0.4) {
            let (p, _) = self.person(client, Kind::Guarantor, None, b, life, start);
            parties.push((p, "VP"));
        }
        self.household = None;
        parties.sort_by_key(|(p, _)| *p);
        parties.dedup_by_key(|(p, _)| *p);
        for (person, role) in parties {
            self.parties
                .push(vec![lease_id.into(), person.into(), Val::Static(role)]);
        }
        match life {
            Life::Current if usage == "WOHNUNG" => b.flat_tenants.push(main),
            Life::Ended(_) if usage == "WOHNUNG" && self.movers[client].len() < 500 => {
                self.movers[client].push(main);
            }
            _ => {}
        }
    }

    fn ownerships_for(
        &mut self,
        client: usize,
        b: &mut BuildingCtx,
        unit_id: i64,
        residential: bool,
    ) -> bool {
        let built = NaiveDate::from_ymd_opt(b.year_built.max(1980), 6, 1).unwrap_or(self.today);
        let built = built.min(days_before(self.today, 400));
        let mut terms: Vec<NaiveDate> = vec![self.date_between(built, days_before(self.today, 30))];
        if self.chance(0.25) {
            let first = terms[0];
            let earlier = self.date_between(built, days_before(first, 1));
            if earlier < first {
                terms.push(earlier);
            }
        }
        let occupied_by_owner = residential && self.chance(0.5);
        let mut end: Option<NaiveDate> = None;
        let mut records = Vec::new();
        // terms[0] is the current owner's start; older ones follow.
        for (i, start) in terms.into_iter().enumerate() {
            let current = i == 0;
            let owner = if current && !b.owners.is_empty() && self.chance(0.15) {
                self.pick(&b.owners)
            } else {
                let kind = match self.rng.gen_range(0..100) {
                    0..=2 => Kind::Estate,
                    3..=5 => Kind::Company(
                        self.pick(&[
                            "Elbblick Immobilien GmbH & Co. KG",
                            "Hanse Wohnwert GmbH",
                            "Familienstiftung Lüders",
                        ])
                        .to_owned(),
                    ),
                    _ => Kind::Owner,
                };
                // Life::Current: lives in the unit; Life::Future: lives elsewhere.
                let lives_here = current && occupied_by_owner && matches!(kind, Kind::Owner);
                let life = match end {
                    Some(e) => Life::Ended(e),
                    None if lives_here => Life::Current,
                    None => Life::Future,
                };
                let (p, _) = self.person(client, kind, None, b, life, start);
                if current && !lives_here {
                    b.owners.push(p);
                }
                p
            };
            records.push((owner, start, end));
            end = Some(days_before(start, 1));
        }
        for (owner, start, end) in records.into_iter().rev() {
            let ownership_id = self.next_ownership_id;
            self.next_ownership_id += 1;
            let numbers = &mut self.numbers[client];
            let ownership_no = 9_000_001 + numbers.ownership;
            numbers.ownership += 1;
            let stamp = {
                let day = days_after(end.unwrap_or(start), self.rng.gen_range(0..=30));
                self.stamp(day)
            };
            self.ownerships.push(vec![
                ownership_id.into(),
                self.client_ids[client].into(),
                ownership_no.to_string().into(),
                unit_id.into(),
                owner.into(),
                start.format("%Y-%m-%d").to_string().into(),
                end.map(|e| e.format("%Y-%m-%d").to_string()).into(),
                stamp.into(),
            ]);
        }
        occupied_by_owner
    }

    /// Creates a person; returns its id and surname.
    fn person(
        &mut self,
        client: usize,
        kind: Kind,
        surname: Option<String>,
        b: &BuildingCtx,
        life: Life,
        lease_start: NaiveDate,
    ) -> (i64, Option<String>) {
        let person_id = self.next_person_id;
        self.next_person_id += 1;
        self.persons_made += 1;
        let numbers = &mut self.numbers[client];
        let person_no = 100_001 + numbers.person;
        numbers.person += 1;

        let anonymised = match life {
            Life::Ended(e) => (self.today - e).num_days() > 3 * 365 && self.chance(0.5),
            _ => false,
        };
        let female = self.chance(0.52);
        let Names {
            salutation,
            title,
            first_name,
            surname,
            company,
        } = match &kind {
            Kind::Company(name) => Names {
                salutation: Some("Firma"),
                company: Some(name.clone()),
                ..Names::default()
            },
            Kind::Estate => {
                let first = self.pick(data::FIRST_NAMES_F);
                let last = self.pick(data::SURNAMES);
                Names {
                    company: Some(format!("{} {first} {last}", data::ESTATE_PREFIX)),
                    ..Names::default()
                }
            }
            Kind::Couple => {
                let m = self.pick(data::FIRST_NAMES_M);
                let f = self.pick(data::FIRST_NAMES_F);
                let last = self.surname();
                Names {
                    salutation: Some("Eheleute"),
                    first_name: Some(format!("{m} und {f}")),
                    surname: Some(last),
                    ..Names::default()
                }
            }
            _ => {
                let first = if female {
                    self.pick(data::FIRST_NAMES_F)
                } else {
                    self.pick(data::FIRST_NAMES_M)
                };
                let salutation = match self.rng.gen_range(0..100) {
                    0..=2 => None,
                    _ if female => Some("Frau"),
                    _ => Some("Herr"),
                };
                let title = if matches!(kind, Kind::Child) || !self.chance(0.05) {
                    None
                } else {
                    Some(self.pick(data::TITLES))
                };
                let last = surname.unwrap_or_else(|| self.surname());
                Names {
                    salutation,
                    title,
                    first_name: Some(first.to_owned()),
                    surname: Some(last),
                    company: None,
                }
            }
        };
        let natural = first_name.is_some();
        let birth = if natural && self.chance(0.88) {
            let age_years: u64 = match kind {
                Kind::Child => self.rng.gen_range(0..=16),
                Kind::Owner => self.rng.gen_range(30..=80),
                _ => self.rng.gen_range(19..=78),
            };
            let back = age_years * 365 + self.rng.gen_range(0..365);
            Some(days_before(lease_start, back))
        } else {
            None
        };
        let p_email = match (life, &kind) {
            (_, Kind::Child) => 0.05,
            (Life::Ended(_), _) => 0.3,
            (Life::Future, _) => 0.85,
            _ => 0.68,
        };
        let mut email = if self.chance(p_email) {
            Some(self.email(
                first_name.as_deref(),
                surname.as_deref(),
                company.as_deref(),
            ))
        } else {
            None
        };
        // Every 50,000th person (or the next one with an e-mail) has a comma typo in it
        // (deliberately invalid).
        if self.invalid_rows && self.persons_made % 50_000 == 7 {
            self.bad_email_pending = true;
        }
        if self.bad_email_pending
            && !anonymised
            && let Some(e) = &email
            && let Some((local, domain)) = e.split_once('@')
        {
            email = Some(format!("{local}@{}", domain.replacen('.', ",", 1)));
            self.bad_email_pending = false;
            self.invalid.push(InvalidRecord {
                entity: ErpEntity::Person,
                key: format!("{}/{person_no}", client + 1),
                field: "email",
                reason: "E-Mail-Adresse mit Komma statt Punkt".to_owned(),
            });
        }
        let phone = if self.chance(0.45) {
            Some(format!(
                "{} {}",
                b.address_area_code(),
                self.rng.gen_range(200_000..9_999_999)
            ))
        } else {
            None
        };
        let mobile = if !matches!(kind, Kind::Company(_) | Kind::Estate) && self.chance(0.6) {
            let prefix = self.pick(&[
                "0151", "0152", "0157", "0160", "0162", "0170", "0171", "0172", "0175", "0176",
            ]);
            let number = self.rng.gen_range(1_000_000..99_999_999);
            if self.chance(0.2) {
                Some(format!("+49 {} {number}", &prefix[1..]))
            } else {
                Some(format!("{prefix} {number}"))
            }
        } else {
            None
        };
        let address = match (life, &kind) {
            (Life::Current, Kind::Guarantor) => Some(self.elsewhere()),
            (Life::Current, _) => Some(b.address.clone()),
            (Life::Future, _) => Some(self.elsewhere()),
            (Life::Ended(_), _) => {
                if self.chance(0.5) {
                    Some(self.elsewhere())
                } else {
                    None
                }
            }
        };
        // Co-residents share the main tenant's address.
        let address = match &self.household {
            Some(shared) if !matches!(kind, Kind::Guarantor) => shared.clone(),
            _ => address,
        };
        self.last_address = address.clone();
        let stamp = match life {
            Life::Ended(e) => {
                let day = days_after(e, self.rng.gen_range(0..=60));
                self.stamp(day)
            }
            _ => {
                let day = self.date_between(lease_start.min(self.today), self.today);
                self.stamp(day)
            }
        };
        let surname_out = surname.clone();
        let row: Vec<Val> = if anonymised {
            vec![
                person_id.into(),
                self.client_ids[client].into(),
                person_no.to_string().into(),
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                Val::Null,
                1i64.into(),
                stamp.into(),
            ]
        } else {
            let (street, house_no, postal_code, city) = match address {
                Some(a) => (
                    Some(a.street),
                    a.house_no,
                    Some(a.postal_code),
                    Some(a.city),
                ),
                None => (None, None, None, None),
            };
            vec![
                person_id.into(),
                self.client_ids[client].into(),
                person_no.to_string().into(),
                salutation.into(),
                title.into(),
                first_name.into(),
                surname.into(),
                company.into(),
                birth.map(|d| d.format("%Y-%m-%d").to_string()).into(),
                email.into(),
                phone.into(),
                mobile.into(),
                street.into(),
                house_no.into(),
                postal_code.into(),
                city.into(),
                0i64.into(),
                stamp.into(),
            ]
        };
        self.persons.push(row);
        (person_id, surname_out)
    }

    fn surname(&mut self) -> String {
        if self.chance(0.04) {
            self.pick(data::SPECIAL_SURNAMES).to_owned()
        } else {
            self.pick(data::SURNAMES).to_owned()
        }
    }

    fn email(&mut self, first: Option<&str>, last: Option<&str>, company: Option<&str>) -> String {
        let provider = self.pick(data::MAIL_PROVIDERS);
        match (first, last, company) {
            (Some(f), Some(l), _) => {
                let f = mail_part(f.split(" und ").next().unwrap_or(f));
                let l = mail_part(l);
                match self.rng.gen_range(0..4) {
                    0 => format!("{f}.{l}@{provider}"),
                    1 => format!("{}.{l}@{provider}", f.chars().next().unwrap_or('x')),
                    2 => format!("{l}{}@{provider}", self.rng.gen_range(1..99)),
                    _ => format!("{f}{l}@{provider}"),
                }
            }
            (_, _, Some(c)) => {
                let word = c.split_whitespace().next().unwrap_or("info");
                format!("info@{}.de", mail_part(word))
            }
            _ => format!("kontakt{}@{provider}", self.rng.gen_range(1..9999)),
        }
    }

    /// An address in some other city (owners, former and future tenants, guarantors).
    fn elsewhere(&mut self) -> Address {
        let city = self.pick(data::ALL_CITIES);
        Address {
            street: self.pick(city.streets).to_owned(),
            house_no: Some(self.rng.gen_range(1..160).to_string()),
            postal_code: self.pick(city.postal_codes).to_owned(),
            city: city.name,
        }
    }

    pub(crate) fn persons_made(&self) -> u64 {
        self.persons_made
    }
}

impl BuildingCtx {
    fn address_area_code(&self) -> &'static str {
        data::ALL_CITIES
            .iter()
            .find(|c| c.name == self.address.city)
            .map_or("040", |c| c.area_code)
    }
}

/// The name fields of a person row.
#[derive(Default)]
struct Names {
    salutation: Option<&'static str>,
    title: Option<&'static str>,
    first_name: Option<String>,
    surname: Option<String>,
    company: Option<String>,
}

/// What kind of person to create.
#[derive(Clone)]
enum Kind {
    Natural,
    Couple,
    Child,
    Guarantor,
    Owner,
    Estate,
    Company(String),
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn days_after(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

/// Lower-case ASCII for e-mail addresses: umlauts transliterated, other marks dropped.
fn mail_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        match ch {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'a'..='z' | '0'..='9' | '-' => out.push(ch),
            'á' | 'à' | 'ă' | 'ą' | 'â' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ễ' => out.push('e'),
            'í' | 'ì' | 'ı' | 'î' | 'ị' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' => out.push('u'),
            'ç' | 'č' | 'ć' => out.push('c'),
            'ş' | 'ś' | 'š' => out.push('s'),
            'ł' => out.push('l'),
            'ń' => out.push('n'),
            'ż' | 'ź' | 'ž' => out.push('z'),
            'ğ' => out.push('g'),
            'ý' => out.push('y'),
            _ => {}
        }
    }
    if out.is_empty() { "x".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::mail_part;

    #[test]
    fn mail_parts_are_ascii() {
        assert_eq!(mail_part("Müller-Lüdenscheidt"), "mueller-luedenscheidt");
        assert_eq!(mail_part("von der Heide"), "vonderheide");
        assert_eq!(mail_part("Weiß"), "weiss");
        assert_eq!(mail_part("Yılmaz"), "yilmaz");
        assert_eq!(mail_part("Nguyễn Văn"), "nguyenvan");
    }
}
