//! [`EnvironmentStore`] for [`SqlStore`]: the SQL is written once, in the `environment_ops!`
//! macro, and expanded for each backend (like `ops.rs`, which is compiled twice by `#[path]`).

use async_trait::async_trait;

use super::{Backend, SqlStore};
use crate::{
    ActiveEnvironment, Environment, EnvironmentStore, EnvironmentSwitch, NewSwitch, Result,
    SwitchFilter,
};

macro_rules! environment_ops {
    ($db:ty, $backend:ident, $lock:expr) => {
        use chrono::{DateTime, Utc};
        use sqlx::Pool;

        use crate::sql::$backend::begin_write;
        use crate::sql::common::{limit, ts};
        use crate::{
            ActiveEnvironment, Environment, EnvironmentSwitch, NewSwitch, Result, RunStatus,
            StoreError, SwitchFilter,
        };

        type Db = $db;
        type Tx = sqlx::Transaction<'static, Db>;
        type ActiveRow = (String, String, String, DateTime<Utc>);
        type SwitchRow = (i64, String, String, String, String, String, DateTime<Utc>, i64);

        /// Statement that keeps other writers of `environments` out until commit (`None`: the
        /// write transaction does that already).
        const LOCK: Option<&str> = $lock;

        const ACTIVE_COLS: &str = "SELECT partner, use_case, environment, updated_at \
                                   FROM environments";
        const SWITCH_COLS: &str = "SELECT id, partner, use_case, from_env, to_env, by_user, at, \
                                   run_id FROM environment_switches";
        const DEFAULT_LIMIT: u32 = 50;

        async fn lock(tx: &mut Tx) -> Result<()> {
            if let Some(sql) = LOCK {
                sqlx::query(sql).execute(&mut **tx).await?;
            }
            Ok(())
        }

        fn env(s: &str) -> Result<Environment> {
            Environment::parse(s)
                .ok_or_else(|| StoreError::Corrupt(format!("unbekannte Umgebung „{s}“")))
        }

        fn active((partner, use_case, environment, updated_at): ActiveRow) -> Result<ActiveEnvironment> {
            Ok(ActiveEnvironment {
                environment: env(&environment)?,
                partner,
                use_case,
                updated_at,
            })
        }

        fn switch(r: SwitchRow) -> Result<EnvironmentSwitch> {
            let (id, partner, use_case, from, to, by, at, run_id) = r;
            Ok(EnvironmentSwitch {
                id,
                partner,
                use_case,
                from: env(&from)?,
                to: env(&to)?,
                by,
                at,
                run_id,
            })
        }

        pub(super) async fn active_environment(
            pool: &Pool<Db>,
            partner: &str,
            use_case: &str,
        ) -> Result<Option<ActiveEnvironment>> {
            let row: Option<ActiveRow> = sqlx::query_as(&format!(
                "{ACTIVE_COLS} WHERE partner = $1 AND use_case = $2"
            ))
            .bind(partner)
            .bind(use_case)
            .fetch_optional(pool)
            .await?;
            row.map(active).transpose()
        }

        pub(super) async fn active_environments(
            pool: &Pool<Db>,
            partner: Option<&str>,
        ) -> Result<Vec<ActiveEnvironment>> {
            let rows: Vec<ActiveRow> = match partner {
                Some(p) => {
                    sqlx::query_as(&format!(
                        "{ACTIVE_COLS} WHERE partner = $1 ORDER BY partner, use_case"
                    ))
                    .bind(p)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    sqlx::query_as(&format!("{ACTIVE_COLS} ORDER BY partner, use_case"))
                        .fetch_all(pool)
                        .await?
                }
            };
            rows.into_iter().map(active).collect()
        }

        pub(super) async fn pin_environment(
            pool: &Pool<Db>,
            partner: &str,
            use_case: &str,
            environment: Environment,
        ) -> Result<Environment> {
            let mut tx = begin_write(pool).await?;
            let now = ts(Utc::now());
            sqlx::query(
                "INSERT INTO environments (partner, use_case, environment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (partner, use_case) DO NOTHING",
            )
            .bind(partner)
            .bind(use_case)
            .bind(environment.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let stored: String = sqlx::query_scalar(
                "SELECT environment FROM environments WHERE partner = $1 AND use_case = $2",
            )
            .bind(partner)
            .bind(use_case)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            env(&stored)
        }

        pub(super) async fn switch_environment(
            pool: &Pool<Db>,
            s: &NewSwitch,
        ) -> Result<EnvironmentSwitch> {
            if s.from == s.to {
                return Err(StoreError::Conflict(format!(
                    "{} von {} läuft bereits in der Umgebung {}",
                    s.use_case, s.partner, s.to
                )));
            }
            let at = ts(s.at);
            let mut tx = begin_write(pool).await?;
            lock(&mut tx).await?;
            let stored: Option<String> = sqlx::query_scalar(
                "SELECT environment FROM environments WHERE partner = $1 AND use_case = $2",
            )
            .bind(&s.partner)
            .bind(&s.use_case)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(stored) = stored
                && stored != s.from.as_str()
            {
                return Err(StoreError::Conflict(format!(
                    "{} von {} ist inzwischen auf {stored} umgeschaltet worden (erwartet: {})",
                    s.use_case, s.partner, s.from
                )));
            }
            sqlx::query(
                "INSERT INTO environments (partner, use_case, environment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (partner, use_case) DO UPDATE SET \
                     environment = excluded.environment, updated_at = excluded.updated_at",
            )
            .bind(&s.partner)
            .bind(&s.use_case)
            .bind(s.to.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
            // The run row: so that every list of runs (CLI protocol, GET /v1/runs of the
            // production connection) shows the switch.
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO runs (use_case, connection, direction, \"trigger\", started_at, \
                                   ended_at, status, errors, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'manual', $4, $4, $5, '[]', $4, $4) RETURNING id",
            )
            .bind(&s.use_case)
            .bind(Environment::Production.connection(&s.partner))
            .bind(s.to.switch_direction())
            .bind(at)
            .bind(RunStatus::Succeeded.as_str())
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO environment_switches \
                     (partner, use_case, from_env, to_env, by_user, at, run_id, created_at, \
                      updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $6) RETURNING id",
            )
            .bind(&s.partner)
            .bind(&s.use_case)
            .bind(s.from.as_str())
            .bind(s.to.as_str())
            .bind(&s.by)
            .bind(at)
            .bind(run_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(EnvironmentSwitch {
                id,
                partner: s.partner.clone(),
                use_case: s.use_case.clone(),
                from: s.from,
                to: s.to,
                by: s.by.clone(),
                at,
                run_id,
            })
        }

        pub(super) async fn environment_switches(
            pool: &Pool<Db>,
            filter: &SwitchFilter,
        ) -> Result<Vec<EnvironmentSwitch>> {
            let mut sql = format!("{SWITCH_COLS} WHERE TRUE");
            let mut n = 0;
            let mut next = || {
                n += 1;
                n
            };
            if filter.partner.is_some() {
                sql += &format!(" AND partner = ${}", next());
            }
            if filter.from.is_some() {
                sql += &format!(" AND at >= ${}", next());
            }
            if filter.to.is_some() {
                sql += &format!(" AND at < ${}", next());
            }
            sql += &format!(" ORDER BY at DESC, id DESC LIMIT ${}", next());
            let mut q = sqlx::query_as::<_, SwitchRow>(&sql);
            if let Some(p) = &filter.partner {
                q = q.bind(p);
            }
            if let Some(from) = filter.from {
                q = q.bind(ts(from));
            }
            if let Some(to) = filter.to {
                q = q.bind(ts(to));
            }
            let n = if filter.limit == 0 {
                DEFAULT_LIMIT
            } else {
                filter.limit
            };
            let rows = q.bind(limit(n)).fetch_all(pool).await?;
            rows.into_iter().map(switch).collect()
        }

        pub(super) async fn environment_switch_of_run(
            pool: &Pool<Db>,
            run_id: i64,
        ) -> Result<Option<EnvironmentSwitch>> {
            let row: Option<SwitchRow> =
                sqlx::query_as(&format!("{SWITCH_COLS} WHERE run_id = $1"))
                    .bind(run_id)
                    .fetch_optional(pool)
                    .await?;
            row.map(switch).transpose()
        }
    };
}

mod sqlite_ops {
    environment_ops!(sqlx::Sqlite, sqlite, None);
}

mod postgres_ops {
    environment_ops!(
        sqlx::Postgres,
        postgres,
        Some("LOCK TABLE environments IN SHARE ROW EXCLUSIVE MODE")
    );
}

/// Calls the same operation on whichever backend the store has.
macro_rules! on_backend {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite_ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres_ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl EnvironmentStore for SqlStore {
    async fn active_environment(
        &self,
        partner: &str,
        use_case: &str,
    ) -> Result<Option<ActiveEnvironment>> {
        on_backend!(self.active_environment(partner, use_case))
    }

    async fn active_environments(&self, partner: Option<&str>) -> Result<Vec<ActiveEnvironment>> {
        on_backend!(self.active_environments(partner))
    }

    async fn pin_environment(
        &self,
        partner: &str,
        use_case: &str,
        environment: Environment,
    ) -> Result<Environment> {
        on_backend!(self.pin_environment(partner, use_case, environment))
    }

    async fn switch_environment(&self, s: &NewSwitch) -> Result<EnvironmentSwitch> {
        on_backend!(self.switch_environment(s))
    }

    async fn environment_switches(&self, filter: &SwitchFilter) -> Result<Vec<EnvironmentSwitch>> {
        on_backend!(self.environment_switches(filter))
    }

    async fn environment_switch_of_run(&self, run_id: i64) -> Result<Option<EnvironmentSwitch>> {
        on_backend!(self.environment_switch_of_run(run_id))
    }
}
