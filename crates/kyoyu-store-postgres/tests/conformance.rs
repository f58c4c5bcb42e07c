//! The store conformance suite (`kyoyu-store-conformance`) run against PostgreSQL: a fresh
//! schema in the database `TEST_KYOYU_POSTGRES_URL` names for every case, dropped after it.
//! Without the variable every case says on stderr that it was skipped.

mod support;

use support::TestSchema;

kyoyu_store_conformance::conformance_tests!(async |case| {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    case(&store).await;
    store.close().await;
});
