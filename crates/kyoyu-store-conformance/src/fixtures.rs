//! What the cases build on: organizations, a community with a member and an outsider, objects
//! with versions on a minute grid, an incident and a token, each made through the [`Store`]
//! trait only.
//!
//! Key decision: fixtures go through the trait, never through a backend's SQL, so a case sets up
//! the same state on every backend and depends on nothing but the behaviour it states.

use chrono::{SubsecRound, Utc};
use kyoyu_store::{
    Actor, CommunityRecord, IncidentDoc, NewObject, ObjectQuery, Org, OrgKind, Role, Store,
    StoreError, TokenRecord,
};
use serde_json::json;

pub(crate) fn operator() -> Actor {
    Actor::operator()
}

pub(crate) fn actor(org: &Org) -> Actor {
    Actor {
        org: Some(org.id),
        who: format!("token-of-{}", org.name),
        request: None,
    }
}

pub(crate) async fn org(store: &dyn Store, name: &str, kind: OrgKind) -> Org {
    store
        .system_create_org(&operator(), name, kind)
        .await
        .expect("create org")
}

pub(crate) fn community_record(owner: &Org, id: &str) -> CommunityRecord {
    CommunityRecord {
        id: id.to_owned(),
        owner: owner.id,
        title: format!("Community {id}"),
        description: "for tests".to_owned(),
        kind: kyoyu_store::CommunityKind::Hub,
        max_tlp: kyoyu_store::Tlp::Amber,
        created: Utc::now().trunc_subsecs(6),
    }
}

pub(crate) const COLLECTION: &str = "3f6b2a3e-0000-4000-8000-000000000001";

/// A hub owning `COLLECTION`, a member of it, and an outsider.
pub(crate) async fn hub_member_outsider(store: &dyn Store) -> (Org, Org, Org) {
    let hub = org(store, "hub", OrgKind::Hub).await;
    let member = org(store, "member", OrgKind::Member).await;
    let outsider = org(store, "outsider", OrgKind::Member).await;
    store
        .create_community(hub.id, &actor(&hub), &community_record(&hub, COLLECTION))
        .await
        .unwrap();
    store
        .add_member(hub.id, &actor(&hub), COLLECTION, member.id)
        .await
        .unwrap();
    (hub, member, outsider)
}

pub(crate) fn version(minute: u32) -> String {
    format!("2026-01-01T00:{minute:02}:00.000Z")
}

pub(crate) fn object(id: &str, object_type: &str, minute: u32) -> NewObject {
    let version = version(minute);
    NewObject {
        id: id.to_owned(),
        object_type: object_type.to_owned(),
        spec_version: "2.1".to_owned(),
        version: version.clone(),
        tlp: Some(kyoyu_store::Tlp::Green),
        audience: Vec::new(),
        json: format!(r#"{{"type":"{object_type}","id":"{id}","modified":"{version}"}}"#),
    }
}

pub(crate) fn query(limit: usize) -> ObjectQuery {
    ObjectQuery {
        limit,
        ..ObjectQuery::default()
    }
}

pub(crate) fn incident(id: &str) -> IncidentDoc {
    IncidentDoc::split(
        id,
        json!({
            "incident": {"title": "ransomware"},
            "items": [{"id": "i1"}, {"id": "i2"}],
            "timeline": [{"at": "2026-01-01T00:00:00Z"}],
        }),
    )
    .expect("an incident document")
}

pub(crate) fn token(id: &str, org: &Org) -> TokenRecord {
    TokenRecord {
        id: id.to_owned(),
        org: org.id,
        role: Role::Responder,
        label: "alice".to_owned(),
        hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        created: Utc::now().trunc_subsecs(6),
        revoked: None,
    }
}

pub(crate) fn is_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}
