//! What the PostgreSQL tests share: a fresh, uniquely named schema per test in the database
//! that `TEST_KYOYU_POSTGRES_URL` names, dropped when the test ends (also when it fails).
//!
//! Key decision: a schema per test, not a database per test — `CREATE DATABASE` copies a
//! template that must have no other session, so parallel tests would fail each other; schemas
//! are created side by side in one database, and the store finds its own through
//! `search_path`. Without the variable a test says on stderr that it was skipped, and passes:
//! `.ci/run` always sets it.

use std::io::Write;
use std::str::FromStr;

use kyoyu_store_postgres::{PgConnectOptions, PostgresStore};
use sqlx::{ConnectOptions, Connection, Executor};

/// The variable that names the test database.
pub const URL_VARIABLE: &str = "TEST_KYOYU_POSTGRES_URL";

/// A schema of the test database that exists until this is dropped.
pub struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// Creates a new schema, or says the test is skipped and returns `None` when
    /// `TEST_KYOYU_POSTGRES_URL` is not set.
    pub async fn create() -> Option<TestSchema> {
        let test = std::thread::current()
            .name()
            .unwrap_or("a PostgreSQL test")
            .to_owned();
        let Ok(url) = std::env::var(URL_VARIABLE) else {
            // Straight to the process's stderr, not `eprintln!`: the test harness captures
            // that for a passing test, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {URL_VARIABLE} is not set (e.g. \
                 {URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/test); .ci/run sets it"
            );
            return None;
        };
        let name = format!("kyoyu_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = admin(&url).await;
        connection
            .execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .expect("create the test schema");
        connection.close().await.ok();
        Some(TestSchema { url, name })
    }

    /// The schema's name.
    #[allow(dead_code)]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connection options for the schema, as the owner (the URL's user).
    pub fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&self.url)
            .expect("a valid TEST_KYOYU_POSTGRES_URL")
            .options([("search_path", self.name.as_str())])
            .application_name(&self.name)
    }

    /// A store on the schema (migrating it on the first open).
    pub async fn open(&self) -> PostgresStore {
        PostgresStore::open_with(self.options())
            .await
            .expect("open the PostgreSQL store")
    }

    /// A connection as the owner, outside any store, on the schema.
    #[allow(dead_code)]
    pub async fn owner_connection(&self) -> sqlx::PgConnection {
        self.options()
            .application_name("kyoyu-test-owner")
            .connect()
            .await
            .expect("connect as the owner")
    }
}

async fn admin(url: &str) -> sqlx::PgConnection {
    PgConnectOptions::from_str(url)
        .expect("a valid TEST_KYOYU_POSTGRES_URL")
        .connect()
        .await
        .expect("connect to TEST_KYOYU_POSTGRES_URL")
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        // Drop may run while a failed test unwinds inside its runtime: the cleanup gets a
        // thread and a runtime of its own. Sessions still open on the schema (a failed test's
        // store) are ended first, so the drop cannot wait on their locks.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the cleanup");
            runtime.block_on(async {
                let mut connection = admin(&url).await;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&mut connection)
                .await
                .ok();
                let dropped = connection
                    .execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                    .await;
                if let Err(error) = dropped {
                    eprintln!("could not drop the test schema {name}: {error}");
                }
                connection.close().await.ok();
            });
        });
        if cleanup.join().is_err() {
            eprintln!("could not drop the test schema {}", self.name);
        }
    }
}
