//! The store conformance suite: what kyoyu relies on from any [`Store`] backend — tenant
//! isolation, incident versions and `Stale`, communities, STIX objects with version matching,
//! filters, paging and deletes, status resources, the audit chain, the job queue and the
//! whole-store copy — as public async
//! functions over `&dyn Store`, one behaviour each.
//!
//! Key decision: **every case gets a fresh, empty store and runs through the trait only**, so
//! one suite states the contract and every backend runs all of it; checks that need a
//! backend's insides (pragmas, migrations, tampering with the stored rows) live beside that
//! backend, not here.
//!
//! # Running the suite against a backend
//!
//! Add this crate and the backend as dev-dependencies of the backend's crate, and write one test
//! file (`tests/conformance.rs`) with one [`conformance_tests!`] invocation. Its argument is an
//! async closure that gets the case to run (a [`Case`]): it opens a fresh, empty store, runs the
//! case on it, and cleans up. The macro expands to one `#[test]` per case, named after the case
//! function, each on its own current-thread tokio runtime (what `#[tokio::test]` builds), so
//! `cargo test` reports every case by name and a failure names the behaviour that broke:
//!
//! ```no_run
//! # use kyoyu_store::Store;
//! # struct MyStore;
//! # impl MyStore {
//! #     async fn open_empty() -> Box<dyn Store> { todo!() }
//! #     async fn drop_database(self) {}
//! # }
//! kyoyu_store_conformance::conformance_tests!(async |case| {
//!     // A new database (a temporary directory, a new PostgreSQL schema, ...) per case.
//!     let store = MyStore::open_empty().await;
//!     case(&*store).await;
//! });
//! # fn main() {}
//! ```
//!
//! The SQLite backend's `crates/kyoyu-store-sqlite/tests/conformance.rs` is the working example
//! (a temporary directory per case, the store closed after it). A harness that cannot use the
//! macro runs [`CASES`] itself: every case by name, as plain function pointers.

mod audit;
mod copy;
mod fixtures;
mod hub;
mod jobs;
mod objects;
mod tenants;

use std::future::Future;
use std::pin::Pin;

use kyoyu_store::Store;

pub use audit::{a_chain_break_is_reported, every_change_is_in_an_intact_audit_chain};
pub use copy::{
    a_copy_goes_only_into_an_empty_store, a_loaded_copy_keeps_every_value_and_continues_after_it,
    an_abandoned_copy_leaves_the_store_empty,
};
pub use hub::{
    hub_submissions_are_kept_under_their_pseudonym_and_tenant,
    provenance_is_kept_only_with_consent_and_every_lookup_is_audited,
};
pub use jobs::{
    a_dead_workers_job_is_claimed_again_after_its_lease, a_jobs_effect_is_recorded_once,
    a_schedule_runs_once_per_period, an_adds_jobs_are_written_with_its_objects_only,
    done_jobs_are_removed_after_their_retention, job_keys_deduplicate_unfinished_jobs,
    jobs_are_claimed_by_exactly_one_worker, request_counts_add_up_across_processes,
    retries_wait_and_dead_jobs_stay_dead,
};
pub use objects::{
    added_objects_are_stored_once_with_a_complete_status, collections_do_not_mix,
    date_added_strictly_increases_with_seq, deleting_objects_keeps_the_latest_right,
    objects_belong_to_their_producer, objects_need_owner_or_member, queries_filter_and_page,
    seq_is_never_reused_after_a_delete, statuses_are_seen_only_by_the_poster,
    version_matching_follows_the_newest_version, versions_in_one_request_are_kept_apart,
};
pub use tenants::{
    an_idempotency_key_is_claimed_once, communities_are_seen_by_owner_and_members_only,
    consents_are_granted_and_withdrawn, incidents_are_visible_only_to_their_tenant,
    incidents_round_trip_and_grow_in_order, organizations_are_unique_by_name,
    tokens_keep_the_hash_and_are_revoked_only_by_their_tenant,
};

