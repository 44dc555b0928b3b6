//! [`SecretStore`] for [`SqlStore`]: the SQL is written once, in the `secret_ops!` macro, and
//! expanded for each backend (like `ops.rs`, which is compiled twice by `#[path]`).
//!
//! Invariant: every stored value is sealed with the same master key. `put_secret` refuses a
//! value sealed with a key other than the one the stored values name (a process that still
//! holds the old key after a rotation in another process), and `reseal_all` replaces the key
//! of all values in one transaction. On PostgreSQL both take a table lock that keeps other
//! writers of `secrets` out until commit; SQLite has one writer at a time anyway
//! (`BEGIN IMMEDIATE`).

use async_trait::async_trait;

use super::{Backend, SqlStore};
use crate::{ResealFn, Result, SecretInfo, SecretStore, StoredSecret};

macro_rules! secret_ops {
    ($db:ty, $backend:ident, $lock:expr) => {
        use chrono::{DateTime, Utc};
        use sqlx::Pool;

        use crate::sql::common::ts;
        use crate::sql::$backend::begin_write;
        use crate::{ResealFn, Result, SecretInfo, StoreError, StoredSecret};

        type Db = $db;
        type Tx = sqlx::Transaction<'static, Db>;
        type SecretRow = (String, String, String, String, DateTime<Utc>, DateTime<Utc>);
        type InfoRow = (String, String, String, DateTime<Utc>, DateTime<Utc>);

        /// Statement that keeps other writers of `secrets` out until commit (`None`: the
        /// write transaction does that already).
        const LOCK: Option<&str> = $lock;

        async fn lock(tx: &mut Tx) -> Result<()> {
            if let Some(sql) = LOCK {
                sqlx::query(sql).execute(&mut **tx).await?;
            }
            Ok(())
        }

        fn stored(
            (owner, name, sealed, key_id, created_at, updated_at): SecretRow,
        ) -> StoredSecret {
            StoredSecret {
                owner,
                name,
                sealed,
                key_id,
                created_at,
                updated_at,
            }
        }

        fn info((owner, name, key_id, created_at, updated_at): InfoRow) -> SecretInfo {
            SecretInfo {
                owner,
                name,
                key_id,
                created_at,
                updated_at,
            }
        }

        pub(super) async fn put_secret(
            pool: &Pool<Db>,
            owner: &str,
            name: &str,
            sealed: &str,
            key_id: &str,
        ) -> Result<()> {
            let mut tx = begin_write(pool).await?;
            lock(&mut tx).await?;
            let other: Option<String> =
                sqlx::query_scalar("SELECT key_id FROM secrets WHERE key_id <> $1 LIMIT 1")
                    .bind(key_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(other) = other {
                return Err(StoreError::Conflict(format!(
                    "die gespeicherten Zugangsdaten sind mit Hauptschlüssel {other} \
                     verschlüsselt, dieser Wert mit {key_id}: der Hauptschlüssel wurde \
                     gewechselt – mit dem aktuellen Schlüssel neu starten"
                )));
            }
            let now = ts(Utc::now());
            sqlx::query(
                "INSERT INTO secrets (owner, name, sealed, key_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (owner, name) DO UPDATE SET \
                     sealed = excluded.sealed, key_id = excluded.key_id, \
                     updated_at = excluded.updated_at",
            )
            .bind(owner)
            .bind(name)
            .bind(sealed)
            .bind(key_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        pub(super) async fn secret(
            pool: &Pool<Db>,
            owner: &str,
            name: &str,
        ) -> Result<Option<StoredSecret>> {
            let row: Option<SecretRow> = sqlx::query_as(
                "SELECT owner, name, sealed, key_id, created_at, updated_at FROM secrets \
                 WHERE owner = $1 AND name = $2",
            )
            .bind(owner)
            .bind(name)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(stored))
        }

        pub(super) async fn secret_list(
            pool: &Pool<Db>,
            owner: Option<&str>,
        ) -> Result<Vec<SecretInfo>> {
            const COLS: &str = "SELECT owner, name, key_id, created_at, updated_at FROM secrets";
            let rows: Vec<InfoRow> = match owner {
                Some(owner) => {
                    sqlx::query_as(&format!("{COLS} WHERE owner = $1 ORDER BY owner, name"))
                        .bind(owner)
                        .fetch_all(pool)
                        .await?
                }
                None => {
                    sqlx::query_as(&format!("{COLS} ORDER BY owner, name"))
                        .fetch_all(pool)
                        .await?
                }
            };
            Ok(rows.into_iter().map(info).collect())
        }

        pub(super) async fn delete_secret(
            pool: &Pool<Db>,
            owner: &str,
            name: &str,
        ) -> Result<bool> {
            let done = sqlx::query("DELETE FROM secrets WHERE owner = $1 AND name = $2")
                .bind(owner)
                .bind(name)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub(super) async fn reseal_all(pool: &Pool<Db>, f: &ResealFn<'_>) -> Result<u64> {
            let mut tx = begin_write(pool).await?;
            lock(&mut tx).await?;
            let rows: Vec<SecretRow> = sqlx::query_as(
                "SELECT owner, name, sealed, key_id, created_at, updated_at FROM secrets \
                 ORDER BY owner, name",
            )
            .fetch_all(&mut *tx)
            .await?;
            let now = ts(Utc::now());
            let mut n = 0;
            for row in rows {
                let old = stored(row);
                // An error returns early: the transaction rolls back on drop.
                let new = f(&old)?;
                sqlx::query(
                    "UPDATE secrets SET sealed = $3, key_id = $4, updated_at = $5 \
                     WHERE owner = $1 AND name = $2",
                )
                .bind(&old.owner)
                .bind(&old.name)
                .bind(&new.sealed)
                .bind(&new.key_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                n += 1;
            }
            tx.commit().await?;
            Ok(n)
        }
    };
}

mod sqlite_ops {
    secret_ops!(sqlx::Sqlite, sqlite, None);
}

mod postgres_ops {
    secret_ops!(
        sqlx::Postgres,
        postgres,
        Some("LOCK TABLE secrets IN SHARE ROW EXCLUSIVE MODE")
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
impl SecretStore for SqlStore {
    async fn put_secret(&self, owner: &str, name: &str, sealed: &str, key_id: &str) -> Result<()> {
        on_backend!(self.put_secret(owner, name, sealed, key_id))
    }

    async fn secret(&self, owner: &str, name: &str) -> Result<Option<StoredSecret>> {
        on_backend!(self.secret(owner, name))
    }

    async fn secret_list(&self, owner: Option<&str>) -> Result<Vec<SecretInfo>> {
        on_backend!(self.secret_list(owner))
    }

    async fn delete_secret(&self, owner: &str, name: &str) -> Result<bool> {
        on_backend!(self.delete_secret(owner, name))
    }

    async fn reseal_all(&self, f: &ResealFn<'_>) -> Result<u64> {
        on_backend!(self.reseal_all(f))
    }
}
