//! Schema migrations: the SQL files under `migrations/`, embedded in the binary and applied in
//! order when a store opens, each in its own transaction, recorded in `schema_migrations`.
//!
//! Key decision: the same runner as the SQLite backend's, not `sqlx::migrate!` (which needs
//! sqlx's `macros` feature) nor a runtime `sqlx::migrate::Migrator` (the `migrate` feature):
//! append-only files checked by SHA-256 in kyoyu's own `schema_migrations` table, a database
//! written by a newer kyoyu refused with a message that says so, and no extra sqlx features.
//! Two processes opening a new schema at once are kept apart by a transaction-level advisory
//! lock keyed on the schema's name, taken first in every migration's transaction — so the list
//! of applied migrations is read under the lock, and the loser finds the winner's work done.
//! Migrations run as the user the store connects as (the schema's owner), on a connection of
//! their own, never as the application role.

use kyoyu_store::StoreError;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection, Postgres, Transaction};

use crate::rows::{database, get, now};

/// One migration file.
struct Migration {
    /// Its number: 1, 2, 3, … without gaps.
    version: i64,
    /// Its file name without `.sql`.
    name: &'static str,
    /// Its SQL.
    sql: &'static str,
}

/// Every migration this binary knows, in order. Add new files at the end; never edit one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_jobs",
        sql: include_str!("../migrations/0002_jobs.sql"),
    },
    Migration {
        version: 3,
        name: "0003_outbox",
        sql: include_str!("../migrations/0003_outbox.sql"),
    },
    Migration {
        version: 4,
        name: "0004_idempotency",
        sql: include_str!("../migrations/0004_idempotency.sql"),
    },
    Migration {
        version: 5,
        name: "0005_copy",
        sql: include_str!("../migrations/0005_copy.sql"),
    },
    Migration {
        version: 6,
        name: "0006_request_counts",
        sql: include_str!("../migrations/0006_request_counts.sql"),
    },
    Migration {
        version: 7,
        name: "0007_policies_once",
        sql: include_str!("../migrations/0007_policies_once.sql"),
    },
    Migration {
        version: 8,
        name: "0008_jobs_due",
        sql: include_str!("../migrations/0008_jobs_due.sql"),
    },
    Migration {
        version: 9,
        name: "0009_jobs_retention",
        sql: include_str!("../migrations/0009_jobs_retention.sql"),
    },
    Migration {
        version: 10,
        name: "0010_hub",
        sql: include_str!("../migrations/0010_hub.sql"),
    },
];

/// The newest schema version this binary knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Begins a migration's transaction holding the schema's migration lock.
async fn begin_locked(
    connection: &mut PgConnection,
) -> Result<Transaction<'_, Postgres>, StoreError> {
    let mut transaction = connection
        .begin()
        .await
        .map_err(database("beginning a migration"))?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('kyoyu migrations ' || current_schema()))")
        .execute(&mut *transaction)
        .await
        .map_err(database("taking the migration lock"))?;
    Ok(transaction)
}

/// Applies the migrations the schema has not seen, after checking the ones it has. `place`
/// names the database and schema in messages.
pub(crate) async fn run(connection: &mut PgConnection, place: &str) -> Result<(), StoreError> {
    let mut transaction = begin_locked(connection).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied TIMESTAMPTZ NOT NULL
        )",
    )
    .execute(&mut *transaction)
    .await
    .map_err(|error| {
        StoreError::Database(format!(
            "{place}: creating the schema_migrations table: {error}"
        ))
    })?;
    transaction
        .commit()
        .await
        .map_err(database("committing the schema_migrations table"))?;

    for migration in MIGRATIONS {
        let mut transaction = begin_locked(connection).await?;
        let applied = applied_migrations(&mut transaction, place).await?;
        match applied
            .iter()
            .find(|(version, _, _)| *version == migration.version)
        {
            Some((_, name, recorded)) => {
                if *recorded != checksum(migration.sql) {
                    return Err(StoreError::Corrupt(format!(
                        "{place}: migration {} ({name}) was applied from a different text than \
                         this kyoyu ships; a shipped migration must never change",
                        migration.version,
                    )));
                }
            }
            None => {
                // A plain string runs through the simple query protocol: many statements.
                transaction.execute(migration.sql).await.map_err(|error| {
                    StoreError::Database(format!(
                        "{place}: applying migration {}: {error}",
                        migration.name
                    ))
                })?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, checksum, applied)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(migration.version)
                .bind(migration.name)
                .bind(checksum(migration.sql))
                .bind(now())
                .execute(&mut *transaction)
                .await
                .map_err(database("recording a migration"))?;
            }
        }
        transaction
            .commit()
            .await
            .map_err(database("committing a migration"))?;
    }
    Ok(())
}

/// The recorded migrations; refuses a schema with one this binary does not know.
async fn applied_migrations(
    connection: &mut PgConnection,
    place: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *connection)
            .await
            .map_err(database("reading schema_migrations"))?;
    let mut applied = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = get(row, "schema_migrations", "version")?;
        let name: String = get(row, "schema_migrations", "name")?;
        if version > latest_version() {
            return Err(StoreError::Database(format!(
                "{place}: the database has schema migration {version} ({name}) but this kyoyu \
                 knows migrations only up to {}; it was written by a newer kyoyu — run that \
                 version, or restore a backup taken before the upgrade",
                latest_version(),
            )));
        }
        applied.push((version, name, get(row, "schema_migrations", "checksum")?));
    }
    Ok(applied)
}