/// One case as a plain function pointer: a table can hold every case, and a backend's runner
/// passes any store that coerces to `&dyn Store`. It panics when the store breaks the contract.
pub type Case = for<'a> fn(&'a dyn Store) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Every case with its name, in the suite's order: for a harness that does not use
/// [`conformance_tests!`].
pub const CASES: &[(&str, Case)] = __with_cases!(__case_table);

/// Runs one case the way [`conformance_tests!`] does: on a new current-thread tokio runtime
/// with IO and time enabled (what `#[tokio::test]` builds), handing the case to `with`, which
/// opens a fresh store, runs the case on it and cleans up.
pub fn run_case(case: Case, with: impl AsyncFnOnce(Case)) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the case")
        .block_on(with(case));
}

/// Expands to one `#[test]` per case of the suite, named after the case, each running
/// [`run_case`] with the given async closure (see the crate's documentation).
#[macro_export]
macro_rules! conformance_tests {
    ($with:expr $(,)?) => {
        $crate::__with_cases!(__case_tests, $with);
    };
}

/// The one list of the suite's cases, handed to `$callback` (so [`CASES`] and
/// [`conformance_tests!`] cannot disagree).
#[doc(hidden)]
#[macro_export]
macro_rules! __with_cases {
    ($callback:ident $(, $with:expr)?) => {
        $crate::$callback! {
            [$($with)?]
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
            versions_in_one_request_are_kept_apart,
            queries_filter_and_page,
            collections_do_not_mix,
            deleting_objects_keeps_the_latest_right,
            seq_is_never_reused_after_a_delete,
            statuses_are_seen_only_by_the_poster,
            objects_belong_to_their_producer,
            every_change_is_in_an_intact_audit_chain,
            an_idempotency_key_is_claimed_once,
            a_chain_break_is_reported,
            jobs_are_claimed_by_exactly_one_worker,
            a_dead_workers_job_is_claimed_again_after_its_lease,
            retries_wait_and_dead_jobs_stay_dead,
            job_keys_deduplicate_unfinished_jobs,
            a_schedule_runs_once_per_period,
            an_adds_jobs_are_written_with_its_objects_only,
            a_jobs_effect_is_recorded_once,
            hub_submissions_are_kept_under_their_pseudonym_and_tenant,
            provenance_is_kept_only_with_consent_and_every_lookup_is_audited,
            done_jobs_are_removed_after_their_retention,
            request_counts_add_up_across_processes,
            a_copy_goes_only_into_an_empty_store,
            an_abandoned_copy_leaves_the_store_empty,
            a_loaded_copy_keeps_every_value_and_continues_after_it,
        }
    };
}

/// The cases as [`CASES`]' table.
#[doc(hidden)]
#[macro_export]
macro_rules! __case_table {
    ([] $($name:ident),* $(,)?) => {
        &[$((
            stringify!($name),
            |store| ::std::boxed::Box::pin($crate::$name(store)),
        )),*]
    };
}

/// The cases as tests, for [`conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __case_tests {
    ([$with:expr] $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::run_case(
                    |store| ::std::boxed::Box::pin($crate::$name(store)),
                    $with,
                );
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::CASES;

    /// Every public case function is in the one list, once: a case added to a module but not
    /// to `__with_cases!` would silently never run.
    #[test]
    fn every_case_function_is_listed_once() {
        let sources = [
            include_str!("tenants.rs"),
            include_str!("objects.rs"),
            include_str!("audit.rs"),
            include_str!("jobs.rs"),
            include_str!("copy.rs"),
            include_str!("hub.rs"),
        ];
        let mut defined: Vec<&str> = sources
            .iter()
            .flat_map(|source| source.lines())
            .filter_map(|line| line.strip_prefix("pub async fn "))
            .filter_map(|rest| rest.split('(').next())
            .collect();
        let mut listed: Vec<&str> = CASES.iter().map(|(name, _)| *name).collect();
        defined.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, defined);
    }
}
