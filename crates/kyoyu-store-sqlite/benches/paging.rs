//! Serving a large collection page by page: 100,000 objects added in POSTs of 1,000, then read
//! in pages of 100 following the `after_seq` cursor, as a TAXII client pages with `next`.
//! Prints `metric value unit` lines (no criterion: see ARCHITECTURE.md). Run with
//! `cargo bench -p kyoyu-store-sqlite`.

use std::time::Instant;

use chrono::Utc;
use kyoyu_store::{Actor, CommunityRecord, NewObject, ObjectQuery, OrgKind, Store, VersionMatch};
use kyoyu_store_sqlite::SqliteStore;

const OBJECTS: usize = 100_000;
const POST: usize = 1_000;
const PAGE: usize = 100;
const COLLECTION: &str = "3f6b2a3e-0000-4000-8000-00000000beef";

fn object(n: usize) -> NewObject {
    let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
    let version = "2026-01-01T00:00:00.000Z".to_owned();
    let json = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"{version}","modified":"{version}","pattern":"[ipv4-addr:value = '10.0.{}.{}']","pattern_type":"stix","valid_from":"{version}"}}"#,
        n / 256 % 256,
        n % 256
    );
    NewObject {
        id,
        object_type: "indicator".into(),
        spec_version: "2.1".into(),
        version,
        tlp: Some(kyoyu_store::Tlp::Green),
        audience: Vec::new(),
        json,
    }
}

async fn page_through(
    store: &SqliteStore,
    tenant: kyoyu_store::OrgId,
    versions: VersionMatch,
) -> (usize, f64) {
    let started = Instant::now();
    let mut cursor = None;
    let mut seen = 0;
    loop {
        let query = ObjectQuery {
            after_seq: cursor,
            limit: PAGE,
            versions: versions.clone(),
            ..ObjectQuery::default()
        };
        let page = store
            .objects(tenant, COLLECTION, &query)
            .await
            .expect("a page");
        seen += page.objects.len();
        cursor = page.objects.last().map(|object| object.seq);
        if !page.more {
            break;
        }
    }
    (seen, started.elapsed().as_secs_f64())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).await.expect("open");
        let operator = Actor::operator();
        let hub = store
            .system_create_org(&operator, "hub", OrgKind::Hub)
            .await
            .expect("hub");
        let actor = Actor {
            org: Some(hub.id),
            who: "bench".into(),
            request: None,
        };
        let community = CommunityRecord {
            id: COLLECTION.into(),
            owner: hub.id,
            title: "bench".into(),
            description: String::new(),
            kind: kyoyu_store::CommunityKind::Hub,
            max_tlp: kyoyu_store::Tlp::Amber,
            created: Utc::now(),
        };
        store
            .create_community(hub.id, &actor, &community)
            .await
            .expect("community");

        let started = Instant::now();
        for start in (0..OBJECTS).step_by(POST) {
            let objects: Vec<_> = (start..start + POST).map(object).collect();
            store
                .add_objects(
                    hub.id,
                    &actor,
                    COLLECTION,
                    &objects,
                    Vec::new(),
                    &kyoyu_store::Effects::NONE,
                )
                .await
                .expect("add");
        }
        let added = started.elapsed().as_secs_f64();
        println!("add_objects_rate {:.0} objects/s", OBJECTS as f64 / added);
        println!(
            "add_objects_post_1000 {:.2} ms",
            added * 1000.0 / (OBJECTS / POST) as f64
        );

        for (name, versions) in [("last", VersionMatch::Last), ("all", VersionMatch::All)] {
            let (seen, seconds) = page_through(&store, hub.id, versions).await;
            assert_eq!(seen, OBJECTS);
            println!("page_through_100000_by_100_{name} {:.3} s", seconds);
            println!(
                "page_{name} {:.3} ms",
                seconds * 1000.0 / (OBJECTS / PAGE) as f64
            );
        }
        store.close().await;
    });
}
