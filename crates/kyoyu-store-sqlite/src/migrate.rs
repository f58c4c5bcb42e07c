//! Schema migrations: the SQL files under `migrations/`, embedded in the binary and applied in
//! order when a store opens, each in its own transaction, recorded in `schema_migrations`.
//!
//! Key decision: migrations are append-only. A shipped file is never edited — its SHA-256 is
//! recorded when it is applied and checked at every open — and a database that records a
//! migration this binary does not know (written by a newer kyoyu) is refused rather than used.
//! The runner is ours, not sqlx's migrator: that one reads what is applied before its (deferred)
//! transaction on SQLite, so of two processes opening a new database at once one can fail, and
//! `sqlx::migrate!` would compile SQLite a second time for its proc macro (measurements in the
//! crate's README, "Why not `sqlx::migrate!`").

use std::path::Path;

use kyoyu_store::StoreError;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::rows::{database, format_time, integer, now, text};

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
        name: "0002_status_expiry",
        sql: include_str!("../migrations/0002_status_expiry.sql"),
    },
    Migration {
        version: 3,
        name: "0003_jobs",
        sql: include_str!("../migrations/0003_jobs.sql"),
    },
    Migration {
        version: 4,
        name: "0004_idempotency",
        sql: include_str!("../migrations/0004_idempotency.sql"),
    },
    Migration {
        version: 5,
        name: "0005_request_counts",
        sql: include_str!("../migrations/0005_request_counts.sql"),
    },
    Migration {
        version: 6,
        name: "0006_jobs_due",
        sql: include_str!("../migrations/0006_jobs_due.sql"),
    },
    Migration {
        version: 7,
        name: "0007_jobs_retention",
        sql: include_str!("../migrations/0007_jobs_retention.sql"),
    },
    Migration {
        version: 8,
        name: "0008_hub",
        sql: include_str!("../migrations/0008_hub.sql"),
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

/// Applies the migrations the database has not seen, after checking the ones it has.
pub(crate) async fn run(writer: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    // A database that has every migration is only read, not written: a read-only database file
    // (a read-only mount, a file without write permission) still opens, serves reads and
    // answers writes with `StoreError::ReadOnly`.
    if up_to_date(writer, path).await? {
        return Ok(());
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied TEXT NOT NULL
        )",
    )
    .execute(writer)
    .await
    .map_err(database("creating the schema_migrations table"))?;

    for migration in MIGRATIONS {
        // BEGIN IMMEDIATE takes the write lock first, so two processes opening the same new
        // database cannot both apply a migration.
        let mut transaction = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(database("beginning a migration"))?;
        let applied = applied_migrations(&mut transaction, path).await?;
        match applied
            .iter()
            .find(|(version, _, _)| *version == migration.version)
        {
            Some((_, name, recorded)) => check_recorded(migration, name, recorded, path)?,
            None => {
                sqlx::raw_sql(migration.sql)
                    .execute(&mut *transaction)
                    .await
                    .map_err(|error| {
                        StoreError::Database(format!(
                            "{}: applying migration {}: {error}",
                            path.display(),
                            migration.name
                        ))
                    })?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, checksum, applied)
                     VALUES (?, ?, ?, ?)",
                )
                .bind(migration.version)
                .bind(migration.name)
                .bind(checksum(migration.sql))
                .bind(format_time(&now()))
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

/// Whether every migration this binary ships is recorded (each checked), read without taking
/// the write lock.
async fn up_to_date(writer: &SqlitePool, path: &Path) -> Result<bool, StoreError> {
    let mut connection = writer
        .acquire()
        .await
        .map_err(database("reading schema_migrations"))?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .fetch_one(&mut *connection)
    .await
    .map_err(database("looking for schema_migrations"))?;
    if tables == 0 {
        return Ok(false);
    }
    let applied = applied_migrations(&mut connection, path).await?;
    for migration in MIGRATIONS {
        match applied
            .iter()
            .find(|(version, _, _)| *version == migration.version)
        {
            Some((_, name, recorded)) => check_recorded(migration, name, recorded, path)?,
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Refuses a recorded migration whose text differs from the one this binary ships.
fn check_recorded(
    migration: &Migration,
    name: &str,
    recorded: &str,
    path: &Path,
) -> Result<(), StoreError> {
    if recorded == checksum(migration.sql) {
        return Ok(());
    }
    Err(StoreError::Corrupt(format!(
        "{}: migration {} ({name}) was applied from a different text than this kyoyu ships; a \
         shipped migration must never change",
        path.display(),
        migration.version,
    )))
}

/// The recorded migrations; refuses a database with one this binary does not know.
async fn applied_migrations(
    connection: &mut sqlx::SqliteConnection,
    path: &Path,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *connection)
            .await
            .map_err(database("reading schema_migrations"))?;
    let mut applied = Vec::with_capacity(rows.len());
    for row in &rows {
        let version = integer(row, "schema_migrations", "version")?;
        let name = text(row, "schema_migrations", "name")?;
        if version > latest_version() {
            return Err(StoreError::Database(format!(
                "{}: the database has schema migration {version} ({name}) but this kyoyu knows \
                 migrations only up to {}; it was written by a newer kyoyu — run that version, or \
                 restore a backup taken before the upgrade",
                path.display(),
                latest_version(),
            )));
        }
        applied.push((version, name, text(row, "schema_migrations", "checksum")?));
    }
    Ok(applied)
}
