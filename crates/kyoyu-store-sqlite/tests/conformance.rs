//! The store conformance suite (`kyoyu-store-conformance`) run against SQLite: a fresh database
//! in a new temporary directory for every case, closed after it.

use kyoyu_store_sqlite::SqliteStore;

kyoyu_store_conformance::conformance_tests!(async |case| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path()).await.expect("open the store");
    case(&store).await;
    store.close().await;
});
