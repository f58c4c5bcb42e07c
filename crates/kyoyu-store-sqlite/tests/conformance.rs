//! The store conformance suite (`tests/suite/`) run against SQLite: a fresh database in a new
//! temporary directory for every test.

mod suite;

use kyoyu_store_sqlite::SqliteStore;

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let store = SqliteStore::open(dir.path()).await.expect("open the store");
                suite::$name(&store).await;
                store.close().await;
            }
        )*
    };
}

conformance!(
    organizations_are_unique_by_name,
    tokens_keep_the_hash_and_are_revoked_only_by_their_tenant,
    incidents_are_visible_only_to_their_tenant,
    incidents_round_trip_and_grow_in_order,
    consents_are_granted_and_withdrawn,
    communities_are_seen_by_owner_and_members_only,
    objects_need_owner_or_member,
    added_objects_are_stored_once_with_a_complete_status,
    date_added_strictly_increases_with_seq,
    version_matching_follows_the_newest_version,
    queries_filter_and_page,
    collections_do_not_mix,
    deleting_objects_keeps_the_latest_right,
    seq_is_never_reused_after_a_delete,
    statuses_are_seen_only_by_the_poster,
    every_change_is_in_an_intact_audit_chain,
    a_chain_break_is_reported,
);
